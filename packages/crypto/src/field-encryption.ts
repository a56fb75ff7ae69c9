/**
 * The `fieldEncryption()` plugin: seals chosen fields of the (object) data
 * before serialization and opens them after deserialization, leaving the rest
 * of the event readable.
 */
import { BusError, type DeliverMiddleware, definePlugin, type Plugin, type PublishMiddleware, STAGE_ORDER } from '@bus/core';
import { eventAad } from './aad.js';
import { keyContextOf } from './event-keys.js';
import type { FieldPath } from './field-paths.js';
import { parseFieldPaths, rewriteFields } from './field-paths.js';
import type { KeySource } from './key-provider.js';
import { keyProviderOf } from './key-provider.js';
import { openPayload, sealPayload } from './seal.js';

/**
 * How a sealed field value starts; base64 of the sealed format follows.
 *
 * @example
 * ```ts
 * const isSealed = typeof value === 'string' && value.startsWith(SEALED_FIELD_PREFIX);
 * ```
 */
export const SEALED_FIELD_PREFIX = 'bus-sealed:';

/**
 * Options of {@link fieldEncryption}.
 *
 * @example
 * ```ts
 * const options: FieldEncryptionOptions = { keyring, paths: ['patient.ssn', 'visits.*.diagnosis'] };
 * ```
 */
export type FieldEncryptionOptions = KeySource & {
  /** Dot-separated paths into `data`; `*` selects every element of an array or property of an object. */
  readonly paths: readonly string[];
  /**
   * Deliver events whose selected fields hold plaintext as they are. Default
   * `false`: such an event fails with `DECRYPT_FAILED`.
   */
  readonly allowPlaintext?: boolean;
};

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Encrypts chosen fields of event data (a plain object or array) with
 * AES-256-GCM. On publish, before serialization, each selected value is
 * replaced by a JSON-safe string: `bus-sealed:` and the base64 of its sealed
 * JSON. The AAD binds it to the event's id, type, source and tenant and to
 * the field's path, so it opens neither in another event nor in another
 * field. On delivery, after deserialization, the fields are opened back to
 * their original values. The caller's data is never mutated: objects on the
 * way to a sealed field are copied.
 *
 * @example
 * ```ts
 * const bus = createBus()
 *   .use(serialization())
 *   .use(fieldEncryption({ keyring, paths: ['patient.ssn', 'patient.name'] }));
 * await bus.start();
 * await bus.publish('patients.admitted', { ward: 7, patient: { ssn: '123-45-6789', name: 'Ada' } });
 * // on the wire: { "ward": 7, "patient": { "ssn": "bus-sealed:AQEC…", "name": "bus-sealed:AQEC…" } }
 * ```
 */
export function fieldEncryption(options: FieldEncryptionOptions): Plugin {
  const keyProvider = keyProviderOf(options, 'fieldEncryption()');
  const paths: readonly FieldPath[] = parseFieldPaths(options?.paths, 'fieldEncryption()');
  const allowPlaintext = options.allowPlaintext === true;

  const encryptFields: PublishMiddleware = async function encryptFields(ctx, next) {
    const envelope = ctx.envelope;
    let data: unknown = envelope.data;
    for (const path of paths) {
      data = await rewriteFields(data, path, async (value, segments) => {
        let json: string | undefined;
        try {
          json = JSON.stringify(value);
        } catch (error) {
          throw new BusError('ENCODE_FAILED', `Field ${segments.join('.')} of event ${envelope.id} is not JSON: ${String(error)}`, {
            eventId: envelope.id,
            cause: error,
          });
        }
        if (json === undefined) return value;
        const sealed = await sealPayload({
          keyProvider,
          plaintext: encoder.encode(json),
          aad: eventAad(envelope, segments),
          context: keyContextOf(envelope, segments.join('.')),
        });
        return SEALED_FIELD_PREFIX + Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength).toString('base64');
      });
    }
    if (data !== envelope.data) ctx.envelope = { ...envelope, data };
    await next();
  };

  const decryptFields: DeliverMiddleware = async function decryptFields(ctx, next) {
    const event = ctx.event;
    let data: unknown = event.data;
    for (const path of paths) {
      data = await rewriteFields(data, path, async (value, segments) => {
        const field = segments.join('.');
        if (typeof value !== 'string' || !value.startsWith(SEALED_FIELD_PREFIX)) {
          if (allowPlaintext) return value;
          throw new BusError(
            'DECRYPT_FAILED',
            `Field ${field} of event ${event.id} (${event.type}) is not encrypted; fieldEncryption() refuses plaintext (allowPlaintext: true accepts it).`,
            { eventId: event.id },
          );
        }
        const base64 = value.slice(SEALED_FIELD_PREFIX.length);
        const sealed = Buffer.from(base64, 'base64');
        // Node's base64 decoder skips what it does not understand: insist on the canonical form.
        if (sealed.toString('base64') !== base64) {
          throw new BusError('DECRYPT_FAILED', `Field ${field} of event ${event.id} is not valid base64.`, { eventId: event.id });
        }
        const plaintext = await openPayload({ keyProvider, sealed, aad: eventAad(event, segments), context: keyContextOf(event, field) });
        try {
          return JSON.parse(decoder.decode(plaintext)) as unknown;
        } catch (error) {
          throw new BusError('DECRYPT_FAILED', `Field ${field} of event ${event.id} did not hold JSON.`, {
            eventId: event.id,
            cause: error,
          });
        }
      });
    }
    if (data !== event.data) ctx.event = { ...event, data };
    await next();
  };

  return definePlugin({
    name: 'field-encryption',
    setup(kernel) {
      kernel.usePublish('encode', encryptFields, { order: STAGE_ORDER.transform });
      kernel.useDeliver('decode', decryptFields, { order: STAGE_ORDER.transform });
    },
  });
}
