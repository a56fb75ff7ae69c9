import { BusError } from '@bus/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, JSON_CONTENT_TYPE, jsonCodec } from '../src/index.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('the JSON codec', () => {
  const json = jsonCodec();

  it('encodes to UTF-8 JSON bytes and decodes them back', () => {
    const value = { id: 'o-1', lines: [{ sku: 'é', qty: 2 }], paid: false, note: null };
    const encoded = json.encode(value);
    expect(encoded).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(encoded)).toBe(JSON.stringify(value));
    expect(json.decode(encoded)).toEqual(value);
    expect(json.contentType).toBe(JSON_CONTENT_TYPE);
  });

  it('refuses what JSON cannot hold with ENCODE_FAILED: cycles, BigInt, a bare undefined or function', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const value of [cyclic, { n: 1n }, undefined, () => 1]) {
      expect(() => json.encode(value)).toThrowError(expect.objectContaining({ code: 'ENCODE_FAILED' }));
    }
  });

  it('checks the size limit before parsing: an oversized payload is PAYLOAD_TOO_LARGE even when malformed', () => {
    const small = jsonCodec({ maxBytes: 16 });
    expect(() => small.decode(bytes(`"${'x'.repeat(20)}`))).toThrowError(
      expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE', details: { size: 21, limit: 16 } }),
    );
    expect(() => small.encode('x'.repeat(20))).toThrowError(expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }));
    expect(small.decode(bytes('"fits"'))).toBe('fits');
  });

  it('defaults to 1 MiB and 64 levels', () => {
    expect(DEFAULT_MAX_BYTES).toBe(1024 * 1024);
    expect(DEFAULT_MAX_DEPTH).toBe(64);
    expect(() => json.decode(new Uint8Array(DEFAULT_MAX_BYTES + 1))).toThrowError(expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }));
  });

  it('refuses nesting deeper than maxDepth before parsing, counting brackets inside strings not at all', () => {
    const nested = (depth: number) => bytes(`${'['.repeat(depth)}${']'.repeat(depth)}`);
    expect(() => json.decode(nested(DEFAULT_MAX_DEPTH))).not.toThrow();
    expect(() => json.decode(nested(DEFAULT_MAX_DEPTH + 1))).toThrowError(expect.objectContaining({ code: 'DECODE_FAILED' }));
    expect(() => json.decode(nested(1_000_000 / 2))).toThrowError(expect.objectContaining({ code: 'DECODE_FAILED' }));
    const shallow = jsonCodec({ maxDepth: 2 });
    expect(shallow.decode(bytes('{"a":["[[[[{{{\\"]]]"]}'))).toEqual({ a: ['[[[[{{{"]]]'] });
    expect(() => shallow.decode(bytes('{"a":[{}]}'))).toThrowError(expect.objectContaining({ code: 'DECODE_FAILED' }));
  });

  it('refuses __proto__ and constructor.prototype keys anywhere, also when escaped', () => {
    for (const text of [
      '{"__proto__":{"polluted":true}}',
      '{"a":[{"b":{"__proto__":{"polluted":true}}}]}',
      '{"\\u005f_proto__":{"polluted":true}}',
      '{"constructor":{"prototype":{"polluted":true}}}',
      '[{"x":{"constructor":{"prototype":{}}}}]',
    ]) {
      expect(() => json.decode(bytes(text)), text).toThrowError(expect.objectContaining({ code: 'DECODE_FAILED' }));
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(json.decode(bytes('{"constructor":"fine","proto":1}'))).toEqual({ constructor: 'fine', proto: 1 });
  });

  it('refuses malformed JSON and invalid UTF-8 with DECODE_FAILED, keeping the cause', () => {
    for (const input of [bytes('{"a":'), bytes(''), bytes('NaN'), new Uint8Array([0x22, 0xff, 0x22])]) {
      let thrown: unknown;
      try {
        json.decode(input);
      } catch (error) {
        thrown = error;
      }
      expect(BusError.is(thrown)).toBe(true);
      expect(thrown).toMatchObject({ code: 'DECODE_FAILED', cause: expect.any(Error) });
    }
  });

  it('refuses input that is not bytes with DECODE_FAILED', () => {
    expect(() => json.decode('{}' as never)).toThrowError(expect.objectContaining({ code: 'DECODE_FAILED' }));
  });

  it('refuses limits that are not positive integers', () => {
    expect(() => jsonCodec({ maxBytes: 0 })).toThrowError(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
    expect(() => jsonCodec({ maxDepth: 1.5 })).toThrowError(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
  });
});
