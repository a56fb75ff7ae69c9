/**
 * `BaseEvent` of `enhanced_event_bus.py`: an event type, its data and its
 * {@link EventMetadata}; the base of every Marty event class.
 */
import { randomUUID } from 'node:crypto';
import { EventValidationError } from './errors.js';
import type { EventFilter } from './event-filter.js';
import { EventMetadata, type EventMetadataFields } from './event-metadata.js';
import { toSnake } from './fields.js';
import { isoformat } from './python-time.js';

/**
 * What `new BaseEvent({...})` takes: Python's `event_type`, `data`, `metadata`
 * and, when no metadata is given, the metadata fields (`**kwargs`).
 *
 * @example
 * ```ts
 * const init: BaseEventInit = { eventType: 'user.created', data: { id: 'u-1' }, correlationId: 'req-7' };
 * ```
 */
export type BaseEventInit = EventMetadataFields & {
  /** The event type; default (also for `''`) the class name. */
  readonly eventType?: string | null | undefined;
  /** The payload; default `{}`. Its keys are never renamed. */
  readonly data?: Record<string, unknown> | null | undefined;
  /** The metadata; default: a new one with a UUID, the event type, now and the metadata fields given. */
  readonly metadata?: EventMetadata | null | undefined;
};

/**
 * A plain object `fromDict` reads: an event's `toJSON()` (its wire JSON, parsed) or `toDict()`.
 *
 * @example
 * ```ts
 * const dict: EventDict = JSON.parse(record.value.toString('utf8'));
 * ```
 */
export type EventDict = Readonly<Record<string, unknown>>;

/**
 * An event with metadata. `toDict()` is camelCase; `toJSON()` (so also
 * `JSON.stringify(event)`) is Python's `to_dict()`, the Kafka wire form;
 * `fromDict()` reads both.
 *
 * @example
 * ```ts
 * class UserCreated extends BaseEvent {}
 * const event = new UserCreated({ data: { id: 'u-1' }, tenantId: 'acme' });
 * event.eventType;                      // 'UserCreated'
 * const copy = BaseEvent.fromJSON(JSON.stringify(event));
 * ```
 */
export class BaseEvent {
  /** The event type (routing key). */
  eventType: string;
  /** The payload. */
  data: Record<string, unknown>;
  /** The metadata. */
  metadata: EventMetadata;

  constructor(init: BaseEventInit = {}) {
    const { eventType, data, metadata, ...fields } = init;
    this.eventType = eventType || this.constructor.name;
    this.data = data ?? {};
    this.metadata = metadata ?? new EventMetadata(randomUUID(), this.eventType, new Date(), fields);
  }

  /** The event id (`metadata.eventId`). */
  get eventId(): string {
    return this.metadata.eventId;
  }

  /** When the event happened (`metadata.timestamp`). */
  get timestamp(): Date {
    return this.metadata.timestamp;
  }

  /**
   * Whether this event meets `filter` (Python's `matches_filter`).
   *
   * @example
   * ```ts
   * event.matchesFilter(new EventFilter({ tenantIds: ['acme'] }));
   * ```
   */
  matchesFilter(filter: EventFilter): boolean {
    return filter.matches(this);
  }

  /**
   * Whether `toDict`/`toJSON` take the flat form of Python's subclasses (id, type, time, the class's own
   * fields, then `data` and `metadata`) instead of `BaseEvent`'s `{ event_type, data, metadata }`.
   */
  protected static readonly flatForm: boolean = false;

  /**
   * The event as a camelCase object: `{ eventType, data, metadata }` (flat for the built-in subclasses, as `toJSON`).
   *
   * @example
   * ```ts
   * new BaseEvent({ eventType: 'a.b' }).toDict().metadata; // { eventId: '…', eventType: 'a.b', … }
   * ```
   */
  toDict(): Record<string, unknown> {
    const { eventType, data, metadata, ...own } = this as unknown as Record<string, unknown>;
    const tail = { data, metadata: this.metadata.toDict() };
    if (!(this.constructor as typeof BaseEvent).flatForm) return { eventType, ...tail };
    return { eventId: this.eventId, eventType, timestamp: isoformat(this.timestamp), ...own, ...tail };
  }

  /**
   * Python's `to_dict()`: `{ event_type, data, metadata }` with snake_case
   * metadata, `isoformat()` times and the priority as its number. The built-in subclasses
   * give Python's flat form `{ event_id, event_type, timestamp, …fields, data, metadata }`.
   *
   * @example
   * ```ts
   * JSON.stringify(new BaseEvent({ eventType: 'a.b' })); // '{"event_type":"a.b","data":{},"metadata":{"event_id":…}}'
   * ```
   */
  toJSON(): Record<string, unknown> {
    const { data, metadata, ...rest } = this.toDict();
    const top = Object.fromEntries(Object.entries(rest).map(([key, value]) => [toSnake(key), value]));
    return { ...top, data, metadata: this.metadata.toJSON() };
  }

  /**
   * The type, data and metadata of a `toJSON()`/`toDict()` object, for `fromDict` of this class and its subclasses.
   * Metadata fields missing from `metadata` are taken from the top level (the flat form), then defaulted as Python does.
   */
  protected static initFromDict(dict: EventDict): { eventType: string | null; data: Record<string, unknown>; metadata: EventMetadata } {
    const isObject = typeof dict === 'object' && dict !== null;
    const [rawMetadata, data] = isObject ? [dict.metadata ?? {}, dict.data ?? {}] : [null, null];
    if (typeof rawMetadata !== 'object' || rawMetadata === null || typeof data !== 'object' || data === null) {
      throw new EventValidationError('An event is an object with object `data` and `metadata` (or none).');
    }
    const eventType = dict.event_type ?? dict.eventType ?? null;
    if (eventType !== null && typeof eventType !== 'string') throw new EventValidationError('event_type must be a string.');
    const metadata = EventMetadata.fromDict(rawMetadata as EventDict, { ...dict, event_type: eventType ?? 'BaseEvent' });
    return { eventType, data: data as Record<string, unknown>, metadata };
  }

  /**
   * Rebuilds an event from `toJSON()` (Python's wire JSON, parsed) or `toDict()` output, as Python's `from_dict`
   * (on this class: `new this({ eventType, data, metadata })`).
   *
   * @example
   * ```ts
   * const event = BaseEvent.fromDict({ event_type: 'user.created', data: { id: 1 }, metadata: { event_id: 'e-1' } });
   * ```
   */
  static fromDict(dict: EventDict): BaseEvent {
    // biome-ignore lint/complexity/noThisInStatic: polymorphic on purpose, as Python's `cls(...)`.
    return new (this as unknown as new (init: BaseEventInit) => BaseEvent)(BaseEvent.initFromDict(dict));
  }

  /**
   * Rebuilds an event from its JSON text (a Kafka record value) with this class's `fromDict`.
   *
   * @example
   * ```ts
   * const event = BaseEvent.fromJSON(record.value.toString('utf8'));
   * ```
   */
  static fromJSON(json: string): BaseEvent {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (error) {
      throw new EventValidationError('The event is not valid JSON.', { cause: error });
    }
    // biome-ignore lint/complexity/noThisInStatic: the subclass's own fromDict, as Python's `cls.from_dict`.
    return this.fromDict(parsed as EventDict);
  }
}
