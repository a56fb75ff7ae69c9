/**
 * The CloudEvents 1.0 envelope every event travels in, and the functions that
 * build and check one. See https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md
 */

import { setImmediate } from 'node:timers';
import { BusError } from './errors.js';
import { eventIdAt } from './event-id.js';

/** A CloudEvents extension attribute value (the spec's String, Integer and Boolean). */
export type ExtensionValue = string | number | boolean;

/**
 * A CloudEvents 1.0 event with the extension attributes the bus knows.
 * Attribute names are lowercase, as the spec requires. Handlers should treat
 * it as read-only: in-process transports hand the same object to every
 * subscriber.
 *
 * @typeParam T - the type of `data`.
 * @example
 * ```ts
 * bus.subscribe('orders.created', (event: EventEnvelope<{ id: string }>) => {
 *   console.log(event.id, event.type, event.data.id, event.correlationid);
 * });
 * ```
 */
export interface EventEnvelope<T = unknown> {
  /** Unique per `source`. */
  id: string;
  /** The context in which the event happened (a URI-reference, e.g. `orders-service`). */
  source: string;
  /** The event type, dot-separated words; it is also the routing key. */
  type: string;
  /** Always `'1.0'`. */
  specversion: '1.0';
  /** When the event happened, RFC 3339. */
  time?: string;
  /** The subject of the event in the context of the source (e.g. an order id). */
  subject?: string;
  /** The media type of `data` once encoded (e.g. `application/json`). */
  datacontenttype?: string;
  /** A URI of the schema `data` adheres to. */
  dataschema?: string;
  /** The payload: a value in process, bytes once an encoder has run. */
  data: T;
  /** Extension: the id shared by every event of one business flow. */
  correlationid?: string;
  /** Extension: the id of the event that caused this one. */
  causationid?: string;
  /** Extension: W3C trace context `traceparent`. */
  traceparent?: string;
  /** Extension: W3C trace context `tracestate`. */
  tracestate?: string;
  /** Extension: events with the same key keep their order (Kafka record key). */
  partitionkey?: string;
  /** Extension: a position in a sequence, as a string. */
  sequence?: string;
  /** Extension: the tenant the event belongs to. */
  tenantid?: string;
  /** Extension: a priority, higher first where a plugin honours it. */
  priority?: number;
  /** Extension: the version of the `data` schema, used by upcasters. */
  schemaversion?: string;
  /** Any other extension attribute (lowercase `[a-z0-9]` names). */
  [extension: string]: unknown;
}

/**
 * What `publish(event)` accepts: an envelope of which only `type` is required;
 * the kernel fills `id`, `source`, `specversion` and `time`.
 *
 * @example
 * ```ts
 * await bus.publish({ type: 'orders.created', data: order, subject: order.id, partitionkey: order.id });
 * ```
 */
export type EnvelopeInput<T = unknown> = Partial<EventEnvelope<T>> & { type: string };

/**
 * Options of `publish(type, data, options)`. Plugins add their own fields by
 * augmenting this interface (`declare module '@bus/core'`), e.g. `tx` for the
 * outbox or `principal` for ACLs.
 *
 * @example
 * ```ts
 * await bus.publish('orders.created', order, { key: order.id, subject: order.id });
 * ```
 */
export interface PublishOptions {
  /** The event id; a random UUID when absent. */
  id?: string;
  /** Overrides the bus's `source`. */
  source?: string;
  /** The CloudEvents `subject`. */
  subject?: string;
  /** The partition key (`partitionkey`): events with one key keep their order. */
  key?: string;
  /** When the event happened; now when absent. */
  time?: string | Date;
  /** The media type `data` will be encoded as. */
  datacontenttype?: string;
  /** A URI of the schema `data` adheres to. */
  dataschema?: string;
  /** `correlationid`. */
  correlationId?: string;
  /** `causationid`. */
  causationId?: string;
  /** `tenantid`. */
  tenantId?: string;
  /** `priority`. */
  priority?: number;
  /** `schemaversion`. */
  schemaVersion?: string;
  /** Further extension attributes; names must be lowercase `[a-z0-9]`. */
  extensions?: Readonly<Record<string, ExtensionValue>>;
  /**
   * Who publishes, for authorization plugins (`@bus/topics` ACLs). Not sent
   * with the event. `@bus/context` fills it from the ambient context when absent.
   */
  principal?: string;
}

import { assertDataschema, assertExtensionName, assertSource, assertTime } from './cloudevents-attributes.js';

/**
 * A unique event id, the default generator: a UUID in the version 7 layout,
 * ordered by creation time.
 *
 * @example
 * ```ts
 * const bus = createBus({ createId: createEventId }); // the default
 * ```
 */
export function createEventId(): string {
  return eventIdAt(Date.now());
}

let lastMillis = -1;
let lastIso = '';
/**
 * `millis` as RFC 3339, cached per millisecond: `toISOString` is slow on the hot path.
 *
 * @example
 * ```ts
 * isoAt(0); // '1970-01-01T00:00:00.000Z'
 * ```
 */
export function isoAt(millis: number): string {
  if (millis !== lastMillis) {
    lastMillis = millis;
    lastIso = new Date(millis).toISOString();
  }
  return lastIso;
}

/**
 * Now, RFC 3339.
 *
 * @example
 * ```ts
 * const event = { type: 'a', time: nowIso() };
 * ```
 */
export function nowIso(): string {
  return isoAt(Date.now());
}

let runMillis = -1;
const endRun = (): void => {
  runMillis = -1;
};

/**
 * The envelope `emit()` builds: the same plain shape as every other, with `id`
 * and `time` from one clock read per event-loop turn (a game frame emitting a
 * thousand events reads the clock once; the next turn, after `setImmediate`,
 * reads it again). A clock read costs more than the rest of an emit, which is
 * why; a turn that runs long gives its later emits the turn's first time.
 */
export function createEmittedEnvelope<T>(type: string, data: T, defaults: EnvelopeDefaults): EventEnvelope<T> {
  if (typeof type !== 'string' || type.length === 0) assertEventType(type);
  if (runMillis < 0) {
    runMillis = Date.now();
    setImmediate(endRun);
  }
  const millis = runMillis;
  const id = defaults.createId === createEventId ? eventIdAt(millis) : defaults.createId();
  return { id, source: defaults.source, type, specversion: '1.0', time: isoAt(millis), data };
}

/** Throws `INVALID_EVENT` unless `type` is a non-empty string. */
export function assertEventType(type: unknown, eventId?: string): asserts type is string {
  if (typeof type !== 'string' || type.length === 0) {
    throw new BusError('INVALID_EVENT', `Event type must be a non-empty string, got ${describe(type)}.`, { eventId });
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value.length === 0 ? 'an empty string' : JSON.stringify(value);
  return value === null ? 'null' : typeof value;
}

function optionalString(value: unknown, name: string, eventId: string | undefined): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  throw new BusError('INVALID_EVENT', `Attribute '${name}' must be a string, got ${describe(value)}.`, { eventId });
}

/** Defaults the kernel applies to every envelope it builds. */
export interface EnvelopeDefaults {
  /** The `source` of events that do not name one. */
  readonly source: string;
  /** Makes event ids. */
  readonly createId: () => string;
}

/**
 * Builds the envelope for `publish(type, data, options)`.
 *
 * @example
 * ```ts
 * const event = createEnvelope('orders.created', { id: 'o-1' }, { key: 'o-1' }, { source: 'shop', createId: createEventId });
 * ```
 */
export function createEnvelope<T>(
  type: string,
  data: T,
  options: PublishOptions | undefined,
  defaults: EnvelopeDefaults,
): EventEnvelope<T> {
  if (options === undefined) {
    assertEventType(type);
    // One clock read for both the id and the time: it is a third of the cost here.
    const millis = Date.now();
    const id = defaults.createId === createEventId ? eventIdAt(millis) : defaults.createId();
    return { id, source: defaults.source, type, specversion: '1.0', time: isoAt(millis), data };
  }
  const id = options.id ?? defaults.createId();
  assertEventType(type, id);
  if (typeof id !== 'string' || id.length === 0) {
    throw new BusError('INVALID_EVENT', `Event id must be a non-empty string, got ${describe(id)}.`);
  }
  const source = optionalString(options.source, 'source', id);
  if (source !== undefined) assertSource(source, id);
  const envelope: EventEnvelope<T> = {
    id,
    source: source ?? defaults.source,
    type,
    specversion: '1.0',
    time: toIso(options.time, id),
    data,
  };
  if (options.extensions !== undefined) {
    for (const [name, value] of Object.entries(options.extensions)) {
      assertExtensionName(name, id);
      if (name in envelope || KNOWN_ATTRIBUTES.has(name)) {
        throw new BusError('INVALID_EVENT', `Extension attribute '${name}' is a core attribute; set it with its own option.`, {
          eventId: id,
        });
      }
      envelope[name] = value;
    }
  }
  setString(envelope, 'subject', optionalString(options.subject, 'subject', id));
  setString(envelope, 'partitionkey', optionalString(options.key, 'key', id));
  setString(envelope, 'datacontenttype', optionalString(options.datacontenttype, 'datacontenttype', id));
  const dataschema = optionalString(options.dataschema, 'dataschema', id);
  if (dataschema !== undefined) envelope.dataschema = assertDataschema(dataschema, id);
  setString(envelope, 'correlationid', optionalString(options.correlationId, 'correlationId', id));
  setString(envelope, 'causationid', optionalString(options.causationId, 'causationId', id));
  setString(envelope, 'tenantid', optionalString(options.tenantId, 'tenantId', id));
  setString(envelope, 'schemaversion', optionalString(options.schemaVersion, 'schemaVersion', id));
  if (options.priority !== undefined) {
    if (typeof options.priority !== 'number' || !Number.isFinite(options.priority)) {
      throw new BusError('INVALID_EVENT', `priority must be a finite number, got ${describe(options.priority)}.`, { eventId: id });
    }
    envelope.priority = options.priority;
  }
  return envelope;
}

/** The context attributes of CloudEvents 1.0 and `data`: every other attribute is an extension. */
const KNOWN_ATTRIBUTES: ReadonlySet<string> = new Set([
  'id',
  'source',
  'type',
  'specversion',
  'time',
  'subject',
  'datacontenttype',
  'dataschema',
  'data',
  'data_base64',
]);

function setString(envelope: EventEnvelope, name: string, value: string | undefined): void {
  if (value !== undefined) envelope[name] = value;
}

function toIso(time: string | Date | undefined, eventId: string): string {
  if (time === undefined) return nowIso();
  if (typeof time === 'string') return assertTime(time, eventId);
  if (time instanceof Date && !Number.isNaN(time.getTime())) return time.toISOString();
  throw new BusError('INVALID_EVENT', 'time must be an RFC 3339 string or a valid Date.', { eventId });
}

/**
 * Completes an {@link EnvelopeInput} into a full envelope: fills `id`,
 * `source`, `specversion` and `time`, and checks the attribute types.
 *
 * @example
 * ```ts
 * const event = normalizeEnvelope({ type: 'orders.created', data: {} }, { source: 'shop', createId: createEventId });
 * ```
 */
export function normalizeEnvelope<T>(input: EnvelopeInput<T>, defaults: EnvelopeDefaults): EventEnvelope<T> {
  if (typeof input !== 'object' || input === null) {
    throw new BusError('INVALID_EVENT', `An event must be an object with a 'type', got ${describe(input)}.`);
  }
  const id = input.id ?? defaults.createId();
  if (typeof id !== 'string' || id.length === 0) {
    throw new BusError('INVALID_EVENT', `Event id must be a non-empty string, got ${describe(id)}.`);
  }
  assertEventType(input.type, id);
  if (input.specversion !== undefined && input.specversion !== '1.0') {
    throw new BusError('INVALID_EVENT', `Only CloudEvents specversion '1.0' is supported, got ${describe(input.specversion)}.`, {
      eventId: id,
    });
  }
  for (const name of [
    'source',
    'time',
    'subject',
    'datacontenttype',
    'dataschema',
    'partitionkey',
    'correlationid',
    'causationid',
  ] as const) {
    optionalString(input[name], name, id);
  }
  if (input.source !== undefined) assertSource(input.source, id);
  if (input.time !== undefined) assertTime(input.time, id);
  if (input.dataschema !== undefined) assertDataschema(input.dataschema, id);
  for (const name in input) {
    if (!KNOWN_ATTRIBUTES.has(name)) assertExtensionName(name, id);
  }
  return {
    ...input,
    id,
    source: input.source ?? defaults.source,
    specversion: '1.0',
    time: input.time ?? nowIso(),
    data: input.data as T,
  };
}
