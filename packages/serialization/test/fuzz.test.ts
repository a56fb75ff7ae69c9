// Property-based fuzzing of the decoders: whatever bytes arrive, decoding
// returns a value or throws a BusError with a known code; it never crashes,
// hangs or touches Object.prototype; and valid values round-trip.
import { BusError, createBus, ERROR_CODES } from '@bus/core';
import fc from 'fast-check';
import { pack } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Codec, jsonCodec, msgpackCodec, serialization } from '../src/index.js';

const RUNS = 2_000;
const ALLOWED_DECODE_CODES = new Set(['DECODE_FAILED', 'PAYLOAD_TOO_LARGE']);

const codecs: Record<string, Codec> = {
  json: jsonCodec({ maxBytes: 64 * 1024, maxDepth: 32 }),
  msgpack: msgpackCodec({ maxBytes: 64 * 1024, maxDepth: 32 }),
};

/** Decodes and classifies the outcome; anything but a value or a BusError with an allowed code fails the test. */
function decodeSafely(codec: Codec, bytes: Uint8Array): { ok: true; value: unknown } | { ok: false; code: string } {
  try {
    return { ok: true, value: codec.decode(bytes) };
  } catch (error) {
    if (!BusError.is(error)) throw new Error(`crash: ${String(error)}`, { cause: error });
    if (!(error.code in ERROR_CODES) || !ALLOWED_DECODE_CODES.has(error.code)) throw new Error(`unexpected code ${error.code}`);
    return { ok: false, code: error.code };
  }
}

/** Whether a value holds a key the decoders refuse: `__proto__`, or `prototype` inside a `constructor` object. */
function hasForbiddenKey(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const node = pending.pop();
    if (node === null || typeof node !== 'object') continue;
    if (Object.hasOwn(node, '__proto__')) return true;
    const ctor = Object.hasOwn(node, 'constructor') ? (node as { constructor: unknown }).constructor : undefined;
    if (ctor !== null && typeof ctor === 'object' && Object.hasOwn(ctor, 'prototype')) return true;
    pending.push(...Object.values(node));
  }
  return false;
}

/** JSON values, with the keys prototype-poisoning payloads use mixed in on purpose. */
const jsonValues = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
    fc.integer(),
    // Well-formed: MessagePack strings are UTF-8, so a lone surrogate cannot survive a round trip (it becomes U+FFFD).
    fc.string({ unit: 'binary' }).map((text) => text.toWellFormed()),
    fc.array(tie('value'), { maxLength: 5 }),
    fc
      .array(fc.tuple(fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'prototype')), tie('value')), { maxLength: 5 })
      .map((entries) => {
        // Own properties, even for '__proto__' (as JSON.parse makes them), never a prototype change.
        const object: Record<string, unknown> = {};
        for (const [key, value] of entries)
          Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
        return object;
      }),
  ),
})).value;

/** Mutations of valid payloads: flip, overwrite, insert, delete, truncate, duplicate. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const) }),
);

function mutate(input: Uint8Array, mutations: readonly MutationOf[]): Uint8Array {
  let bytes = [...input];
  for (const m of mutations) {
    const at = bytes.length === 0 ? 0 : m.kind === 'duplicate' ? 0 : m.at % (bytes.length + 1);
    if (m.kind === 'flip' && at < bytes.length) bytes[at] = (bytes[at] as number) ^ (1 << m.bit);
    else if (m.kind === 'set' && at < bytes.length) bytes[at] = m.byte;
    else if (m.kind === 'insert') bytes.splice(at, 0, ...m.bytes);
    else if (m.kind === 'delete') bytes.splice(at, m.count);
    else if (m.kind === 'truncate') bytes = bytes.slice(0, at);
    else if (m.kind === 'duplicate') bytes = [...bytes, ...bytes];
  }
  return new Uint8Array(bytes);
}
type MutationOf = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

const prototypeKeys = {
  object: Object.getOwnPropertyNames(Object.prototype),
  array: Object.getOwnPropertyNames(Array.prototype),
};
let tested = 0;
beforeAll(() => {
  tested = 0;
});
afterAll(() => {
  expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(prototypeKeys.object);
  expect(Object.getOwnPropertyNames(Array.prototype)).toEqual(prototypeKeys.array);
  expect(tested).toBeGreaterThan(0);
});

describe.each(Object.entries(codecs))('fuzzing the %s codec', (_name, codec) => {
  it('random bytes: a value or a typed error, never a crash', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        decodeSafely(codec, bytes);
        tested++;
      }),
      { numRuns: RUNS },
    );
  });

  it('mutated valid payloads: a value or a typed error, never a crash', () => {
    fc.assert(
      fc.property(jsonValues, fc.array(mutation, { minLength: 1, maxLength: 4 }), (value, mutations) => {
        decodeSafely(codec, mutate(codec.encode(value), mutations));
        tested++;
      }),
      { numRuns: RUNS },
    );
  });

  it('valid values round-trip: decode(encode(x)) equals x, unless x carries a forbidden key, which is refused', () => {
    fc.assert(
      fc.property(jsonValues, (value) => {
        const outcome = decodeSafely(codec, codec.encode(value));
        if (hasForbiddenKey(value)) expect(outcome).toEqual({ ok: false, code: 'DECODE_FAILED' });
        else expect(outcome).toEqual({ ok: true, value: JSON.parse(JSON.stringify(value)) });
        tested++;
      }),
      { numRuns: RUNS },
    );
  });

  it('deep nesting: refused past maxDepth, accepted within, never a stack overflow', () => {
    const nested = (depth: number, kind: 'array' | 'object'): Uint8Array => {
      if (codec.contentType === 'application/json') {
        const [open, close] = kind === 'array' ? ['[', ']'] : ['{"a":', '}'];
        return new TextEncoder().encode(`${open.repeat(depth)}1${close.repeat(depth)}`);
      }
      const head = kind === 'array' ? [0x91] : [0x81, 0xa1, 0x61];
      return new Uint8Array([...Array.from({ length: depth }, () => head).flat(), 0x01]);
    };
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom('array' as const, 'object' as const), (depth, kind) => {
        const outcome = decodeSafely(codec, nested(depth, kind));
        if (depth > 32) expect(outcome.ok).toBe(false);
        else expect(outcome.ok).toBe(true);
        tested++;
      }),
      { numRuns: 300 },
    );
  }, 30_000); // thousands of nested decodes: seconds on a loaded 2-core machine

  it('huge payloads: PAYLOAD_TOO_LARGE before any parsing, whatever the content', () => {
    fc.assert(
      fc.property(fc.integer({ min: 64 * 1024 + 1, max: 256 * 1024 }), fc.integer({ min: 0, max: 255 }), (size, fill) => {
        expect(decodeSafely(codec, new Uint8Array(size).fill(fill))).toEqual({ ok: false, code: 'PAYLOAD_TOO_LARGE' });
        tested++;
      }),
      { numRuns: 100 },
    );
  });

  it('prototype-poisoning keys anywhere: always refused, and Object.prototype stays untouched', () => {
    const poisoned = fc
      .tuple(jsonValues, fc.constantFrom('proto', 'constructor'), fc.array(fc.string(), { maxLength: 4 }))
      .map(([value, attack, path]) => {
        const payload =
          attack === 'proto' ? JSON.parse('{"__proto__":{"polluted":true}}') : { constructor: { prototype: { polluted: true } } };
        let wrapped: unknown = { ...payload, sibling: value };
        for (const key of path.reverse()) wrapped = key.length % 2 === 0 ? [wrapped] : { [`k${key}`]: wrapped };
        return wrapped;
      });
    fc.assert(
      fc.property(poisoned, (value) => {
        const bytes = codec.contentType === 'application/json' ? new TextEncoder().encode(JSON.stringify(value)) : pack(value);
        expect(decodeSafely(codec, bytes)).toEqual({ ok: false, code: 'DECODE_FAILED' });
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        tested++;
      }),
      { numRuns: 500 },
    );
  });
});

describe('fuzzing through a bus', () => {
  it('every malformed delivery fails with a typed error and the bus keeps delivering the next event', async () => {
    const bus = createBus().use(serialization({ maxBytes: 4096, maxDepth: 16 }));
    const failures: string[] = [];
    const delivered: unknown[] = [];
    bus.events.on('failed', (error) => void failures.push(error.code));
    bus.subscribe('fuzz', (event) => void delivered.push(event.data));
    await bus.start();
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 5000 }),
        fc.constantFrom('application/json', 'application/msgpack', 'application/x-unknown'),
        async (bytes, datacontenttype) => {
          const before = delivered.length;
          await bus.dispatch({ type: 'fuzz', data: bytes, datacontenttype });
          await bus.publish('fuzz', { next: true });
          expect(delivered.at(-1)).toEqual({ next: true });
          expect(delivered.length - before).toBeGreaterThanOrEqual(1);
          tested++;
        },
      ),
      { numRuns: 300 },
    );
    await bus.stop();
    expect(failures.every((code) => ALLOWED_DECODE_CODES.has(code))).toBe(true);
    expect(failures.length).toBeGreaterThan(0);
  });
});
