// The behaviours legacy-apis.md lists for distributed_architect.event_bus, beyond the legacy suite, and bad input.
import { BusError } from '@bus/core';
import { LEGACY_XOR_WARNING_CODE } from '@bus/crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BufferError, EventBus, LEGACY_EVENT_TYPE, ValidationError } from '../src/index.js';

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const WARNED_KEY = Symbol.for('@bus/crypto/legacy-xor-warned');

const buses: EventBus[] = [];
function newBus(): EventBus {
  const bus = new EventBus();
  buses.push(bus);
  return bus;
}
let emitWarning: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  emitWarning = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
});
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(buses.splice(0).map((bus) => bus.stop()));
});

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'returned';
  } catch (error) {
    return BusError.is(error) ? error.code : `crash: ${String(error)}`;
  }
}

describe('generateDocumentation', () => {
  it('lists authorizations per topic in order, duplicates included, as a copy', () => {
    const bus = newBus();
    bus.authorizeActor('t1', 'u1');
    bus.authorizeActor('t1', 'u2');
    bus.authorizeActor('t1', 'u1');
    const docs = bus.generateDocumentation();
    expect(docs.acls).toEqual({ t1: ['u1', 'u2', 'u1'] });
    docs.acls.t1?.push('mallory');
    expect(bus.checkAuthorization('t1', 'mallory')).toBe(false);
    expect(bus.generateDocumentation().acls.t1).toEqual(['u1', 'u2', 'u1']);
  });
});

describe('encryptPayload (legacy XOR)', () => {
  it('XORs with the first key byte only', () => {
    const bus = newBus();
    expect(bus.encryptPayload('hi', { key: text('kZZ') })).toEqual(bus.encryptPayload('hi', { key: text('k') }));
    expect([...bus.encryptPayload('hi', { key: text('k') })]).toEqual([0x68 ^ 0x6b, 0x69 ^ 0x6b]);
  });

  it('returns the UTF-8 bytes unchanged without a key', () => {
    const bus = newBus();
    expect(bus.encryptPayload('héllo')).toEqual(text('héllo'));
    expect(bus.encryptPayload(text('raw'), {})).toEqual(text('raw'));
  });

  it('takes bytes as the payload and the key positionally, as the legacy call did', () => {
    const bus = newBus();
    const once = bus.encryptPayload(text('hello'), text('k'));
    expect(bus.encryptPayload(once, text('k'))).toEqual(text('hello'));
  });

  it('warns once per process, with the @bus/crypto legacy XOR code', () => {
    delete (globalThis as { [WARNED_KEY]?: boolean })[WARNED_KEY];
    const bus = newBus();
    bus.encryptPayload('a');
    expect(emitWarning).not.toHaveBeenCalled();
    bus.encryptPayload('a', { key: text('k') });
    bus.encryptPayload('b', { key: text('k') });
    expect(emitWarning).toHaveBeenCalledTimes(1);
    expect(emitWarning.mock.calls[0]?.[1]).toMatchObject({ code: LEGACY_XOR_WARNING_CODE });
  });

  it('refuses a payload that is not a string or bytes (ENCODE_FAILED) and an empty key (CONFIG_INVALID)', () => {
    const bus = newBus();
    expect(codeOf(() => bus.encryptPayload({ a: 1 } as never, { key: text('k') }))).toBe('ENCODE_FAILED');
    expect(codeOf(() => bus.encryptPayload(null as never))).toBe('ENCODE_FAILED');
    expect(codeOf(() => bus.encryptPayload('a', { key: new Uint8Array(0) }))).toBe('CONFIG_INVALID');
    expect(codeOf(() => bus.encryptPayload('a', { key: 'k' as never }))).toBe('CONFIG_INVALID');
    expect(codeOf(() => bus.encryptPayload('a', 'k' as never))).toBe('CONFIG_INVALID');
    expect(codeOf(() => bus.encryptPayload('a', null as never))).toBe('CONFIG_INVALID');
  });
});

describe('serializers', () => {
  it('serializes json to compact JSON text and back', () => {
    const bus = newBus();
    expect(bus.serialize('json', { a: [1, 'x'] })).toBe('{"a":[1,"x"]}');
    expect(bus.deserialize('json', text('{"b":2}'))).toEqual({ b: 2 });
  });

  it('refuses prototype-poisoning JSON (DECODE_FAILED) and values JSON cannot hold (ENCODE_FAILED)', () => {
    const bus = newBus();
    expect(codeOf(() => bus.deserialize('json', '{"__proto__":{"admin":true}}'))).toBe('DECODE_FAILED');
    expect(codeOf(() => bus.deserialize('json', '{not json'))).toBe('DECODE_FAILED');
    expect(codeOf(() => bus.deserialize('json', 42))).toBe('DECODE_FAILED');
    expect(codeOf(() => bus.serialize('json', 10n))).toBe('ENCODE_FAILED');
  });

  it('raises a typed error for an unknown name (legacy KeyError): ENCODE_FAILED / DECODE_FAILED', () => {
    const bus = newBus();
    expect(codeOf(() => bus.serialize('yaml', {}))).toBe('ENCODE_FAILED');
    expect(codeOf(() => bus.deserialize('yaml', ''))).toBe('DECODE_FAILED');
    expect(() => bus.serialize('yaml', {})).toThrow(/Serializer 'yaml' not found/);
  });

  it('replaces a serializer registered again under the same name, keeping its place', () => {
    const bus = newBus();
    bus.registerSerializer('json', String, (blob) => blob);
    expect(bus.serialize('json', 5)).toBe('5');
    expect(bus.generateDocumentation().serializers).toEqual(['json']);
  });

  it('lets a custom serializer error through unchanged', () => {
    const bus = newBus();
    const failure = new RangeError('too big');
    bus.registerSerializer(
      'strict',
      () => {
        throw failure;
      },
      (blob) => blob,
    );
    expect(() => bus.serialize('strict', 1)).toThrow(failure);
  });

  it('refuses a registration without a name or functions (CONFIG_INVALID)', () => {
    const bus = newBus();
    expect(codeOf(() => bus.registerSerializer('', String, String))).toBe('CONFIG_INVALID');
    expect(codeOf(() => bus.registerSerializer('x', 'enc' as never, String))).toBe('CONFIG_INVALID');
  });
});

describe('authorizations', () => {
  it('matches @bus/topics wildcards in an authorized topic', () => {
    const bus = newBus();
    bus.authorizeActor('orders.*.created', 'shop');
    bus.authorizeActor('audit.#', 'auditor');
    expect(bus.checkAuthorization('orders.eu.created', 'shop')).toBe(true);
    expect(bus.checkAuthorization('orders.created', 'shop')).toBe(false);
    expect(bus.checkAuthorization('audit', 'auditor')).toBe(true);
    expect(bus.checkAuthorization('audit.login.failed', 'auditor')).toBe(true);
    expect(bus.checkAuthorization('audit.login', 'shop')).toBe(false);
  });

  it('refuses an empty or malformed topic and an empty actor (CONFIG_INVALID), and checks of a non-topic (INVALID_EVENT)', () => {
    const bus = newBus();
    expect(codeOf(() => bus.authorizeActor('', 'alice'))).toBe('CONFIG_INVALID');
    expect(codeOf(() => bus.authorizeActor('a..b', 'alice'))).toBe('CONFIG_INVALID');
    expect(codeOf(() => bus.authorizeActor('a.b*', 'alice'))).toBe('CONFIG_INVALID');
    expect(codeOf(() => bus.authorizeActor('a', ''))).toBe('CONFIG_INVALID');
    expect(codeOf(() => bus.authorizeActor('a', 7 as never))).toBe('CONFIG_INVALID');
    expect(codeOf(() => bus.checkAuthorization('' as never, 'alice'))).toBe('INVALID_EVENT');
    expect(codeOf(() => bus.checkAuthorization(null as never, 'alice'))).toBe('INVALID_EVENT');
    expect(bus.checkAuthorization('a', undefined as never)).toBe(false);
    expect(bus.generateDocumentation().acls).toEqual({});
  });
});

describe('logger', () => {
  it("is the bus's logger: a failure nobody handles is logged on it", async () => {
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const eventBus = new EventBus({ logger });
    eventBus.bus.subscribe(LEGACY_EVENT_TYPE, () => {
      throw new Error('handler down');
    });
    await eventBus.start();
    eventBus.publish({ order: 'o-1' });
    expect(logger.error).toHaveBeenCalledWith(expect.objectContaining({ code: 'HANDLER_FAILED' }), expect.stringContaining('handler down'));
    await eventBus.bus.stop();
  });
});

describe('context', () => {
  it('returns undefined for a key never set', () => {
    expect(newBus().getContext('nothing')).toBeUndefined();
  });

  it('refuses an empty key (CONFIG_INVALID)', () => {
    expect(codeOf(() => newBus().propagateContext('', 1))).toBe('CONFIG_INVALID');
  });
});

describe('balanceLoad', () => {
  it('deals round robin to three handlers, unevenly', () => {
    expect(newBus().balanceLoad(['a', 'b', 'c'], [1, 2, 3, 4, 5])).toEqual({ a: [1, 4], b: [2, 5], c: [3] });
  });

  it('gives a handler listed twice the events of both its places', () => {
    expect(newBus().balanceLoad(['h', 'g', 'h'], [0, 1, 2, 3])).toEqual({ h: [0, 2, 3], g: [1] });
  });

  it('lists handlers that get no event with an empty list', () => {
    expect(newBus().balanceLoad(['h1', 'h2'], [9])).toEqual({ h1: [9], h2: [] });
  });

  it("treats a handler named '__proto__' as a plain key", () => {
    const dist = newBus().balanceLoad(['__proto__'], [1]);
    expect(Object.getPrototypeOf(dist)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(dist, '__proto__')?.value).toEqual([1]);
  });

  it('refuses handlers that are not an array of names, and events that are not iterable (CONFIG_INVALID)', () => {
    const bus = newBus();
    expect(codeOf(() => bus.balanceLoad('h1' as never, [1]))).toBe('CONFIG_INVALID');
    expect(codeOf(() => bus.balanceLoad([{}] as never, [1]))).toBe('CONFIG_INVALID');
    expect(codeOf(() => bus.balanceLoad(['h1'], 3 as never))).toBe('CONFIG_INVALID');
  });
});

describe('validateSchema', () => {
  const schema = { type: 'object', properties: { x: { type: 'number' }, name: { type: 'string' } }, required: ['x'] };

  it('throws ValidationError, a BusError with code SCHEMA_INVALID and ajv errors, for a missing required field', () => {
    const bus = newBus();
    let thrown: unknown;
    try {
      bus.validateSchema(schema, { name: 'n' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect(thrown).toBeInstanceOf(BusError);
    expect(thrown).toMatchObject({ name: 'ValidationError', code: 'SCHEMA_INVALID', message: "data must have required property 'x'" });
    expect((thrown as ValidationError).details).toMatchObject({ errors: [{ keyword: 'required' }] });
  });

  it('checks string properties and refuses a payload that is not an object', () => {
    const bus = newBus();
    expect(() => bus.validateSchema(schema, { x: 1, name: 5 })).toThrow(ValidationError);
    expect(() => bus.validateSchema(schema, 'not an object')).toThrow(ValidationError);
    expect(() => bus.validateSchema(schema, [1])).toThrow(ValidationError);
  });

  it('refuses a schema that is not JSON Schema, or $async, with CONFIG_INVALID', () => {
    const bus = newBus();
    expect(codeOf(() => bus.validateSchema(null as never, {}))).toBe('CONFIG_INVALID');
    expect(codeOf(() => bus.validateSchema({ type: 'number-ish' }, {}))).toBe('CONFIG_INVALID');
    expect(codeOf(() => bus.validateSchema({ $async: true, type: 'object' }, {}))).toBe('CONFIG_INVALID');
  });
});

describe('backpressure', () => {
  it('throws BufferError, a BusError with code BACKPRESSURE_REJECTED, and keeps the queue as it was', () => {
    const bus = newBus();
    bus.controlBackpressure(2, 'reject');
    bus.publish(1);
    bus.publish(2);
    let thrown: unknown;
    try {
      bus.publish(3);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(BufferError);
    expect(thrown).toBeInstanceOf(BusError);
    expect(thrown).toMatchObject({ name: 'BufferError', code: 'BACKPRESSURE_REJECTED', details: { limit: 2, policy: 'reject' } });
    expect(bus.queue).toEqual([1, 2]);
  });

  it('queues without bound until controlBackpressure is called', () => {
    const bus = newBus();
    for (let i = 0; i < 50; i++) bus.publish(i);
    expect(bus.queue).toHaveLength(50);
  });

  it('makes room under reject once the queue is drained', () => {
    const bus = newBus();
    bus.controlBackpressure(1, 'reject');
    bus.publish('a');
    expect(bus.drainQueue()).toEqual(['a']);
    expect(() => bus.publish('b')).not.toThrow();
    expect(bus.queue).toEqual(['b']);
  });

  it('refuses an unknown policy or a bad limit with CONFIG_INVALID, keeping the previous setting', () => {
    const bus = newBus();
    bus.controlBackpressure(1, 'reject');
    expect(codeOf(() => bus.controlBackpressure(2, 'block' as never))).toBe('CONFIG_INVALID');
    expect(codeOf(() => bus.controlBackpressure(2, 'drop-oldest' as never))).toBe('CONFIG_INVALID');
    expect(codeOf(() => bus.controlBackpressure(-1, 'drop_oldest'))).toBe('CONFIG_INVALID');
    expect(codeOf(() => bus.controlBackpressure(1.5, 'drop_oldest'))).toBe('CONFIG_INVALID');
    bus.publish('a');
    expect(() => bus.publish('b')).toThrow(BufferError);
  });
});

describe('clustering', () => {
  it('has no leader and no nodes before setupClustering', () => {
    const bus = newBus();
    expect(bus.getLeader()).toBeUndefined();
    expect(bus.leader).toBeUndefined();
    expect(bus.nodes).toEqual([]);
  });

  it('keeps its own frozen copy of the nodes', () => {
    const bus = newBus();
    const nodes = ['n1', 'n2'];
    bus.setupClustering(nodes);
    nodes.push('n3');
    expect(bus.nodes).toEqual(['n1', 'n2']);
    expect(Object.isFrozen(bus.nodes)).toBe(true);
    expect(bus.leader).toBe('n1');
  });

  it('refuses an empty list, a non-array and non-string nodes with CONFIG_INVALID, keeping the previous cluster', () => {
    const bus = newBus();
    bus.setupClustering(['n1']);
    expect(codeOf(() => bus.setupClustering([]))).toBe('CONFIG_INVALID');
    expect(codeOf(() => bus.setupClustering('n1' as never))).toBe('CONFIG_INVALID');
    expect(codeOf(() => bus.setupClustering(['n2', 3] as never))).toBe('CONFIG_INVALID');
    expect(bus.getLeader()).toBe('n1');
  });
});

describe('counters', () => {
  it('takes the amount positionally too, as the legacy call did', () => {
    const bus = newBus();
    bus.incrementCounter('hits', 4);
    bus.incrementCounter('hits', -1);
    expect(bus.getCounter('hits')).toBe(3);
  });

  it('exposes every counter as a copy', () => {
    const bus = newBus();
    bus.incrementCounter('a');
    bus.incrementCounter('b', { amount: 2.5 });
    const metrics = bus.exposeMetrics();
    expect(metrics).toEqual({ counters: { a: 1, b: 2.5 } });
    metrics.counters.a = 100;
    expect(bus.getCounter('a')).toBe(1);
  });

  it('refuses an empty name or a non-finite amount with CONFIG_INVALID', () => {
    const bus = newBus();
    expect(codeOf(() => bus.incrementCounter(''))).toBe('CONFIG_INVALID');
    expect(codeOf(() => bus.incrementCounter('a', { amount: Number.NaN }))).toBe('CONFIG_INVALID');
    expect(codeOf(() => bus.incrementCounter('a', '1' as never))).toBe('CONFIG_INVALID');
    expect(bus.exposeMetrics()).toEqual({ counters: {} });
  });
});
