/** The legacy `IdentityCrypto`: a crypto module that changes nothing. */

/**
 * A crypto module whose `encrypt` and `decrypt` return their input: what the
 * legacy bus offered as a placeholder. It protects nothing; for real
 * encryption use `@bus/crypto` on the facade's `bus` (see the README).
 *
 * @example
 * ```ts
 * const bus = new ObservabilityEventBus();
 * bus.registerCrypto(new IdentityCrypto());
 * bus.publish('alerts.db', { level: 'page' }, { encrypt: true });
 * ```
 */
export class IdentityCrypto {
  /** Returns `data` unchanged. */
  encrypt<T>(data: T): T {
    return data;
  }

  /** Returns `data` unchanged. */
  decrypt<T>(data: T): T {
    return data;
  }
}
