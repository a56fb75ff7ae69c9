/**
 * `EventMetadata` of `enhanced_event_bus.py`: the dataclass every `BaseEvent`
 * carries, with its camelCase `toDict()` and its Python wire form `toJSON()`.
 */
import { randomUUID } from 'node:crypto';
import { EventPriority } from './enums.js';
import { EventValidationError } from './errors.js';
import { isoformat, parseIsoformat } from './python-time.js';

/**
 * The optional fields of {@link EventMetadata} (Python's keyword arguments).
 *
 * @example
 * ```ts
 * const fields: EventMetadataFields = { correlationId: 'order-1', priority: EventPriority.HIGH, tags: ['billing'] };
 * ```
 */
export interface EventMetadataFields {
  /** Default `null`. */
  readonly correlationId?: string | null | undefined;
  /** Default `null`. */
  readonly causationId?: string | null | undefined;
  /** Default `null`. */
  readonly userId?: string | null | undefined;
  /** Default `null`. */
  readonly tenantId?: string | null | undefined;
  /** Default `null`. */
  readonly sourceService?: string | null | undefined;
  /** Default `null`. */
  readonly traceId?: string | null | undefined;
  /** Default `null`. */
  readonly spanId?: string | null | undefined;
  /** Default `1`. */
  readonly version?: number | undefined;
  /** Default {@link EventPriority.NORMAL}. */
  readonly priority?: EventPriority | undefined;
  /** Default `{}`. */
  readonly headers?: Record<string, string> | undefined;
  /** Default `[]`. */
  readonly tags?: string[] | undefined;
  /** Default `null`. */
  readonly expiry?: Date | null | undefined;
}

/** The snake_case keys of the metadata fields, in Python's order (the wire form). */
const FIELDS = [
  ['correlationId', 'correlation_id'],
  ['causationId', 'causation_id'],
  ['userId', 'user_id'],
  ['tenantId', 'tenant_id'],
  ['sourceService', 'source_service'],
  ['traceId', 'trace_id'],
  ['spanId', 'span_id'],
] as const;

/**
 * Reads `key` (snake_case) or its camelCase twin from a plain object, own properties only.
 *
 * @internal
 */
export function pick(source: Readonly<Record<string, unknown>>, snake: string): unknown {
  if (Object.hasOwn(source, snake)) return source[snake];
  const camel = snake.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());
  return Object.hasOwn(source, camel) ? source[camel] : undefined;
}

/**
 * Metadata of an event. The first three fields are required, the rest default
 * as in Python (`null`, version 1, priority NORMAL, no headers, no tags).
 *
 * @example
 * ```ts
 * const metadata = new EventMetadata(randomUUID(), 'user.created', new Date(), { correlationId: 'req-7' });
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
  correlationId: string | null;
  /** Causation id. */
  causationId: string | null;
  /** User id. */
  userId: string | null;
  /** Tenant id. */
  tenantId: string | null;
  /** The publishing service. */
  sourceService: string | null;
  /** Trace id. */
  traceId: string | null;
  /** Span id. */
  spanId: string | null;
  /** Schema version of the event. */
  version: number;
  /** Processing priority, compared by value. */
  priority: EventPriority;
  /** Free headers. */
  headers: Record<string, string>;
  /** Tags; an {@link EventFilter} matches on any overlap. */
  tags: string[];
  /** Expiry time. */
  expiry: Date | null;

  constructor(eventId: string, eventType: string, timestamp: Date, fields: EventMetadataFields = {}) {
    this.eventId = eventId;
    this.eventType = eventType;
    this.timestamp = timestamp;
    this.correlationId = fields.correlationId ?? null;
    this.causationId = fields.causationId ?? null;
    this.userId = fields.userId ?? null;
    this.tenantId = fields.tenantId ?? null;
    this.sourceService = fields.sourceService ?? null;
    this.traceId = fields.traceId ?? null;
    this.spanId = fields.spanId ?? null;
    this.version = fields.version ?? 1;
    this.priority = fields.priority ?? EventPriority.NORMAL;
    this.headers = fields.headers ?? {};
    this.tags = fields.tags ?? [];
    this.expiry = fields.expiry ?? null;
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
    const dict: Record<string, unknown> = { eventId: this.eventId, eventType: this.eventType, timestamp: isoformat(this.timestamp) };
    for (const [camel] of FIELDS) dict[camel] = this[camel];
    return { ...dict, ...this.#tail() };
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
    const dict: Record<string, unknown> = { event_id: this.eventId, event_type: this.eventType, timestamp: isoformat(this.timestamp) };
    for (const [camel, snake] of FIELDS) dict[snake] = this[camel];
    return { ...dict, ...this.#tail() };
  }

  #tail(): Record<string, unknown> {
    const expiry = this.expiry === null ? null : isoformat(this.expiry);
    return { version: this.version, priority: this.priority, headers: this.headers, tags: this.tags, expiry };
  }

  /**
   * Rebuilds metadata from {@link EventMetadata.toJSON} or {@link EventMetadata.toDict} output.
   * `fallback` supplies the id, type and time when the object lacks them (Python generates an id and takes now).
   *
   * @example
   * ```ts
   * const copy = EventMetadata.fromDict(JSON.parse(JSON.stringify(metadata)));
   * ```
   */
  static fromDict(dict: Readonly<Record<string, unknown>>, fallback: Readonly<Record<string, unknown>> = {}): EventMetadata {
    const read = (snake: string): unknown => pick(dict, snake) ?? pick(fallback, snake);
    const text = (snake: string): string | null => {
      const value = read(snake);
      if (value === undefined || value === null) return null;
      if (typeof value !== 'string') throw new EventValidationError(`metadata ${snake} must be a string, got ${typeof value}.`);
      return value;
    };
    const priority = read('priority') ?? EventPriority.NORMAL;
    if (!Object.values<unknown>(EventPriority).includes(priority)) {
      throw new EventValidationError(`${JSON.stringify(priority)} is not a valid EventPriority (1 to 4).`);
    }
    const expiry = read('expiry');
    const fields: Record<string, unknown> = {
      version: read('version') ?? 1,
      priority,
      headers: read('headers') ?? {},
      tags: read('tags') ?? [],
      expiry: expiry === undefined || expiry === null || expiry === '' ? null : parseIsoformat(expiry, 'expiry'),
    };
    for (const [camel, snake] of FIELDS) fields[camel] = text(snake);
    const timestamp = read('timestamp');
    return new EventMetadata(
      text('event_id') ?? randomUUID(),
      text('event_type') ?? 'BaseEvent',
      timestamp === undefined || timestamp === null ? new Date() : parseIsoformat(timestamp),
      fields as EventMetadataFields,
    );
  }
}
