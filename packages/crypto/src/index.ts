/**
 * `@bus/crypto`: AES-256-GCM for the bus. Whole-payload encryption
 * (`crypto()`) and field-level encryption (`fieldEncryption()`), keys from a
 * rotating key ring or any async key provider (a KMS), AAD binding each
 * payload to its event, and crypto-shredding with per-subject keys.
 *
 * @packageDocumentation
 */

export type { AadAttributes } from './aad.js';
export { eventAad } from './aad.js';
export type { CryptoOptions } from './crypto-plugin.js';
export { crypto, ENCRYPTION_AES_256_GCM, ENCRYPTION_ATTRIBUTE } from './crypto-plugin.js';
export type { FieldEncryptionOptions } from './field-encryption.js';
export { fieldEncryption, SEALED_FIELD_PREFIX } from './field-encryption.js';
export type { EncryptionKey, KeyContext, KeyProvider, KeySource } from './key-provider.js';
export { KEY_BYTES, MAX_KEY_ID_BYTES } from './key-provider.js';
export type { KeyInfo, Keyring, KeyringEntry, KeyringOptions, KeyStatus } from './keyring.js';
export { createKeyring } from './keyring.js';
export { LEGACY_XOR_WARNING_CODE, legacyXor } from './legacy-xor.js';
export type { OpenOptions, SealOptions } from './seal.js';
export { openPayload, sealPayload } from './seal.js';
export type { SealedParts } from './sealed-format.js';
export { ALGORITHM_AES_256_GCM, IV_BYTES, inspectSealed, SEALED_FORMAT_VERSION, TAG_BYTES } from './sealed-format.js';
export type { SubjectKeyProvider, SubjectKeyProviderOptions } from './subject-key-provider.js';
export { createSubjectKeyProvider } from './subject-key-provider.js';
