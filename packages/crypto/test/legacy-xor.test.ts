import { BusError } from '@bus/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LEGACY_XOR_WARNING_CODE, legacyXor } from '../src/index.js';
import { read, text } from './helpers.js';

const WARNED_KEY = Symbol.for('@bus/crypto/legacy-xor-warned');

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'returned';
  } catch (error) {
    return BusError.is(error) ? error.code : `crash: ${String(error)}`;
  }
}

describe('legacyXor (insecure, legacy only)', () => {
  beforeEach(() => {
    // The warning is once per process: forget it was given, so each test sees the first call.
    delete (globalThis as { [WARNED_KEY]?: boolean })[WARNED_KEY];
  });
  afterEach(() => vi.restoreAllMocks());

  it('XORs every byte with the first key byte, so applying it twice gives the input back', () => {
    vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const key = text('kX');
    const scrambled = legacyXor(text('hello world'), key);
    expect([...scrambled]).toEqual([...text('hello world')].map((byte) => byte ^ 0x6b));
    expect(read(legacyXor(scrambled, key))).toBe('hello world');
  });

  it('takes the key byte as a number too, and returns a new array', () => {
    vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const data = text('abc');
    const out = legacyXor(data, 0x6b);
    expect(out).not.toBe(data);
    expect(read(data)).toBe('abc');
    expect(read(legacyXor(out, text('k')))).toBe('abc');
  });

  it('warns once per process, with a DeprecationWarning naming the secure replacement', () => {
    const emitWarning = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    legacyXor(text('a'), 1);
    legacyXor(text('b'), 2);
    expect(emitWarning).toHaveBeenCalledTimes(1);
    const [message, options] = emitWarning.mock.calls[0] as [string, { type: string; code: string; detail: string }];
    expect(message).toMatch(/not encryption/);
    expect(options).toMatchObject({ type: 'DeprecationWarning', code: LEGACY_XOR_WARNING_CODE });
    expect(options.detail).toMatch(/sealPayload|crypto\(\)/);
  });

  it('refuses an empty key or a number that is not a byte with CONFIG_INVALID, before warning', () => {
    const emitWarning = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    expect(codeOf(() => legacyXor(text('a'), new Uint8Array(0)))).toBe('CONFIG_INVALID');
    expect(codeOf(() => legacyXor(text('a'), 256))).toBe('CONFIG_INVALID');
    expect(codeOf(() => legacyXor(text('a'), -1))).toBe('CONFIG_INVALID');
    expect(codeOf(() => legacyXor(text('a'), 1.5))).toBe('CONFIG_INVALID');
    expect(codeOf(() => legacyXor(text('a'), 'k' as never))).toBe('CONFIG_INVALID');
    expect(emitWarning).not.toHaveBeenCalled();
  });

  it('refuses data that is not a Uint8Array with ENCODE_FAILED', () => {
    vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    expect(codeOf(() => legacyXor('hello' as never, 1))).toBe('ENCODE_FAILED');
    expect(codeOf(() => legacyXor(null as never, 1))).toBe('ENCODE_FAILED');
  });

  it('handles an empty payload', () => {
    vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    expect(legacyXor(new Uint8Array(0), 7)).toEqual(new Uint8Array(0));
  });
});
