/** `Event` of the older in-memory API that Marty's `test_events.py` drives. */
import { isDeepStrictEqual } from 'node:util';
import { EventValidationError } from '../errors.js';
import { assignFields, type FieldsOf, pick } from '../fields.js';
import { isoformat, parseIsoformat } from '../python-time.js';

/**
 * Options of {@link Event}.
 *
 * @example
 * ```ts
 * const options: EventOptions = { source: 'order-service', correlationId: 'corr-789', version: 2 };
 * ```
 */
export type EventOptions = FieldsOf<Event, 'id' | 'type' | 'data'>;

/**
 * An event of the in-memory bus. Two events are equal (`equals`) when all but their timestamps are.
 *
 * @example
 * ```ts
 * const event = new Event('event-123', 'user.registered', { user_id: 123 });
 * String(event); // "Event(id='event-123', type='user.registered')"
 * ```
 */
export class Event {
  /** When it happened; default now. */
  readonly timestamp: Date = new Date();
  /** The publishing service. */
  readonly source: string | null = null;
  /** Correlation id. */
  readonly correlationId: string | null = null;
  /** Version. */
  readonly version: number = 1;

  /**
   * @param id - The id.
   * @param type - The type.
   * @param data - The payload.
   */
  constructor(
    readonly id: string,
    readonly type: string,
    readonly data: Record<string, unknown>,
    options: EventOptions = {},
  ) {
    assignFields(this, options);
  }

  /**
   * `{ id, type, data, timestamp, version, source, correlationId }`, the time as `isoformat()`.
   *
   * @example
   * ```ts
   * event.toDict().timestamp; // '2024-01-01T12:00:00+00:00'
   * ```
   */
  toDict(): Record<string, unknown> {
    const { id, type, data, version, source, correlationId } = this;
    return { id, type, data, timestamp: isoformat(this.timestamp), version, source, correlationId };
  }

  /**
   * Python's `to_dict()`: as `toDict()` with `correlation_id`.
   *
   * @example
   * ```ts
   * JSON.stringify(event); // '{"id":"event-123","type":"user.registered",…,"correlation_id":null}'
   * ```
   */
  toJSON(): Record<string, unknown> {
    const { correlationId, ...rest } = this.toDict();
    return { ...rest, correlation_id: correlationId };
  }

  /**
   * Rebuilds an event from `toDict()` or `toJSON()` output (a missing timestamp is now).
   *
   * @example
   * ```ts
   * Event.fromDict({ id: 'e-1', type: 'order.placed', data: {}, timestamp: '2024-01-01T12:00:00Z', version: 2 });
   * ```
   */
  static fromDict(dict: Readonly<Record<string, unknown>>): Event {
    const { id, type, data = {}, timestamp, version = 1, source = null } = dict;
    const correlationId = pick(dict, 'correlation_id') ?? null;
    if (typeof id !== 'string' || typeof type !== 'string') throw new EventValidationError('An event needs a string id and type.');
    if (typeof data !== 'object' || data === null) throw new EventValidationError('An event needs object data.');
    if (typeof version !== 'number') throw new EventValidationError('version must be a number.');
    if ((source !== null && typeof source !== 'string') || (correlationId !== null && typeof correlationId !== 'string')) {
      throw new EventValidationError('source and correlation_id must be strings.');
    }
    const options = { source, correlationId, version, ...(timestamp === undefined ? {} : { timestamp: parseIsoformat(timestamp) }) };
    return new Event(id, type, data as Record<string, unknown>, options);
  }

  /**
   * Python's `==`: every field but the timestamp is equal (data deeply).
   *
   * @example
   * ```ts
   * new Event('e', 't', { a: 1 }).equals(new Event('e', 't', { a: 1 })); // true
   * ```
   */
  equals(other: unknown): boolean {
    if (!(other instanceof Event)) return false;
    const { timestamp: _mine, ...mine } = this.toDict();
    const { timestamp: _theirs, ...theirs } = other.toDict();
    return isDeepStrictEqual(mine, theirs);
  }

  /** Python's `repr`: `Event(id='…', type='…')`. */
  toString(): string {
    return `Event(id='${this.id}', type='${this.type}')`;
  }
}
