/**
 * `Event`: the legacy event structure (a type, data, and {@link EventMetadata}),
 * with `toDict()`/`fromDict()` and the legacy JSON form for files.
 */
import { BusError } from '@bus/core';
import { EventMetadata, type EventMetadataDict, type LegacyEventMetadataJson } from './event-metadata.js';
import { type EventType, isEventType } from './event-type.js';
import { isPlainObject } from './plain-object.js';

/**
 * Options of `new Event(eventType, data, options)`.
 *
 * @example
 * ```ts
 * new Event(EventType.RISK_ALERT, { level: 'high' }, { metadata: new EventMetadata({ source: 'RiskManager' }) });
 * ```
 */
export interface EventOptions {
  /** The metadata; default `new EventMetadata()`. */
  readonly metadata?: EventMetadata | undefined;
}

/**
 * `Event.toDict()`: camelCase keys, the type as its string value.
 *
 * @typeParam T - the type of `data`.
 * @example
 * ```ts
 * const dict: EventDict = event.toDict();
 * dict.eventType; // 'trade_executed'
 * ```
 */
export interface EventDict<T = unknown> {
  /** The {@link EventType} value. */
  eventType: EventType;
  /** The payload. */
  data: T;
  /** The metadata, as {@link EventMetadata.toDict} gives it. */
  metadata: EventMetadataDict;
}

/**
 * The event as the legacy system stores it: one line of a `FileEventStore`
 * `.jsonl` file, with snake_case keys (`event_type`, `metadata.sequence_number`, …).
 *
 * @typeParam T - the type of `data`.
 * @example
 * ```ts
 * const line = JSON.stringify(event); // uses toJSON(): {"event_type":"trade_executed","data":{…},"metadata":{…}}
 * ```
 */
export interface LegacyEventJson<T = unknown> {
  /** The {@link EventType} value. */
  event_type: EventType;
  /** The payload. */
  data: T;
  /** The metadata, snake_case. */
  metadata: LegacyEventMetadataJson;
}

/**
 * An event with versioning and metadata (the legacy dataclass). `eventType`,
 * `data` and `metadata` are public and mutable, as the dataclass fields were.
 *
 * @typeParam T - the type of `data`.
 * @example
 * ```ts
 * const event = new Event(EventType.TRADE_EXECUTED, { symbol: 'ETHUSDT', side: 'buy', quantity: 1, price: 3_000 });
 * event.toDict().eventType; // 'trade_executed'
 * JSON.parse(JSON.stringify(event)).event_type; // 'trade_executed': the legacy file form
 * Event.fromDict(event.toDict()).metadata.eventId === event.metadata.eventId; // true
 * ```
 */
export class Event<T = unknown> {
  /** The event type. */
  eventType: EventType;
  /** The payload. */
  data: T;
  /** Ids, versions, time, status and the rest. */
  metadata: EventMetadata;

  /** Builds an event; throws `INVALID_EVENT` when `eventType` is not an {@link EventType} value. */
  constructor(eventType: EventType, data: T, options: EventOptions = {}) {
    if (!isEventType(eventType)) {
      throw new BusError('INVALID_EVENT', `Unknown event type ${JSON.stringify(eventType) ?? String(eventType)}: use an EventType value.`);
    }
    const metadata = options?.metadata ?? new EventMetadata();
    if (!(metadata instanceof EventMetadata)) throw new BusError('INVALID_EVENT', 'Event metadata must be an EventMetadata.');
    this.eventType = eventType;
    this.data = data;
    this.metadata = metadata;
  }

  /** The event as a plain object with camelCase keys. `data` is not copied. */
  toDict(): EventDict<T> {
    return { eventType: this.eventType, data: this.data, metadata: this.metadata.toDict() };
  }

  /**
   * The event in the legacy JSON form (snake_case keys), which `JSON.stringify`
   * uses: what `FileEventStore` writes, readable by the Python system.
   */
  toJSON(): LegacyEventJson<T> {
    return { event_type: this.eventType, data: this.data, metadata: this.metadata.toJSON() };
  }

  /**
   * Builds an event from {@link Event.toDict} output or from the legacy JSON
   * (`event_type`, snake_case metadata). Throws `INVALID_EVENT` for an unknown
   * type, missing `data`, or metadata of the wrong types.
   *
   * @example
   * ```ts
   * const event = Event.fromDict({ event_type: 'analysis_completed', data: { result: 'bullish' }, metadata: { source: 'test' } });
   * ```
   */
  static fromDict<T = unknown>(input: EventDict | LegacyEventJson | Readonly<Record<string, unknown>>): Event<T> {
    if (!isPlainObject(input)) throw new BusError('INVALID_EVENT', 'Event.fromDict() takes an object.');
    const dict: Readonly<Record<string, unknown>> = input;
    const type = dict.eventType ?? dict.event_type;
    if (!isEventType(type)) {
      throw new BusError('INVALID_EVENT', `Event.fromDict(): unknown event type ${JSON.stringify(type) ?? String(type)}.`);
    }
    if (!('data' in dict)) throw new BusError('INVALID_EVENT', "Event.fromDict(): the dict has no 'data'.");
    const metadata = dict.metadata ?? {};
    if (!isPlainObject(metadata)) throw new BusError('INVALID_EVENT', "Event.fromDict(): 'metadata' must be an object.");
    return new Event(type, dict.data as T, { metadata: EventMetadata.fromDict(metadata) });
  }
}
