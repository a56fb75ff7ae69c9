/** The legacy `CryptoModule`: the encrypt/decrypt slot of the publish round trip. */

/**
 * The legacy crypto slot: `publish` runs serialize → `encrypt` → `decrypt` →
 * deserialize in process, so a subclass sees every payload. This base class is
 * the identity. It protects nothing on its own; for real encryption on the
 * transport use `@bus/crypto` on the facade's `bus` (see the README).
 *
 * @example
 * ```ts
 * class ReverseCrypto extends CryptoModule {
 *   override encrypt(data: Uint8Array): Uint8Array {
 *     return data.slice().reverse();
 *   }
 *   override decrypt(data: Uint8Array): Uint8Array {
 *     return data.slice().reverse();
 *   }
 * }
 * const bus = new EventBus({ crypto: new ReverseCrypto() });
 * ```
 */
export class CryptoModule {
  /** Returns `data` encrypted; the base class returns it unchanged. */
  encrypt(data: unknown): unknown {
    return data;
  }

  /** Returns `data` decrypted; the base class returns it unchanged. */
  decrypt(data: unknown): unknown {
    return data;
  }
}
