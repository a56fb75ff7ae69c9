/**
 * The CloudEvents Kafka protocol binding, both content modes:
 * https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/bindings/kafka-protocol-binding.md
 *
 * Binary mode (the default): each attribute is a `ce_<name>` header with a
 * string value (integers in decimal, booleans as `true`/`false`),
 * `datacontenttype` is the `content-type` header, and the record value is the
 * event data as it is. Structured mode: the whole event is JSON (the
 * CloudEvents JSON format) in the value, with `content-type:
 * application/cloudevents+json`. In both, the record key is the
 * `partitionkey` extension (the binding's default key mapping), else the
 * `subject`, else none.
 */
import { BusError, type EventEnvelope } from '@bus/core';

/**
 * How an event is laid out in a Kafka record: `binary` (attributes as `ce_*`
 * headers, data as the value) or `structured` (the whole event as JSON).
 *
 * @example
 * ```ts
 * const mode: CloudEventsMode = 'structured';
 * kafka({ brokers, groupId: 'billing', mode });
 * ```
 */
export type CloudEventsMode = 'binary' | 'structured';

/**
 * A Kafka record carrying one CloudEvent, as the bus produces it: string key
 * and headers, bytes (or nothing) as the value.
 *
 * @example
 * ```ts
 * const record: CloudEventRecord = encodeCloudEvent(event);
 * await producer.send({ messages: [{ topic: 'orders.created', ...record }] }); // with string key/header serializers
 * ```
 */
export interface CloudEventRecord {
  /** `partitionkey`, else `subject`, else none. */
  readonly key: string | undefined;
  /** The data (binary mode) or the whole event as JSON (structured mode); `null` for an event without data in binary mode. */
  readonly value: Buffer | null;
  /** `ce_*` headers and `content-type` (binary mode), or `content-type` alone (structured mode). */
  readonly headers: Map<string, string>;
}

/**
 * A record key or header part as a Kafka client hands it over: bytes, or a
 * string with a string deserializer; absent parts are `null` or `undefined`.
 *
 * @example
 * ```ts
 * const parts: HeaderPart[] = [Buffer.from('ce_id'), 'e-1', null];
 * ```
 */
export type HeaderPart = Buffer | Uint8Array | string | null | undefined;

/**
 * A consumed Kafka record to read a CloudEvent from. Headers may be a `Map`
 * (as `@platformatic/kafka` gives them), entries, or a plain object.
 *
 * @example
 * ```ts
 * const event = decodeCloudEvent({ key: message.key, value: message.value, headers: message.headers });
 * ```
 */
export interface RecordToDecode {
  /** The record key (ignored: `partitionkey` travels as an attribute too). */
  readonly key?: HeaderPart;
  /** The record value. */
  readonly value?: Buffer | Uint8Array | string | null | undefined;
  /** The record headers. */
  readonly headers?: Iterable<readonly [HeaderPart, HeaderPart]> | Readonly<Record<string, HeaderPart>> | undefined;
}

/**
 * The `content-type` header of a structured-mode record.
 *
 * @example
 * ```ts
 * const structured = headers.get('content-type')?.startsWith('application/cloudevents+json');
 * headers.set('content-type', STRUCTURED_CONTENT_TYPE);
 * ```
 */
export const STRUCTURED_CONTENT_TYPE = 'application/cloudevents+json; charset=UTF-8';
const CONTENT_TYPE = 'content-type';
const PREFIX = 'ce_';
const ATTRIBUTE_NAME = /^[a-z0-9]+$/;
/** Extension attributes the bus types as integers: read back from their string header as numbers. */
const INTEGER_ATTRIBUTES = new Set(['priority']);
const REQUIRED = ['id', 'source', 'type'] as const;
const ENCODE_HINT =
  'The Kafka transport sends bytes: add a serialization plugin that encodes data before it is sent (e.g. `serialization()` from @bus/serialization, or any `encode`-phase middleware that sets data to a Uint8Array).';

/**
 * Lays `event` out as a Kafka record, in binary (default) or structured mode.
 * Throws `ENCODE_FAILED` when the data is not bytes (add a serialization
 * plugin) or an attribute is not a string, integer or boolean.
 *
 * @param event - the envelope, its data already encoded to bytes (or absent).
 * @param mode - `'binary'` (headers) or `'structured'` (JSON value).
 * @example
 * ```ts
 * const record = encodeCloudEvent({ id: '1', source: 'shop', type: 'orders.created', specversion: '1.0', data: bytes });
 * record.headers.get('ce_type'); // 'orders.created'
 * ```
 */
export function encodeCloudEvent(event: EventEnvelope, mode: CloudEventsMode = 'binary'): CloudEventRecord {
  const headers = new Map<string, string>();
  const { key, value } = encodeCloudEventWith(event, mode, (name, text) => void headers.set(name, text));
  return { key, value, headers };
}

/** The record key and value of `event`; each header goes to `setHeader` (the transport writes them as bytes). */
export function encodeCloudEventWith(
  event: EventEnvelope,
  mode: CloudEventsMode,
  setHeader: (name: string, value: string) => void,
): { key: string | undefined; value: Buffer | null } {
  const data = event.data;
  if (data !== undefined && data !== null && !(data instanceof Uint8Array)) {
    throw new BusError('ENCODE_FAILED', `Event ${event.id} (${event.type}) has ${describe(data)} data. ${ENCODE_HINT}`, {
      eventId: event.id,
    });
  }
  const key = recordKey(event);
  if (mode === 'structured') {
    setHeader(CONTENT_TYPE, STRUCTURED_CONTENT_TYPE);
    return { key, value: encodeStructured(event, data ?? undefined) };
  }
  encodeBinaryHeaders(event, setHeader);
  return { key, value: data === undefined || data === null ? null : toBuffer(data) };
}

function encodeBinaryHeaders(event: EventEnvelope, setHeader: (name: string, value: string) => void): void {
  for (const name in event) {
    if (name === 'data') continue;
    const value = event[name];
    if (value === undefined || value === null) continue;
    if (name === 'datacontenttype') setHeader(CONTENT_TYPE, attributeString(event, name, value));
    else setHeader(PREFIX + checkedName(event, name), attributeString(event, name, value));
  }
}

function encodeStructured(event: EventEnvelope, data: Uint8Array | undefined): Buffer {
  const json: Record<string, unknown> = {};
  for (const name in event) {
    if (name === 'data') continue;
    const value = event[name];
    if (value === undefined || value === null) continue;
    json[checkedName(event, name)] = attributeJson(event, name, value);
  }
  if (data !== undefined) {
    const parsed = isJsonContentType(event.datacontenttype) ? parseJsonBytes(data) : NOT_JSON;
    if (parsed === NOT_JSON) json.data_base64 = toBuffer(data).toString('base64');
    else json.data = parsed;
  }
  return Buffer.from(JSON.stringify(json));
}

/**
 * Reads the CloudEvent a Kafka record carries, in either content mode (told
 * apart by `content-type`, as the binding says). The data comes back as bytes
 * (a `Buffer`), for the bus's decode phase; structured-mode JSON data is
 * re-encoded as JSON bytes. Throws `DECODE_FAILED` for a record that is no
 * CloudEvent: no `ce_specversion` header and no structured content type, a
 * batch, malformed JSON, a missing `id`/`source`/`type`, or a spec version
 * other than 1.0.
 *
 * @param record - the consumed record's value and headers.
 * @example
 * ```ts
 * stream.on('data', (message) => {
 *   const event = decodeCloudEvent(message);
 *   console.log(event.type, event.id);
 * });
 * ```
 */
export function decodeCloudEvent(record: RecordToDecode): EventEnvelope<Buffer | undefined> {
  const headers = readHeaders(record.headers);
  const contentType = headers.get(CONTENT_TYPE);
  if (contentType !== undefined && /^application\/cloudevents-batch\b/i.test(contentType)) {
    throw decodeFailed('it is a CloudEvents batch (application/cloudevents-batch), which the Kafka transport does not read');
  }
  if (contentType !== undefined && /^application\/cloudevents\b/i.test(contentType)) return decodeStructured(record.value, contentType);
  return decodeBinary(headers, record.value);
}

function decodeBinary(headers: Map<string, string>, value: RecordToDecode['value']): EventEnvelope<Buffer | undefined> {
  if (!headers.has('ce_specversion')) {
    throw decodeFailed(
      `it has no ce_specversion header and no structured content type (headers: ${[...headers.keys()].join(', ') || 'none'})`,
    );
  }
  const event: Record<string, unknown> = {};
  for (const [header, text] of headers) {
    if (!header.startsWith(PREFIX)) continue;
    const name = header.slice(PREFIX.length);
    if (!ATTRIBUTE_NAME.test(name)) continue;
    event[name] = INTEGER_ATTRIBUTES.has(name) && /^-?\d+$/.test(text) ? Number(text) : text;
  }
  const contentType = headers.get(CONTENT_TYPE);
  if (contentType !== undefined) event.datacontenttype = contentType;
  event.data = value === null || value === undefined ? undefined : toBuffer(typeof value === 'string' ? Buffer.from(value) : value);
  return checked(event);
}

function decodeStructured(value: RecordToDecode['value'], contentType: string): EventEnvelope<Buffer | undefined> {
  if (!/^application\/cloudevents\+json\b/i.test(contentType)) {
    throw decodeFailed(`its structured content type '${contentType}' is not application/cloudevents+json`);
  }
  if (value === null || value === undefined) throw decodeFailed('it is in structured mode but has no value');
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof value === 'string' ? value : toBuffer(value).toString('utf8'));
  } catch (error) {
    throw decodeFailed(`its structured value is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw decodeFailed('its structured value is not a JSON object');
  const { data, data_base64: base64, ...attributes } = parsed as Record<string, unknown>;
  const event: Record<string, unknown> = {};
  for (const [name, attribute] of Object.entries(attributes)) {
    if (name === '__proto__' || !ATTRIBUTE_NAME.test(name) || attribute === null) continue;
    event[name] = attribute;
  }
  if (typeof base64 === 'string') event.data = Buffer.from(base64, 'base64');
  else if (data === undefined) event.data = undefined;
  else if (typeof data === 'string' && !isJsonContentType(event.datacontenttype)) event.data = Buffer.from(data);
  else event.data = Buffer.from(JSON.stringify(data));
  return checked(event);
}

function checked(event: Record<string, unknown>): EventEnvelope<Buffer | undefined> {
  if (event.specversion !== '1.0') {
    throw decodeFailed(`its specversion is ${JSON.stringify(event.specversion)}, not '1.0'`, event.id);
  }
  for (const name of REQUIRED) {
    if (typeof event[name] !== 'string' || (event[name] as string).length === 0) {
      throw decodeFailed(`it has no '${name}' attribute`, event.id);
    }
  }
  return event as EventEnvelope<Buffer | undefined>;
}

/** The record key: `partitionkey` (the binding's default key mapping), else `subject`, so one subject keeps its order too. */
function recordKey(event: EventEnvelope): string | undefined {
  const key = event.partitionkey ?? event.subject;
  return typeof key === 'string' && key.length > 0 ? key : undefined;
}

function checkedName(event: EventEnvelope, name: string): string {
  if (ATTRIBUTE_NAME.test(name)) return name;
  throw new BusError(
    'ENCODE_FAILED',
    `Event ${event.id} (${event.type}) has an attribute '${name}': CloudEvents attribute names are lowercase letters and digits only.`,
    { eventId: event.id },
  );
}

function attributeString(event: EventEnvelope, name: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
  throw unsupportedAttribute(event, name, value);
}

function attributeJson(event: EventEnvelope, name: string, value: unknown): unknown {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
  throw unsupportedAttribute(event, name, value);
}

function unsupportedAttribute(event: EventEnvelope, name: string, value: unknown): BusError {
  return new BusError(
    'ENCODE_FAILED',
    `Event ${event.id} (${event.type}) has attribute '${name}' of ${describe(value)}: a CloudEvents attribute is a string, an integer or a boolean.`,
    { eventId: event.id },
  );
}

function readHeaders(headers: RecordToDecode['headers']): Map<string, string> {
  const read = new Map<string, string>();
  if (headers === undefined) return read;
  const entries: Iterable<readonly [HeaderPart, HeaderPart]> =
    Symbol.iterator in headers
      ? (headers as Iterable<readonly [HeaderPart, HeaderPart]>)
      : Object.entries(headers as Record<string, HeaderPart>);
  for (const [key, value] of entries) {
    if (key === null || key === undefined || value === null || value === undefined) continue;
    // Header names are case-insensitive in the binding's examples; Kafka's are not, so read them lowercased.
    read.set(text(key).toLowerCase(), text(value));
  }
  return read;
}

function text(part: Buffer | Uint8Array | string): string {
  return typeof part === 'string' ? part : toBuffer(part).toString('utf8');
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** `application/json`, `text/json` and any `+json` suffix type; absent means JSON in the CloudEvents JSON format. */
function isJsonContentType(contentType: unknown): boolean {
  if (contentType === undefined) return true;
  if (typeof contentType !== 'string') return false;
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || type === 'text/json' || type.endsWith('+json');
}

const NOT_JSON = Symbol('not JSON');

function parseJsonBytes(data: Uint8Array): unknown {
  try {
    return JSON.parse(toBuffer(data).toString('utf8'));
  } catch {
    return NOT_JSON;
  }
}

function decodeFailed(why: string, eventId?: unknown): BusError {
  return new BusError('DECODE_FAILED', `The Kafka record is not a readable CloudEvent: ${why}.`, {
    eventId: typeof eventId === 'string' ? eventId : undefined,
  });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an object (${(value as object).constructor?.name ?? 'Object'})`;
  return `a ${typeof value}`;
}
