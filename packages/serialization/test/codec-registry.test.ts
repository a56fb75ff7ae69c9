import { describe, expect, it } from 'vitest';
import { type Codec, createCodecRegistry, jsonCodec, mediaTypeOf, msgpackCodec } from '../src/index.js';

const text: Codec = {
  contentType: 'text/plain',
  encode: (value) => new TextEncoder().encode(String(value)),
  decode: (bytes) => new TextDecoder().decode(bytes),
};

describe('the codec registry', () => {
  it('finds codecs by media type, ignoring case and parameters', () => {
    const json = jsonCodec();
    const registry = createCodecRegistry([json]);
    expect(registry.get('application/json')).toBe(json);
    expect(registry.get('Application/JSON; charset=utf-8')).toBe(json);
    expect(registry.get('text/plain')).toBeUndefined();
    expect(mediaTypeOf(' Text/Plain ;q=1')).toBe('text/plain');
  });

  it('falls back from a structured syntax suffix to its base codec (RFC 6839)', () => {
    const registry = createCodecRegistry([jsonCodec(), msgpackCodec()]);
    expect(registry.get('application/cloudevents+json')).toBe(registry.get('application/json'));
    expect(registry.get('application/vnd.acme.reading+msgpack')).toBe(registry.get('application/msgpack'));
    expect(registry.has('application/vnd.acme+xml')).toBe(false);
  });

  it('registers custom codecs, a later one replacing an earlier one of the same type', () => {
    const registry = createCodecRegistry([jsonCodec()]);
    const custom = { ...jsonCodec(), contentType: 'application/json' };
    registry.register(text).register(custom);
    expect(registry.get('text/plain')).toBe(text);
    expect(registry.get('application/json')).toBe(custom);
    expect(registry.contentTypes).toEqual(['application/json', 'text/plain']);
  });

  it('refuses a malformed codec with PLUGIN_INVALID', () => {
    const registry = createCodecRegistry();
    expect(() => registry.register({ contentType: 'a/b' } as never)).toThrowError(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
    expect(() => registry.register({ ...text, contentType: ' ' })).toThrowError(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
  });
});
