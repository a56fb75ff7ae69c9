/**
 * `sealPayload` and `openPayload`: AES-256-GCM with a random 96-bit IV per
 * payload, keys from a key provider, and the sealed format of `sealed-format.ts`.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { BusError } from '@bus/core';
import type { KeyContext, KeySource } from './key-provider.js';
import { isValidKey, isValidKeyId, keyProviderOf } from './key-provider.js';
import { nextIv } from './random-iv.js';
import { IV_BYTES, inspectSealed, sealedHeader, TAG_BYTES } from './sealed-format.js';

const CIPHER = 'aes-256-gcm';
const NO_CONTEXT: KeyContext = Object.freeze({});

/**
 * What {@link sealPayload} takes: a key source, the plaintext, and the AAD
 * to bind it to (see {@link eventAad}).
 *
 * @example
 * ```ts
 * const options: SealOptions = { keyring, plaintext, aad: eventAad(event), context: { eventId: event.id } };
 * ```
 */
export type SealOptions = KeySource & {
  /** The bytes to seal. */
  readonly plaintext: Uint8Array;
  /** Additional authenticated data: not stored, but needed, byte for byte, to open. */
  readonly aad: Uint8Array;
  /** Passed to the key provider; `eventId` also names the event in errors. */
  readonly context?: KeyContext;
};

/**
 * What {@link openPayload} takes: a key source, the sealed bytes, and the
 * same AAD they were sealed with.
 *
 * @example
 * ```ts
 * const options: OpenOptions = { keyring, sealed, aad: eventAad(event) };
 * ```
 */
export type OpenOptions = KeySource & {
  /** The sealed payload. */
  readonly sealed: Uint8Array;
  /** The AAD the payload was sealed with. */
  readonly aad: Uint8Array;
  /** Passed to the key provider; `eventId` also names the event in errors. */
  readonly context?: KeyContext;
};

/**
 * Encrypts and authenticates `plaintext` with the provider's current key.
 * Resolves to the sealed format: version, algorithm, key id, IV, tag,
 * ciphertext. Fails with `ENCODE_FAILED` (with the event id when the context
 * has one) when the provider gives no valid key.
 *
 * @example
 * ```ts
 * const aad = eventAad({ id: 'e-1', type: 'patients.admitted', source: 'ward-7' });
 * const sealed = await sealPayload({ keyring, plaintext: new TextEncoder().encode('secret'), aad });
 * ```
 */
export async function sealPayload(options: SealOptions): Promise<Uint8Array> {
  const provider = keyProviderOf(options, 'sealPayload()');
  const context = options.context ?? NO_CONTEXT;
  const { plaintext, aad } = options;
  if (!(plaintext instanceof Uint8Array) || !(aad instanceof Uint8Array)) {
    throw new BusError('ENCODE_FAILED', 'sealPayload() takes plaintext and aad as Uint8Arrays.', { eventId: context.eventId });
  }
  let encryption: Awaited<ReturnType<typeof provider.encryptionKey>>;
  try {
    encryption = await provider.encryptionKey(context);
  } catch (error) {
    throw BusError.from(error, 'ENCODE_FAILED', { eventId: context.eventId, retryable: true });
  }
  if (!isValidKeyId(encryption?.id) || !isValidKey(encryption.key)) {
    throw new BusError('ENCODE_FAILED', 'The key provider returned no valid key (an id of 1–255 UTF-8 bytes and a 32-byte key).', {
      eventId: context.eventId,
    });
  }
  const header = sealedHeader(encryption.id);
  const iv = nextIv();
  const cipher = createCipheriv(CIPHER, encryption.key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(header);
  cipher.setAAD(aad);
  const out = Buffer.allocUnsafe(header.byteLength + IV_BYTES + TAG_BYTES + plaintext.byteLength);
  header.copy(out, 0);
  iv.copy(out, header.byteLength);
  const tagAt = header.byteLength + IV_BYTES;
  const body = cipher.update(plaintext);
  body.copy(out, tagAt + TAG_BYTES);
  const rest = cipher.final();
  rest.copy(out, tagAt + TAG_BYTES + body.byteLength);
  cipher.getAuthTag().copy(out, tagAt);
  return out;
}

/**
 * Authenticates and decrypts a payload made by {@link sealPayload}. Any
 * change to any byte, a wrong AAD (a payload moved to another event), or a
 * key id the provider does not give (unknown, disabled, destroyed) fails with
 * `DECRYPT_FAILED`, with the event id when the context has one. A provider
 * that throws (a KMS outage) gives a retryable `DECRYPT_FAILED`.
 *
 * @example
 * ```ts
 * const plaintext = await openPayload({ keyring, sealed, aad });
 * new TextDecoder().decode(plaintext); // 'secret'
 * ```
 */
export async function openPayload(options: OpenOptions): Promise<Uint8Array> {
  const provider = keyProviderOf(options, 'openPayload()');
  const context = options.context ?? NO_CONTEXT;
  const eventId = context.eventId;
  const { aad } = options;
  if (!(aad instanceof Uint8Array)) throw new BusError('DECRYPT_FAILED', 'openPayload() takes aad as a Uint8Array.', { eventId });
  const parts = inspectSealed(options.sealed, eventId);
  let key: Uint8Array | undefined;
  try {
    key = await provider.decryptionKey(parts.keyId, context);
  } catch (error) {
    throw BusError.from(error, 'DECRYPT_FAILED', { eventId, retryable: true });
  }
  if (!isValidKey(key)) {
    throw new BusError('DECRYPT_FAILED', `Key '${parts.keyId}' is unknown, disabled or destroyed.`, {
      eventId,
      details: { keyId: parts.keyId },
    });
  }
  try {
    const decipher = createDecipheriv(CIPHER, key, parts.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(parts.header);
    decipher.setAAD(aad);
    decipher.setAuthTag(parts.tag);
    const body = decipher.update(parts.ciphertext);
    const rest = decipher.final();
    return rest.byteLength === 0 ? body : Buffer.concat([body, rest]);
  } catch (error) {
    throw new BusError(
      'DECRYPT_FAILED',
      'The payload failed authentication: it was altered, or the AAD or key is not the one it was sealed with.',
      {
        eventId,
        cause: error,
        details: { keyId: parts.keyId },
      },
    );
  }
}
