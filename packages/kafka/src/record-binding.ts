/**
 * How an event is laid out in a Kafka record, and read back: a binding. The
 * default is the CloudEvents Kafka binding (see `cloudevents-binding.ts`);
 * {@link plainValueBinding} writes the event's data as the whole value with
 * no headers, for topics shared with consumers that read plain values (legacy
 * services), and reads records without headers.
 */
import { BusError, type EventEnvelope } from '@bus/core';
import { type CloudEventsMode, decodeCloudEvent, encodeCloudEventWith, type RecordToDecode } from './cloudevents-binding.js';

/**
 * A consumed record as a binding reads it: key, value and headers, where it
 * came from, and the event type its topic holds when the transport knows it
 * (the subscription's exact type, or `typeOfTopic(topic)` for a wildcard).
 *
 * @example
 * ```ts
 * const record: ConsumedRecord = { topic: 'user_created', partition: 0, offset: 4n, type: 'user.created', value: bytes };
 * ```
 */
export interface ConsumedRecord extends RecordToDecode {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  /** The record's timestamp, in ms since the epoch. */
  readonly timestamp?: bigint;
  /** The event type the record's topic holds, when known. */
  readonly type: string | undefined;
}

/**
 * Lays an event out in a record and reads it back. `encode` returns the key
 * and value and hands each header to `setHeader`; `decode` throws a `BusError`
 * (`DECODE_FAILED`) for a record it cannot read, which goes to the dead-letter topic.
 *
 * @example
 * ```ts
 * kafka({ brokers, groupId: 'users', binding: plainValueBinding() });
 * ```
 */
export interface KafkaBinding {
  /** A name for error messages. */
  readonly name: string;
  encode(event: EventEnvelope, setHeader: (name: string, value: string) => void): { key: string | undefined; value: Buffer | null };
  decode(record: ConsumedRecord): EventEnvelope<Buffer | undefined>;
}

/**
 * The CloudEvents Kafka binding in `mode` (the transport's default binding).
 *
 * @example
 * ```ts
 * kafka({ brokers, groupId: 'billing', binding: cloudEventsBinding('structured') });
 * ```
 */
export function cloudEventsBinding(mode: CloudEventsMode = 'binary'): KafkaBinding {
  return {
    name: `cloudevents-${mode}`,
    encode: (event, setHeader) => encodeCloudEventWith(event, mode, setHeader),
    decode: (record) => decodeCloudEvent(record),
  };
}

/** Event attributes a {@link plainValueBinding} may read from a record's value (its id, time, priority…). */
export type PlainAttributes = Partial<Omit<EventEnvelope, 'data' | 'specversion'>>;

/**
 * Options of {@link plainValueBinding}.
 *
 * @example
 * ```ts
 * const options: PlainValueBindingOptions = { attributes: (record) => ({ id: JSON.parse(String(record.value)).id }) };
 * ```
 */
export interface PlainValueBindingOptions {
  /**
   * Reads attributes from a consumed record (e.g. the id and priority inside a
   * JSON value). Whatever it returns overrides the defaults: `type` = the
   * topic's type, `id` = `<topic>-<partition>-<offset>`, `source` =
   * `kafka:<topic>`, `time` = the record's timestamp. A throw is a `DECODE_FAILED`.
   */
  readonly attributes?: (record: ConsumedRecord) => PlainAttributes | undefined;
  /**
   * Reads attributes from a JSON value by dotted path, e.g. `{ id: 'metadata.event_id', priority:
   * 'metadata.priority' }`, and marks the event `application/json`. Values that are not strings, numbers or
   * booleans are skipped; a value that is not JSON is a `DECODE_FAILED`. `attributes` overrides what it reads.
   */
  readonly jsonAttributes?: Readonly<Record<string, string>>;
}

/** The attributes `paths` name in a JSON record value, and `datacontenttype: application/json`. */
function jsonAttributesOf(record: ConsumedRecord, paths: Readonly<Record<string, string>>): PlainAttributes {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(record.value as Uint8Array).toString('utf8'));
  } catch (error) {
    throw new BusError('DECODE_FAILED', `The record ${record.topic}/${record.partition}@${record.offset} is not JSON.`, { cause: error });
  }
  const attributes: Record<string, unknown> = { datacontenttype: 'application/json' };
  for (const [name, path] of Object.entries(paths)) {
    let found: unknown = value;
    for (const step of path.split('.'))
      found =
        typeof found === 'object' && found !== null && Object.hasOwn(found, step) ? (found as Record<string, unknown>)[step] : undefined;
    if (typeof found === 'string' || typeof found === 'number' || typeof found === 'boolean') attributes[name] = found;
  }
  return attributes as PlainAttributes;
}

/**
 * The plain-value binding: the record value is the event data bytes, the key
 * is the `partitionkey` (else `subject`), and there are no headers. Records
 * without headers are read as events of the topic's type; records that do
 * carry a CloudEvent (binary or structured) are read as one, so a topic may
 * hold both while producers move over.
 *
 * @example
 * ```ts
 * const bus = createBus().use(json()).use(kafka({
 *   brokers, groupId: 'users', binding: plainValueBinding(),
 *   topicFor: (type) => type.replaceAll('.', '_'),
 * }));
 * ```
 */
export function plainValueBinding(options: PlainValueBindingOptions = {}): KafkaBinding {
  const paths = options?.jsonAttributes;
  if (
    typeof options !== 'object' ||
    options === null ||
    (options.attributes !== undefined && typeof options.attributes !== 'function') ||
    (paths !== undefined && (typeof paths !== 'object' || paths === null || Object.values(paths).some((path) => typeof path !== 'string')))
  ) {
    throw new BusError(
      'PLUGIN_INVALID',
      "plainValueBinding(options) takes { attributes?: (record) => attributes, jsonAttributes?: { name: 'dotted.path' } }.",
    );
  }
  const own = options.attributes;
  const attributes =
    paths === undefined ? own : (record: ConsumedRecord) => ({ ...jsonAttributesOf(record, paths), ...(own?.(record) ?? {}) });
  return {
    name: 'plain-value',
    encode(event) {
      const data = event.data;
      if (data !== undefined && data !== null && !(data instanceof Uint8Array)) {
        throw new BusError(
          'ENCODE_FAILED',
          `Event ${event.id} (${event.type}) has non-byte data: the plain-value binding sends bytes, so add a serialization plugin (e.g. serialization() from @bus/serialization).`,
          { eventId: event.id },
        );
      }
      const key = event.partitionkey ?? event.subject;
      return {
        key: typeof key === 'string' && key.length > 0 ? key : undefined,
        value: data === undefined || data === null ? null : Buffer.from(data.buffer, data.byteOffset, data.byteLength),
      };
    },
    decode(record) {
      if (carriesCloudEvent(record.headers)) return decodeCloudEvent(record);
      let read: PlainAttributes | undefined;
      try {
        read = attributes?.(record);
      } catch (error) {
        throw BusError.from(error, 'DECODE_FAILED');
      }
      const where = `${record.topic}/${record.partition}@${record.offset}`;
      const type = read?.type ?? record.type;
      if (typeof type !== 'string' || type.length === 0) {
        throw new BusError(
          'DECODE_FAILED',
          `The record ${where} has no headers and its topic has no known event type: subscribe to an exact type, or give kafka({ typeOfTopic }).`,
        );
      }
      const value = record.value;
      const event: EventEnvelope<Buffer | undefined> = {
        specversion: '1.0',
        id: `${record.topic}-${record.partition}-${record.offset}`,
        source: `kafka:${record.topic}`,
        type,
        data: value === null || value === undefined ? undefined : Buffer.from(value as Uint8Array),
      };
      if (record.timestamp !== undefined) event.time = new Date(Number(record.timestamp)).toISOString();
      for (const [name, attribute] of Object.entries(read ?? {})) {
        if (attribute !== undefined && name !== 'data' && name !== 'specversion' && name !== '__proto__') event[name] = attribute;
      }
      return event;
    },
  };
}

function carriesCloudEvent(headers: RecordToDecode['headers']): boolean {
  if (headers === undefined) return false;
  const entries = Symbol.iterator in headers ? [...(headers as Iterable<readonly [unknown, unknown]>)] : Object.entries(headers);
  for (const [name, value] of entries) {
    if (name === null || name === undefined) continue;
    const text = String(name).toLowerCase();
    if (text === 'ce_specversion') return true;
    if (text === 'content-type' && value !== null && value !== undefined && /^application\/cloudevents/i.test(String(value))) return true;
  }
  return false;
}
