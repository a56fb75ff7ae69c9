/**
 * The key ring: the built-in key provider. Exactly one primary key encrypts;
 * active (older) keys still decrypt; disabled keys do neither. `rotate()`
 * makes a new primary and demotes the old one to active, so everything sealed
 * before a rotation stays readable.
 */
import { BusError } from '@bus/core';
import type { EncryptionKey, KeyProvider } from './key-provider.js';
import { isValidKey, isValidKeyId, KEY_BYTES, MAX_KEY_ID_BYTES } from './key-provider.js';

/**
 * What a key may be used for: `primary` encrypts (and decrypts), `active`
 * only decrypts, `disabled` does neither.
 *
 * @example
 * ```ts
 * const status: KeyStatus = 'active';
 * ```
 */
export type KeyStatus = 'primary' | 'active' | 'disabled';

/**
 * One key of a ring.
 *
 * @example
 * ```ts
 * const entry: KeyringEntry = { id: '2024-06', key: randomBytes(32), status: 'primary' };
 * ```
 */
export interface KeyringEntry {
  /** Unique in the ring; 1 to 255 bytes of UTF-8, stored in clear with each payload. */
  readonly id: string;
  /** 32 random bytes (AES-256). The ring keeps its own copy. */
  readonly key: Uint8Array;
  /** What the key may be used for. */
  readonly status: KeyStatus;
}

/**
 * Options of {@link createKeyring}.
 *
 * @example
 * ```ts
 * createKeyring({ keys: [{ id: 'k2', key: k2, status: 'primary' }, { id: 'k1', key: k1, status: 'active' }] });
 * ```
 */
export interface KeyringOptions {
  /** The keys; exactly one must be `primary`. */
  readonly keys: readonly KeyringEntry[];
}

/**
 * A key's id and status, without its material.
 *
 * @example
 * ```ts
 * keyring.list(); // [{ id: 'k2', status: 'primary' }, { id: 'k1', status: 'active' }]
 * ```
 */
export interface KeyInfo {
  /** The key id. */
  readonly id: string;
  /** What it may be used for. */
  readonly status: KeyStatus;
}

/**
 * A key ring: a {@link KeyProvider} you can rotate.
 *
 * @example
 * ```ts
 * const keyring = createKeyring({ keys: [{ id: 'k1', key: randomBytes(32), status: 'primary' }] });
 * keyring.rotate({ id: 'k2', key: randomBytes(32) }); // k2 encrypts now; k1 still decrypts
 * keyring.disable('k1'); // k1 no longer decrypts either
 * ```
 */
export interface Keyring extends KeyProvider {
  /** The id of the key that encrypts. */
  readonly primaryId: string;
  /** Every key's id and status, primary first, then in the order they were added. */
  list(): readonly KeyInfo[];
  /** Adds `key` as the new primary; the old primary becomes active. Throws `PLUGIN_INVALID` for a bad or duplicate key. */
  rotate(key: { readonly id: string; readonly key: Uint8Array }): void;
  /** Disables a key: it no longer decrypts. The primary cannot be disabled (rotate first). */
  disable(id: string): void;
}

interface StoredKey {
  readonly id: string;
  readonly key: Uint8Array;
  status: KeyStatus;
}

/**
 * Creates a key ring. Keys are validated (32 bytes; ids of 1–255 UTF-8 bytes,
 * unique; exactly one primary): a bad ring is refused with `PLUGIN_INVALID`,
 * whose `details.reason` says what is wrong.
 *
 * @example
 * ```ts
 * import { randomBytes } from 'node:crypto';
 * const keyring = createKeyring({ keys: [{ id: '2024-06', key: randomBytes(32), status: 'primary' }] });
 * const bus = createBus().use(serialization()).use(crypto({ keyring }));
 * ```
 */
export function createKeyring(options: KeyringOptions): Keyring {
  const entries = options?.keys;
  if (!Array.isArray(entries) || entries.length === 0) invalid('no-keys', 'createKeyring({ keys }) needs at least one key.');
  const keys = new Map<string, StoredKey>();
  for (const entry of entries) add(keys, entry.id, entry.key, entry.status);
  const primaries = [...keys.values()].filter((key) => key.status === 'primary');
  if (primaries.length !== 1) {
    invalid('primary-count', `A key ring needs exactly one primary key; this one has ${primaries.length}.`);
  }
  let primary = primaries[0] as StoredKey;
  let current: EncryptionKey = { id: primary.id, key: primary.key };

  return {
    get primaryId() {
      return primary.id;
    },
    list() {
      return [primary, ...[...keys.values()].filter((key) => key !== primary)].map(({ id, status }) => ({ id, status }));
    },
    rotate(next) {
      const added = add(keys, next?.id, next?.key, 'primary');
      primary.status = 'active';
      primary = added;
      current = { id: added.id, key: added.key };
    },
    disable(id) {
      const key = keys.get(id);
      if (key === undefined) invalid('unknown-id', `The key ring has no key '${id}'.`);
      if (key === primary) invalid('primary-disabled', `Key '${id}' is the primary: rotate to a new key before disabling it.`);
      key.status = 'disabled';
    },
    encryptionKey() {
      return Promise.resolve(current);
    },
    decryptionKey(id) {
      const key = keys.get(id);
      return Promise.resolve(key === undefined || key.status === 'disabled' ? undefined : key.key);
    },
  };
}

function add(keys: Map<string, StoredKey>, id: unknown, key: unknown, status: unknown): StoredKey {
  if (!isValidKeyId(id))
    invalid('key-id', `Key ids are non-empty strings of at most ${MAX_KEY_ID_BYTES} UTF-8 bytes; got ${describe(id)}.`);
  if (keys.has(id)) invalid('duplicate-id', `The key ring already has a key '${id}'.`);
  if (!isValidKey(key)) {
    const length = key instanceof Uint8Array ? `${key.byteLength} bytes` : describe(key);
    invalid('key-length', `Key '${id}' must be a Uint8Array of ${KEY_BYTES} bytes (AES-256); got ${length}.`);
  }
  if (status !== 'primary' && status !== 'active' && status !== 'disabled') {
    invalid('status', `Key '${id}' has status ${describe(status)}; use 'primary', 'active' or 'disabled'.`);
  }
  const stored: StoredKey = { id, key: Uint8Array.from(key), status };
  keys.set(id, stored);
  return stored;
}

function invalid(reason: string, message: string): never {
  throw new BusError('PLUGIN_INVALID', message, { details: { reason } });
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : value === null ? 'null' : typeof value;
}
