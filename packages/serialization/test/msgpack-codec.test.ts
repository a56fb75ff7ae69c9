import { Packr, pack, unpack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_DEPTH, MSGPACK_CONTENT_TYPE, msgpackCodec } from '../src/index.js';

/** A MessagePack map of one string key to one value (already encoded). */
const entry = (key: string, value: number[]): Uint8Array => {
  const keyBytes = [...new TextEncoder().encode(key)];
  return new Uint8Array([0x81, 0xa0 | keyBytes.length, ...keyBytes, ...value]);
};

describe('the MessagePack codec', () => {
  const msgpack = msgpackCodec();

  it('round-trips objects, arrays, numbers, strings, booleans, null, dates, binaries and 64-bit integers', () => {
    const value = {
      id: 'o-1',
      lines: [{ sku: 'é', qty: 2, price: 9.95 }],
      paid: false,
      note: null,
      at: new Date('2024-01-02T03:04:05.678Z'),
      blob: new Uint8Array([1, 2, 3]),
      large: 2 ** 40,
      huge: 2n ** 62n,
    };
    const decoded = msgpack.decode(msgpack.encode(value));
    expect(decoded).toEqual({ ...value, blob: expect.any(Uint8Array) });
    expect([...(decoded as { blob: Uint8Array }).blob]).toEqual([1, 2, 3]);
    expect(msgpack.contentType).toBe(MSGPACK_CONTENT_TYPE);
  });

  it('writes plain MessagePack that any decoder reads, and leaves out undefined properties as JSON does', () => {
    const encoded = msgpack.encode({ a: 1, gone: undefined });
    expect([...encoded]).toEqual([0x81, 0xa1, 0x61, 0x01]); // fixmap { fixstr "a": 1 }
    expect(unpack(encoded)).toEqual({ a: 1 });
    expect(msgpack.decode(msgpack.encode([undefined]))).toEqual([null]);
  });

  it('writes strings as UTF-8, so a lone surrogate comes back as U+FFFD (JSON would escape it)', () => {
    expect(msgpack.decode(msgpack.encode('a\uD800b'))).toMatch(/^a\uFFFD+b$/);
  });

  it('decodes binaries as copies, never as views of the input', () => {
    const input = msgpack.encode({ blob: new Uint8Array([7, 7, 7]) });
    const decoded = msgpack.decode(input) as { blob: Uint8Array };
    input.fill(0);
    expect([...decoded.blob]).toEqual([7, 7, 7]);
  });

  it('refuses what it cannot encode with ENCODE_FAILED: cycles, integers beyond 64 bits', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => msgpack.encode(cyclic)).toThrowError(expect.objectContaining({ code: 'ENCODE_FAILED' }));
    expect(() => msgpack.encode(2n ** 70n)).toThrowError(expect.objectContaining({ code: 'ENCODE_FAILED' }));
  });

  it('checks the size limit before anything else', () => {
    const small = msgpackCodec({ maxBytes: 4 });
    expect(() => small.decode(new Uint8Array([0xc1, 0xc1, 0xc1, 0xc1, 0xc1]))).toThrowError(
      expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }),
    );
    expect(() => small.encode('a long string')).toThrowError(expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }));
  });

  it('refuses nesting deeper than maxDepth without recursing into it', () => {
    const arrays = (depth: number) => new Uint8Array([...new Array<number>(depth).fill(0x91), 0x01]);
    expect(() => msgpack.decode(arrays(DEFAULT_MAX_DEPTH))).not.toThrow();
    expect(() => msgpack.decode(arrays(DEFAULT_MAX_DEPTH + 1))).toThrowError(expect.objectContaining({ code: 'DECODE_FAILED' }));
    // msgpackr alone overflows the stack on this; the codec refuses it in a linear scan.
    expect(() => msgpack.decode(new Uint8Array(1_000_000).fill(0x91))).toThrowError(expect.objectContaining({ code: 'DECODE_FAILED' }));
    const emptyAtTheLimit = new Uint8Array([...new Array<number>(DEFAULT_MAX_DEPTH).fill(0x91), 0x90]);
    expect(() => msgpack.decode(emptyAtTheLimit)).toThrowError(expect.objectContaining({ code: 'DECODE_FAILED' }));
  });

  it('refuses __proto__ keys in any string encoding, and constructor.prototype, instead of renaming them', () => {
    const proto = [...new TextEncoder().encode('__proto__')];
    const inner = [0x81, 0xa1, 0x78, 0x01];
    for (const input of [
      pack(JSON.parse('{"__proto__":{"polluted":true}}')),
      new Uint8Array([0x81, 0xd9, proto.length, ...proto, ...inner]),
      new Uint8Array([0x81, 0xda, 0, proto.length, ...proto, ...inner]),
      pack(JSON.parse('{"a":[{"constructor":{"prototype":{"polluted":true}}}]}')),
    ]) {
      expect(() => msgpack.decode(input)).toThrowError(
        expect.objectContaining({ code: 'DECODE_FAILED', message: expect.stringContaining('prototype') }),
      );
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(msgpack.decode(entry('constructor', [0x81, 0xa4, ...new TextEncoder().encode('name'), 0x01]))).toEqual({
      constructor: { name: 1 },
    });
  });

  it('accepts timestamps but no other extension type (records, structured clone, RegExp, Error)', () => {
    const clone = new Packr({ structuredClone: true, moreTypes: true });
    for (const value of [/a+/, new Set([1]), new Error('boom')]) {
      expect(() => msgpack.decode(clone.pack(value))).toThrowError(expect.objectContaining({ code: 'DECODE_FAILED' }));
    }
    expect(() => msgpack.decode(new Packr({ useRecords: true }).pack([{ a: 1 }, { a: 2 }]))).toThrowError(
      expect.objectContaining({ code: 'DECODE_FAILED' }),
    );
    expect(() => msgpack.decode(new Uint8Array([0xd4, 0x00, 0x00]))).toThrowError(expect.objectContaining({ code: 'DECODE_FAILED' }));
    expect(msgpack.decode(pack(new Date(0)))).toEqual(new Date(0));
  });

  it('refuses truncated data, trailing bytes, the never-used 0xc1, and container map keys', () => {
    for (const input of [
      new Uint8Array([]),
      new Uint8Array([0x92, 0x01]),
      new Uint8Array([0xa5, 0x61]),
      new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff]),
      new Uint8Array([0x01, 0x02]),
      new Uint8Array([0xc1]),
      new Uint8Array([0x81, 0x90, 0x01]),
      new Uint8Array([0x81, 0xc4, 0x01, 0x61, 0x01]),
    ]) {
      expect(() => msgpack.decode(input), `[${[...input]}]`).toThrowError(expect.objectContaining({ code: 'DECODE_FAILED' }));
    }
  });

  it('turns numeric, boolean and nil map keys into property names, as JavaScript does', () => {
    expect(msgpack.decode(new Uint8Array([0x83, 0x01, 0xa1, 0x61, 0xc3, 0x02, 0xc0, 0x03]))).toEqual({ 1: 'a', true: 2, null: 3 });
  });
});
