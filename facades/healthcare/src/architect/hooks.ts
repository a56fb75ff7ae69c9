/** What the healthcare architect's bus calls out to: crypto module, serializers, extensions. */
import type { Event } from './event.js';

/**
 * The legacy crypto module: only `encrypt` is used, on the payload, before the
 * handlers run (they see the ciphertext). It may return a promise. It also gets
 * the event, so a real cipher can bind the ciphertext to the event id (the
 * legacy call passed the payload alone, which a legacy module simply ignores).
 *
 * @example
 * ```ts
 * // Real encryption with @bus/crypto, bound to the event:
 * const sealing: CryptoModule = {
 *   encrypt: (payload, event) =>
 *     sealPayload({ keyring, plaintext: encoder.encode(JSON.stringify(payload)), aad: encoder.encode(event.id) }),
 * };
 * hospital.registerCryptoModule(sealing);
 * ```
 */
export interface CryptoModule {
  /** Returns the ciphertext of `payload`; a throw sends the event to the dead-letter queue. */
  encrypt(payload: unknown, event: Event): unknown;
}

/**
 * A serializer registered with `registerSerializer`: turns a whole event into its wire form.
 *
 * @example
 * ```ts
 * const compact: EventSerializer = { serialize: (event) => `${event.id}:${String(event.payload)}` };
 * ```
 */
export interface EventSerializer {
  /** The serialized form of `event`. */
  serialize(event: Event): unknown;
}

/**
 * An extension: runs on every queued event before its handlers, and may change
 * it in place. Its errors are ignored, as in the legacy bus, and reported on
 * `bus.events` `'error'`.
 *
 * @example
 * ```ts
 * const stampWard: Extension = (event) => {
 *   event.payload = { ...(event.payload as object), ward: 'icu' };
 * };
 * hospital.registerExtension(stampWard);
 * ```
 */
export type Extension = (event: Event) => unknown;
