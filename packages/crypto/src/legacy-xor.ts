/**
 * The single-byte XOR "encryption" of legacy event buses, kept only so that a
 * facade can reproduce it while its users migrate. It is not encryption: one
 * known plaintext byte reveals the key, and nothing detects tampering. Every
 * process that uses it is told so once, with a `DeprecationWarning`.
 */
import { BusError } from '@bus/core';

/**
 * The code of the warning {@link legacyXor} emits (once per process) through
 * `process.emitWarning`, for `process.on('warning')` filters and
 * `--disable-warning=BUS_LEGACY_XOR`.
 *
 * @example
 * ```ts
 * process.on('warning', (warning) => {
 *   if ((warning as NodeJS.ErrnoException).code === LEGACY_XOR_WARNING_CODE) audit.log('legacy XOR still in use');
 * });
 * ```
 */
export const LEGACY_XOR_WARNING_CODE = 'BUS_LEGACY_XOR';

// Shared across copies of this package (duplicate installs, its ESM and CJS
// builds), so "once per process" holds for the process, not per copy.
const WARNED_KEY = Symbol.for('@bus/crypto/legacy-xor-warned');
const shared = globalThis as { [WARNED_KEY]?: boolean };

/**
 * **Insecure; for legacy compatibility only.** XORs every byte of `data` with
 * one key byte: the first byte of `key` when it is bytes, or `key` itself when
 * it is a number (0–255). Applying it twice with the same key gives the input
 * back. Returns a new array; `data` is not changed.
 *
 * The first call in a process emits a `DeprecationWarning` with code
 * {@link LEGACY_XOR_WARNING_CODE}. Use {@link sealPayload} / {@link openPayload}
 * (AES-256-GCM with a key ring) or the {@link crypto} plugin instead.
 *
 * Throws `BusError` `CONFIG_INVALID` for an empty key or a number that is not
 * a byte, and `ENCODE_FAILED` when `data` is not a `Uint8Array`.
 *
 * @deprecated Single-byte XOR hides nothing from an attacker. Kept for legacy
 * facades; seal payloads with `sealPayload` or the `crypto()` plugin.
 *
 * @example
 * ```ts
 * const scrambled = legacyXor(new TextEncoder().encode('hello'), new TextEncoder().encode('k'));
 * new TextDecoder().decode(legacyXor(scrambled, 0x6b)); // 'hello'
 * ```
 */
export function legacyXor(data: Uint8Array, key: Uint8Array | number): Uint8Array {
  if (!(data instanceof Uint8Array)) {
    throw new BusError('ENCODE_FAILED', `legacyXor() takes the payload as a Uint8Array, got ${describe(data)}.`);
  }
  const keyByte = keyByteOf(key);
  warnOnce();
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = (data[i] as number) ^ keyByte;
  return out;
}

function keyByteOf(key: Uint8Array | number): number {
  if (key instanceof Uint8Array) {
    if (key.length === 0) throw new BusError('CONFIG_INVALID', 'legacyXor() needs a key of at least one byte.');
    return key[0] as number;
  }
  if (typeof key === 'number' && Number.isInteger(key) && key >= 0 && key <= 255) return key;
  throw new BusError('CONFIG_INVALID', `legacyXor() takes a key as bytes or a byte value 0–255, got ${describe(key)}.`);
}

function warnOnce(): void {
  if (shared[WARNED_KEY] === true) return;
  shared[WARNED_KEY] = true;
  process.emitWarning('Single-byte XOR is not encryption: anyone can read and alter these payloads.', {
    type: 'DeprecationWarning',
    code: LEGACY_XOR_WARNING_CODE,
    detail: 'Seal payloads with sealPayload()/openPayload() or the crypto() plugin of @bus/crypto (AES-256-GCM with a key ring).',
  });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number') return String(value);
  return typeof value === 'object' ? (value.constructor?.name ?? 'an object') : typeof value;
}
