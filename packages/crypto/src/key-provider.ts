/**
 * The key provider contract (the shape of a KMS): where sealing gets the key
 * to encrypt with, and opening the key a payload names. The key ring is the
 * built-in provider; `createSubjectKeyProvider()` is another.
 */
import { BusError } from '@bus/core';

/**
 * AES-256 keys are 32 bytes.
 *
 * @example
 * ```ts
 * const key = randomBytes(KEY_BYTES);
 * ```
 */
export const KEY_BYTES = 32;
/**
 * Key ids are stored length-prefixed in one byte: at most 255 bytes of UTF-8.
 *
 * @example
 * ```ts
 * if (Buffer.byteLength(kmsKeyArn) > MAX_KEY_ID_BYTES) throw new Error('use a shorter key alias');
 * ```
 */
export const MAX_KEY_ID_BYTES = 255;

/**
 * What a key provider is told about the payload a key is for. Every field is
 * optional: `sealPayload` passes what its caller gave; the plugins pass the
 * event's attributes (and `path` for field encryption).
 *
 * @example
 * ```ts
 * const context: KeyContext = { eventId: event.id, type: event.type, subject: event.subject };
 * ```
 */
export interface KeyContext {
  /** The event id. */
  readonly eventId?: string | undefined;
  /** The event type. */
  readonly type?: string | undefined;
  /** The event source. */
  readonly source?: string | undefined;
  /** The event subject (e.g. a patient id): what a per-subject provider keys on. */
  readonly subject?: string | undefined;
  /** The event's tenant (`tenantid`). */
  readonly tenantid?: string | undefined;
  /** For field-level encryption: the path of the field (`patient.ssn`). */
  readonly path?: string | undefined;
}

/**
 * A key to encrypt with, and the id that is stored with the payload.
 *
 * @example
 * ```ts
 * const { id, key } = await keyring.encryptionKey({});
 * ```
 */
export interface EncryptionKey {
  /** 1 to 255 bytes of UTF-8; stored in clear in the sealed payload. */
  readonly id: string;
  /** 32 bytes. */
  readonly key: Uint8Array;
}

/**
 * Supplies keys: the current one to encrypt with, and any still-valid one by
 * id to decrypt with. Both may be asynchronous (a KMS call). A provider
 * returns `undefined` for a key it does not know or no longer allows.
 *
 * @example
 * ```ts
 * const kms: KeyProvider = {
 *   async encryptionKey() {
 *     return { id: 'kms-2024', key: await unwrap('kms-2024') };
 *   },
 *   async decryptionKey(id) {
 *     return id.startsWith('kms-') ? unwrap(id) : undefined;
 *   },
 * };
 * const bus = createBus().use(serialization()).use(crypto({ keyProvider: kms }));
 * ```
 */
export interface KeyProvider {
  /** The key to seal a new payload with. */
  encryptionKey(context: KeyContext): Promise<EncryptionKey>;
  /** The key with `id`, or `undefined` when it is unknown, disabled or destroyed. */
  decryptionKey(id: string, context: KeyContext): Promise<Uint8Array | undefined>;
}

/**
 * Where keys come from: a key ring, or any other {@link KeyProvider}. The two
 * names are interchangeable; give exactly one.
 *
 * @example
 * ```ts
 * crypto({ keyring });
 * crypto({ keyProvider: createSubjectKeyProvider() });
 * ```
 */
export type KeySource =
  | { readonly keyring: KeyProvider; readonly keyProvider?: never }
  | { readonly keyProvider: KeyProvider; readonly keyring?: never };

/** The provider of a {@link KeySource}; throws `PLUGIN_INVALID` naming `caller` when there is none. */
export function keyProviderOf(source: KeySource, caller: string): KeyProvider {
  const provider: unknown = source?.keyring ?? source?.keyProvider;
  if (
    typeof provider !== 'object' ||
    provider === null ||
    typeof (provider as KeyProvider).encryptionKey !== 'function' ||
    typeof (provider as KeyProvider).decryptionKey !== 'function'
  ) {
    throw new BusError('PLUGIN_INVALID', `${caller} needs { keyring } (createKeyring()) or { keyProvider } (a KeyProvider).`);
  }
  return provider as KeyProvider;
}

/** Whether `id` is a valid key id: a non-empty string of at most 255 UTF-8 bytes. */
export function isValidKeyId(id: unknown): id is string {
  return typeof id === 'string' && id.length > 0 && Buffer.byteLength(id, 'utf8') <= MAX_KEY_ID_BYTES;
}

/** Whether `key` is a valid AES-256 key: a 32-byte Uint8Array. */
export function isValidKey(key: unknown): key is Uint8Array {
  return key instanceof Uint8Array && key.byteLength === KEY_BYTES;
}
