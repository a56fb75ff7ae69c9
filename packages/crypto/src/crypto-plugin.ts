/**
 * The `crypto()` plugin: seals the serialized payload on publish (encode
 * phase, encrypt stage, after serialization) and opens it on delivery (decode
 * phase, encrypt stage, before deserialization).
 */
import {
  BusError,
  type DeliverMiddleware,
  definePlugin,
  type EventEnvelope,
  type Plugin,
  type PublishMiddleware,
  STAGE_ORDER,
} from '@bus/core';
import { eventAad } from './aad.js';
import { keyContextOf } from './event-keys.js';
import type { KeySource } from './key-provider.js';
import { keyProviderOf } from './key-provider.js';
import { openPayload, sealPayload } from './seal.js';

/**
 * The extension attribute that marks a sealed payload, and its value. The
 * event keeps the `datacontenttype` of the plaintext.
 *
 * @example
 * ```ts
 * if (event[ENCRYPTION_ATTRIBUTE] === ENCRYPTION_AES_256_GCM) archive.storeSealed(event);
 * ```
 */
export const ENCRYPTION_ATTRIBUTE = 'encryption';
/**
 * The value of {@link ENCRYPTION_ATTRIBUTE} for payloads sealed by this package.
 *
 * @example
 * ```ts
 * const sealed = event.encryption === ENCRYPTION_AES_256_GCM;
 * ```
 */
export const ENCRYPTION_AES_256_GCM = 'aes-256-gcm';

/**
 * Options of {@link crypto}: a key source, and whether plaintext is let through.
 *
 * @example
 * ```ts
 * const options: CryptoOptions = { keyring, allowPlaintext: false };
 * ```
 */
export type CryptoOptions = KeySource & {
  /**
   * Deliver events whose payload is not sealed (no `encryption` attribute)
   * as they are. Default `false`: they fail with `DECRYPT_FAILED`, so nobody
   * can slip an unencrypted event past a subscriber that expects encryption.
   */
  readonly allowPlaintext?: boolean;
};

/**
 * Encrypts event payloads with AES-256-GCM. On publish, `data` (which must be
 * bytes by then: use a serializer such as `@bus/serialization`) is sealed
 * with the provider's current key, bound to the event's id, type, source and
 * tenant; the event gets `encryption: 'aes-256-gcm'` and keeps its
 * `datacontenttype`. On delivery the payload is authenticated and opened
 * before deserialization; any tampering, a payload moved to another event,
 * or an unknown, disabled or destroyed key fails that delivery with
 * `DECRYPT_FAILED`. Events without data pass as they are.
 *
 * @example
 * ```ts
 * const keyring = createKeyring({ keys: [{ id: 'k1', key: randomBytes(32), status: 'primary' }] });
 * const bus = createBus().use(serialization()).use(crypto({ keyring }));
 * bus.subscribe('patients.admitted', (event) => console.log(event.data)); // plaintext
 * await bus.start();
 * await bus.publish('patients.admitted', { name: 'Ada' }); // ciphertext on the wire
 * ```
 */
export function crypto(options: CryptoOptions): Plugin {
  const keyProvider = keyProviderOf(options, 'crypto()');
  const allowPlaintext = options.allowPlaintext === true;

  const encrypt: PublishMiddleware = function encrypt(ctx, next) {
    const envelope = ctx.envelope;
    const data = envelope.data;
    if (data === undefined) return next();
    if (!(data instanceof Uint8Array)) {
      throw new BusError(
        'ENCODE_FAILED',
        `crypto() seals bytes, but the data of event ${envelope.id} (${envelope.type}) is ${data === null ? 'null' : typeof data}. ` +
          'Serialize it first: add a serializer at STAGE_ORDER.serialize, e.g. .use(serialization()) from @bus/serialization.',
        { eventId: envelope.id },
      );
    }
    return sealPayload({ keyProvider, plaintext: data, aad: eventAad(envelope), context: keyContextOf(envelope) }).then((sealed) => {
      ctx.envelope = { ...envelope, data: sealed, [ENCRYPTION_ATTRIBUTE]: ENCRYPTION_AES_256_GCM };
      return next();
    });
  };

  const decrypt: DeliverMiddleware = function decrypt(ctx, next) {
    const event = ctx.event;
    const marker = event[ENCRYPTION_ATTRIBUTE];
    if (marker === undefined) {
      if (event.data === undefined || allowPlaintext) return next();
      throw new BusError(
        'DECRYPT_FAILED',
        `Event ${event.id} (${event.type}) is not encrypted; crypto() refuses plaintext payloads (allowPlaintext: true accepts them).`,
        { eventId: event.id },
      );
    }
    if (marker !== ENCRYPTION_AES_256_GCM || !(event.data instanceof Uint8Array)) {
      throw new BusError('DECRYPT_FAILED', `Event ${event.id} (${event.type}) is marked '${String(marker)}', which crypto() cannot open.`, {
        eventId: event.id,
      });
    }
    return openPayload({ keyProvider, sealed: event.data, aad: eventAad(event), context: keyContextOf(event) }).then((plaintext) => {
      ctx.event = withoutMarker(event, plaintext);
      return next();
    });
  };

  return definePlugin({
    name: 'crypto',
    setup(kernel) {
      kernel.usePublish('encode', encrypt, { order: STAGE_ORDER.encrypt });
      kernel.useDeliver('decode', decrypt, { order: STAGE_ORDER.encrypt });
    },
  });
}

/** The event with its plaintext and without the `encryption` marker. */
function withoutMarker(event: EventEnvelope, plaintext: Uint8Array): EventEnvelope {
  const opened: EventEnvelope = { ...event, data: plaintext };
  delete opened[ENCRYPTION_ATTRIBUTE];
  return opened;
}
