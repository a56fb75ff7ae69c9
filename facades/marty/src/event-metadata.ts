/**
 * `EventMetadata` of `enhanced_event_bus.py`: the dataclass every `BaseEvent`
 * carries, with its camelCase `toDict()` and its Python wire form `toJSON()`.
 */
import { randomUUID } from 'node:crypto';
import { EventPriority } from './enums.js';
import { EventValidationError } from './errors.js';
import { assignFields, type FieldsOf, pick, toSnake } from './fields.js';
import { isoformat, parseIsoformat } from './python-time.js';

/**
 * The optional fields of {@link EventMetadata} (Python's keyword arguments).
 *
 * @example
 * ```ts
 * const fields: EventMetadataFields = { correlationId: 'order-1', priority: EventPriority.HIGH, tags: ['billing'] };
 * ```
 */
export type EventMetadataFields = FieldsOf<EventMetadata, 'eventId' | 'eventType' | 'timestamp'>;

/**
 * Metadata of an event. The first three fields are required, the rest default
 * as in Python (`null`, version 1, priority NORMAL, no headers, no tags).
 *
 * @example
 * ```ts
 * const metadata = new EventMetadata(crypto.randomUUID(), 'user.created', new Date(), { correlationId: 'req-7' });
 * metadata.toJSON().timestamp; // '2025-10-18T12:00:00.123000+00:00'
 * ```
 */
export class EventMetadata {
  /** The event id. */
  eventId: string;
  /** The event type. */
  eventType: string;
  /** When the event happened. */
  timestamp: Date;
  /** Correlation id. */
  correlationId: string | null = null;
  /** Causation id. */
  causationId: string | null = null;
  /** User id. */
  userId: string | null = null;
  /** Tenant id. */
  tenantId: string | null = null;
  /** The publishing service. */
  sourceService: string | null = null;
  /** Trace id. */
  traceId: string | null = null;
  /** Span id. */
  spanId: string | null = null;
  /** Schema version of the event. */
  version = 1;
  /** Processing priority, compared by value. */
  priority: EventPriority = EventPriority.NORMAL;
  /** Free headers. */
  headers: Record<string, string> = {};
  /** Tags; an {@link EventFilter} matches on any overlap. */
  tags: string[] = [];
  /** Expiry time. */
  expiry: Date | null = null;

  constructor(eventId: string, eventType: string, timestamp: Date, fields: EventMetadataFields = {}) {
    this.eventId = eventId;
    this.eventType = eventType;
    this.timestamp = timestamp;
    assignFields(this, fields);
  }

  /**
   * The metadata with camelCase keys; times as `isoformat()` strings, the priority as its number.
   *
   * @example
   * ```ts
   * metadata.toDict().eventId === metadata.eventId; // true
   * ```
   */
  toDict(): Record<string, unknown> {
    const expiry = this.expiry === null ? null : isoformat(this.expiry);
    return { ...(this as Record<keyof this, unknown>), timestamp: isoformat(this.timestamp), expiry };
  }

  /**
   * Python's form (the `metadata` of `BaseEvent.to_dict()`): snake_case keys, `isoformat()` times, the priority as its number.
   *
   * @example
   * ```ts
   * JSON.stringify(metadata); // {"event_id":"…","event_type":"user.created","timestamp":"…+00:00",…}
   * ```
   */
  toJSON(): Record<string, unknown> {
    return Object.fromEntries(Object.entries(this.toDict()).map(([key, value]) => [toSnake(key), value]));
  }

  /**
   * Rebuilds metadata from {@link EventMetadata.toJSON} or {@link EventMetadata.toDict} output.
   * `fallback` supplies the id, type and time when the object lacks them; else Python generates an id and takes now.
   *
   * @example
   * ```ts
   * const copy = EventMetadata.fromDict(JSON.parse(JSON.stringify(metadata)));
   * ```
   */
  static fromDict(dict: Readonly<Record<string, unknown>>, fallback: Readonly<Record<string, unknown>> = {}): EventMetadata {
    const read = (snake: string): unknown => pick(dict, snake) ?? pick(fallback, snake) ?? undefined;
    const [eventId = randomUUID(), eventType = 'BaseEvent', time] = ['event_id', 'event_type', 'timestamp'].map(read);
    if (typeof eventId !== 'string' || typeof eventType !== 'string')
      throw new EventValidationError('event_id and event_type must be strings.');
    const metadata = new EventMetadata(eventId, eventType, time === undefined ? new Date() : parseIsoformat(time));
    const fields = Object.fromEntries(Object.keys(metadata).map((key) => [key, pick(dict, toSnake(key)) ?? undefined]));
    if (fields.priority !== undefined && !Object.values<unknown>(EventPriority).includes(fields.priority)) {
      throw new EventValidationError(`${JSON.stringify(fields.priority)} is not a valid EventPriority (1 to 4).`);
    }
    const expiry = fields.expiry ? parseIsoformat(fields.expiry, 'expiry') : null;
    assignFields(metadata, { ...fields, eventId, eventType, timestamp: metadata.timestamp, expiry });
    return metadata;
  }
}
