/**
 * The sealed payload format, version 1 (all integers unsigned, big-endian):
 *
 * | bytes | field                                                 |
 * | ----- | ----------------------------------------------------- |
 * | 1     | format version: `0x01`                                |
 * | 1     | algorithm: `0x01` = AES-256-GCM                       |
 * | 1     | key id length N (1–255)                               |
 * | N     | key id, UTF-8                                         |
 * | 12    | IV (random, per payload)                              |
 * | 16    | GCM authentication tag                                |
 * | rest  | ciphertext (as long as the plaintext)                 |
 *
 * The header (version, algorithm, key id) is authenticated too: it is
 * prepended to the caller's additional data, so no byte of a sealed payload
 * can change without the payload being refused.
 */
import { BusError } from '@bus/core';
import { MAX_KEY_ID_BYTES } from './key-provider.js';

/**
 * The version byte this package writes and reads (the first byte of a sealed payload).
 *
 * @example
 * ```ts
 * const looksSealed = bytes[0] === SEALED_FORMAT_VERSION && bytes[1] === ALGORITHM_AES_256_GCM;
 * ```
 */
export const SEALED_FORMAT_VERSION = 1;
/**
 * The algorithm byte of AES-256-GCM (the second byte of a sealed payload).
 *
 * @example
 * ```ts
 * inspectSealed(sealed).algorithm === ALGORITHM_AES_256_GCM; // true
 * ```
 */
export const ALGORITHM_AES_256_GCM = 1;
/**
 * GCM IV length: 96 bits, the size GCM is specified for (NIST SP 800-38D).
 *
 * @example
 * ```ts
 * inspectSealed(sealed).iv.byteLength === IV_BYTES; // true
 * ```
 */
export const IV_BYTES = 12;
/**
 * GCM tag length: the full 128 bits.
 *
 * @example
 * ```ts
 * const overhead = 3 + Buffer.byteLength(keyId) + IV_BYTES + TAG_BYTES; // bytes added to each payload
 * ```
 */
export const TAG_BYTES = 16;

/**
 * The parts of a sealed payload, as views into it.
 *
 * @example
 * ```ts
 * const { keyId } = inspectSealed(sealed); // which key a payload needs, e.g. before re-encrypting
 * ```
 */
export interface SealedParts {
  /** The format version (1). */
  readonly version: number;
  /** The algorithm id (1: AES-256-GCM). */
  readonly algorithm: number;
  /** The id of the key it was sealed with. */
  readonly keyId: string;
  /** Version, algorithm and key id: the bytes authenticated ahead of the caller's AAD. */
  readonly header: Uint8Array;
  /** The 12-byte IV. */
  readonly iv: Uint8Array;
  /** The 16-byte authentication tag. */
  readonly tag: Uint8Array;
  /** The ciphertext. */
  readonly ciphertext: Uint8Array;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Splits a sealed payload into its parts without decrypting it. Throws
 * `DECRYPT_FAILED` (naming `eventId`, when given) for anything that is not a
 * well-formed version 1 AES-256-GCM payload.
 *
 * @example
 * ```ts
 * const parts = inspectSealed(sealed);
 * console.log(parts.keyId, parts.iv.length); // '2024-06' 12
 * ```
 */
export function inspectSealed(sealed: Uint8Array, eventId?: string): SealedParts {
  const refuse = (why: string): never => {
    throw new BusError('DECRYPT_FAILED', `Not a sealed payload: ${why}.`, { eventId });
  };
  if (!(sealed instanceof Uint8Array)) return refuse('not a Uint8Array');
  if (sealed.byteLength < 3) return refuse('too short');
  const version = sealed[0] as number;
  const algorithm = sealed[1] as number;
  const keyIdLength = sealed[2] as number;
  if (version !== SEALED_FORMAT_VERSION) return refuse(`unknown format version ${version}`);
  if (algorithm !== ALGORITHM_AES_256_GCM) return refuse(`unknown algorithm ${algorithm}`);
  if (keyIdLength === 0) return refuse('empty key id');
  const headerEnd = 3 + keyIdLength;
  if (sealed.byteLength < headerEnd + IV_BYTES + TAG_BYTES) return refuse('too short');
  let keyId = '';
  try {
    keyId = utf8.decode(sealed.subarray(3, headerEnd));
  } catch {
    return refuse('the key id is not UTF-8');
  }
  const ivEnd = headerEnd + IV_BYTES;
  const tagEnd = ivEnd + TAG_BYTES;
  return {
    version,
    algorithm,
    keyId,
    header: sealed.subarray(0, headerEnd),
    iv: sealed.subarray(headerEnd, ivEnd),
    tag: sealed.subarray(ivEnd, tagEnd),
    ciphertext: sealed.subarray(tagEnd),
  };
}

/** The header of a payload sealed with `keyId` (already validated: 1–255 bytes). */
export function sealedHeader(keyId: string): Buffer {
  const id = Buffer.from(keyId, 'utf8');
  if (id.byteLength === 0 || id.byteLength > MAX_KEY_ID_BYTES) throw new RangeError('key id length');
  const header = Buffer.allocUnsafe(3 + id.byteLength);
  header[0] = SEALED_FORMAT_VERSION;
  header[1] = ALGORITHM_AES_256_GCM;
  header[2] = id.byteLength;
  id.copy(header, 3);
  return header;
}
