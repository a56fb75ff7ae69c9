/**
 * The `serialization()` plugin: encodes `data` to bytes on publish (encode
 * phase, serialize stage) with the codec for its `datacontenttype`, and
 * decodes it again on delivery (decode phase, serialize stage).
 */
import { BusError, definePlugin, type EventEnvelope, type Plugin, STAGE_ORDER } from '@bus/core';
import type { Codec } from './codec.js';
import { forEvent } from './codec-errors.js';
import type { CodecRegistry } from './codec-registry.js';
import { createCodecRegistry } from './codec-registry.js';
import { JSON_CONTENT_TYPE, jsonCodec } from './json-codec.js';
import type { CodecLimits } from './limits.js';
import { msgpackCodec } from './msgpack-codec.js';
import { OCTET_STREAM_CONTENT_TYPE, octetStreamCodec } from './octet-stream-codec.js';

/**
 * Options of {@link serialization}. The limits apply to the built-in codecs.
 *
 * @example
 * ```ts
 * serialization({ defaultContentType: 'application/msgpack', maxBytes: 256 * 1024, codecs: [csvCodec] });
 * ```
 */
export interface SerializationOptions extends CodecLimits {
  /** The content type of events published without a `datacontenttype`. Default `application/json`. */
  readonly defaultContentType?: string;
  /** More codecs, registered after the built-ins (JSON, MessagePack, octet-stream); same content type replaces. */
  readonly codecs?: readonly Codec[];
}

/**
 * What {@link serialization} adds to the bus.
 *
 * @example
 * ```ts
 * const bus = createBus().use(serialization());
 * bus.codecs.register(csvCodec);
 * ```
 */
export interface SerializationExtension {
  /** The bus's codecs; register more at any time. */
  readonly codecs: CodecRegistry;
}

/**
 * Serializes event data with codecs keyed by content type. On publish, `data`
 * becomes a `Uint8Array` encoded with the codec of the event's
 * `datacontenttype` (or `defaultContentType`, which is then set on the
 * event); data that already is bytes passes as it is (as
 * `application/octet-stream` unless a content type says otherwise), and
 * `undefined` data stays absent. On delivery, byte data is decoded with the
 * codec of its `datacontenttype`, once per subscription, so each subscriber
 * gets its own copy. The caller's envelope and data are never mutated.
 *
 * Failures are `BusError`s with the event id: `ENCODE_FAILED` (no codec,
 * cycles, BigInt in JSON) rejects the publish; `DECODE_FAILED` (no codec,
 * malformed or unsafe input, a payload still marked `encryption` because no
 * decryptor opened it) and `PAYLOAD_TOO_LARGE` fail that delivery, and the
 * bus carries on.
 *
 * @example
 * ```ts
 * const bus = createBus().use(serialization({ maxBytes: 64 * 1024 }));
 * bus.subscribe<{ id: string }>('orders.created', (event) => console.log(event.data.id));
 * await bus.start();
 * await bus.publish('orders.created', { id: 'o-1' }); // sent as application/json bytes
 * await bus.publish('orders.created', { id: 'o-2' }, { datacontenttype: 'application/msgpack' });
 * ```
 */
export function serialization(options: SerializationOptions = {}): Plugin<SerializationExtension> {
  const limits: CodecLimits = options;
  const codecs = createCodecRegistry([jsonCodec(limits), msgpackCodec(limits), octetStreamCodec(limits), ...(options.codecs ?? [])]);
  const defaultContentType = options.defaultContentType ?? JSON_CONTENT_TYPE;
  if (!codecs.has(defaultContentType)) {
    throw new BusError(
      'PLUGIN_INVALID',
      `serialization({ defaultContentType: '${defaultContentType}' }) names no codec; known: ${codecs.contentTypes.join(', ')}.`,
    );
  }
  return definePlugin({
    name: 'serialization',
    setup(kernel) {
      kernel.usePublish(
        'encode',
        function serialize(ctx, next) {
          const envelope = ctx.envelope;
          const data = envelope.data;
          if (data === undefined) return next();
          if (data instanceof Uint8Array) {
            if (envelope.datacontenttype === undefined) ctx.envelope = { ...envelope, datacontenttype: OCTET_STREAM_CONTENT_TYPE };
            return next();
          }
          const contentType = envelope.datacontenttype ?? defaultContentType;
          const codec = codecs.get(contentType);
          if (codec === undefined) throw noCodec('ENCODE_FAILED', envelope, contentType);
          let bytes: Uint8Array;
          try {
            bytes = codec.encode(data);
          } catch (error) {
            throw forEvent(error, 'ENCODE_FAILED', envelope.id, `Event ${describe(envelope)} could not be encoded as ${contentType}`);
          }
          ctx.envelope = { ...envelope, data: bytes, datacontenttype: contentType };
          return next();
        },
        { order: STAGE_ORDER.serialize },
      );
      kernel.useDeliver(
        'decode',
        function deserialize(ctx, next) {
          const event = ctx.event;
          const data = event.data;
          if (!(data instanceof Uint8Array)) return next();
          // Decryption runs before deserialization: a marker still here means nothing opened the payload.
          if (event.encryption !== undefined) {
            const message = `Event ${describe(event)} is encrypted and nothing decrypted it: add the decrypting plugin (crypto() from @bus/crypto).`;
            throw new BusError('DECODE_FAILED', message, { eventId: event.id });
          }
          const contentType = event.datacontenttype ?? defaultContentType;
          const codec = codecs.get(contentType);
          if (codec === undefined) throw noCodec('DECODE_FAILED', event, contentType);
          let value: unknown;
          try {
            value = codec.decode(data);
          } catch (error) {
            throw forEvent(error, 'DECODE_FAILED', event.id, `Event ${describe(event)} could not be decoded as ${contentType}`);
          }
          ctx.event = { ...event, data: value };
          return next();
        },
        { order: STAGE_ORDER.serialize },
      );
      return { codecs };
    },
  });
}

function describe(event: EventEnvelope): string {
  return `${event.id} (${event.type})`;
}

function noCodec(code: 'ENCODE_FAILED' | 'DECODE_FAILED', event: EventEnvelope, contentType: string): BusError {
  const fix = 'Register one with serialization({ codecs: [codec] }) or bus.codecs.register(codec).';
  return new BusError(code, `No codec for datacontenttype '${contentType}' of event ${describe(event)}. ${fix}`, { eventId: event.id });
}
