/**
 * `encryptPayload`/`decryptPayload` were identity functions in the legacy
 * bus: nothing is encrypted. The facade keeps them for compatibility and says
 * so once per process, pointing at @bus/crypto.
 */

/**
 * The `process.emitWarning` code of the one-time warning that
 * `encryptPayload`/`decryptPayload` encrypt nothing.
 *
 * @example
 * ```ts
 * process.on('warning', (warning) => {
 *   if ((warning as { code?: string }).code === IDENTITY_CRYPTO_WARNING) audit.log('identity crypto in use');
 * });
 * ```
 */
export const IDENTITY_CRYPTO_WARNING = 'BUS_LEGACY_IDENTITY_CRYPTO';

let warned = false;

/** Warns, the first time only, that the legacy payload "encryption" encrypts nothing. */
export function warnIdentityCrypto(): void {
  if (warned) return;
  warned = true;
  process.emitWarning(
    'EventBus.encryptPayload()/decryptPayload() do not encrypt (the legacy identity functions). Use @bus/crypto: crypto({ keyring }) or fieldEncryption({ keyring, paths }) on the bus, or sealPayload()/openPayload().',
    { code: IDENTITY_CRYPTO_WARNING, type: 'DeprecationWarning' },
  );
}
