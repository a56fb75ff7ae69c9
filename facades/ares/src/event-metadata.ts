/**
 * `EventMetadata`: what the legacy dataclass tracked about an event (ids,
 * versions, time, correlation, aggregate, sequence, retries, status, tags),
 * with camelCase properties and the legacy snake_case keys on disk.
 */
import { randomUUID } from 'node:crypto';
import { BusError } from '@bus/core';
import { EventStatus, toEventStatus } from './event-type.js';
import { parseLegacyTimestamp, toLegacyTimestamp } from './legacy-time.js';
import { isPlainObject } from './plain-object.js';

/**
 * What `new EventMetadata(init)` takes: every field is optional, with the
 * legacy defaults (a random UUID, version `'1.0.0'`, now, status `pending`, …).
 *
 * @example
 * ```ts
 * const metadata = new EventMetadata({ source: 'ExchangeAPI', aggregateId: 'trader_1', sequenceNumber: 7 });
 * ```
 */
export interface EventMetadataInit {
  /** Default: a random UUID (version 4, as the legacy `uuid4()`). */
  readonly eventId?: string | undefined;
  /** The event's version. Default `'1.0.0'`. */
  readonly version?: string | undefined;
  /** The version of the data's schema, checked by {@link EventVersionManager}. Default `'1.0.0'`. */
  readonly schemaVersion?: string | undefined;
  /** When the event happened: a Date or an ISO 8601 string. Default now. */
  readonly timestamp?: Date | string | undefined;
  /** Who published it. Default `''`. */
  readonly source?: string | undefined;
  /** The id shared by the events of one flow. Default `null`. */
  readonly correlationId?: string | null | undefined;
  /** The id of the event that caused this one. Default `null`. */
  readonly causationId?: string | null | undefined;
  /** The aggregate (e.g. a trader) the event belongs to. Default `null`. */
  readonly aggregateId?: string | null | undefined;
  /** The bus-wide sequence number, from 0. Default 0. */
  readonly sequenceNumber?: number | undefined;
  /** How many subscribers failed on it. Default 0. */
  readonly retryCount?: number | undefined;
  /** Default `EventStatus.PENDING` (`'pending'`). */
  readonly status?: EventStatus | undefined;
  /** Free-form string tags. Default `{}`. */
  readonly tags?: Readonly<Record<string, string>> | undefined;
}

/**
 * `EventMetadata.toDict()`: the metadata as a plain object with camelCase keys
 * and the timestamp as an ISO 8601 string.
 *
 * @example
 * ```ts
 * const dict: EventMetadataDict = event.metadata.toDict();
 * console.log(dict.sequenceNumber, dict.timestamp);
 * ```
 */
export interface EventMetadataDict {
  /** The event id. */
  eventId: string;
  /** The event's version. */
  version: string;
  /** The data's schema version. */
  schemaVersion: string;
  /** ISO 8601, as Python's `isoformat()` writes it (`…+00:00`). */
  timestamp: string;
  /** Who published it. */
  source: string;
  /** The flow's id, or null. */
  correlationId: string | null;
  /** The causing event's id, or null. */
  causationId: string | null;
  /** The aggregate, or null. */
  aggregateId: string | null;
  /** The bus-wide sequence number. */
  sequenceNumber: number;
  /** How many subscribers failed on it. */
  retryCount: number;
  /** Where it is in its processing. */
  status: EventStatus;
  /** Free-form string tags. */
  tags: Record<string, string>;
}

/**
 * The metadata as the legacy system stores it in JSON (Python's
 * `dataclasses.asdict`): snake_case keys, the timestamp in ISO 8601, the status
 * as its value.
 *
 * @example
 * ```ts
 * const json: LegacyEventMetadataJson = event.metadata.toJSON();
 * console.log(json.sequence_number);
 * ```
 */
export interface LegacyEventMetadataJson {
  /** The event id. */
  event_id: string;
  /** The event's version. */
  version: string;
  /** The data's schema version. */
  schema_version: string;
  /** ISO 8601 with `+00:00`. */
  timestamp: string;
  /** Who published it. */
  source: string;
  /** The flow's id, or null. */
  correlation_id: string | null;
  /** The causing event's id, or null. */
  causation_id: string | null;
  /** The aggregate, or null. */
  aggregate_id: string | null;
  /** The bus-wide sequence number. */
  sequence_number: number;
  /** How many subscribers failed on it. */
  retry_count: number;
  /** The status value. */
  status: EventStatus;
  /** Free-form string tags. */
  tags: Record<string, string>;
}

/**
 * Metadata for tracking and versioning one event (the legacy dataclass). Its
 * properties are public and mutable, as the dataclass fields were: a
 * subscriber may add a tag, and the bus updates `status` and `retryCount`.
 *
 * @example
 * ```ts
 * const metadata = new EventMetadata({ source: 'test', aggregateId: 'test_aggregate' });
 * const event = new Event(EventType.MARKET_DATA_RECEIVED, { symbol: 'BTCUSDT', price: 50_000, volume: 100 }, { metadata });
 * metadata.schemaVersion; // '1.0.0'
 * ```
 */
export class EventMetadata {
  /** The event id. */
  eventId: string;
  /** The event's version. */
  version: string;
  /** The data's schema version. */
  schemaVersion: string;
  /** When the event happened. */
  timestamp: Date;
  /** Who published it. */
  source: string;
  /** The id shared by the events of one flow, or null. */
  correlationId: string | null;
  /** The id of the event that caused this one, or null. */
  causationId: string | null;
  /** The aggregate the event belongs to, or null. */
  aggregateId: string | null;
  /** The bus-wide sequence number, from 0. */
  sequenceNumber: number;
  /** How many subscribers failed on it. */
  retryCount: number;
  /** Where it is in its processing. */
  status: EventStatus;
  /** Free-form string tags. */
  tags: Record<string, string>;

  /** Builds metadata; throws `INVALID_EVENT` for a field of the wrong type. */
  constructor(init: EventMetadataInit = {}) {
    if (!isPlainObject(init)) throw new BusError('INVALID_EVENT', 'new EventMetadata(init) takes an object of fields.');
    this.eventId = text(init.eventId, 'eventId', undefined) ?? randomUUID();
    if (this.eventId.length === 0) throw new BusError('INVALID_EVENT', 'EventMetadata.eventId must not be empty.');
    this.version = text(init.version, 'version', '1.0.0');
    this.schemaVersion = text(init.schemaVersion, 'schemaVersion', '1.0.0');
    this.timestamp = init.timestamp === undefined ? new Date() : parseLegacyTimestamp(init.timestamp, 'EventMetadata.timestamp');
    this.source = text(init.source, 'source', '');
    this.correlationId = nullableText(init.correlationId, 'correlationId');
    this.causationId = nullableText(init.causationId, 'causationId');
    this.aggregateId = nullableText(init.aggregateId, 'aggregateId');
    this.sequenceNumber = count(init.sequenceNumber, 'sequenceNumber');
    this.retryCount = count(init.retryCount, 'retryCount');
    const status = init.status === undefined ? EventStatus.PENDING : toEventStatus(init.status);
    if (status === undefined) {
      throw new BusError('INVALID_EVENT', `EventMetadata.status must be an EventStatus value, got ${JSON.stringify(init.status)}.`);
    }
    this.status = status;
    if (init.tags !== undefined && !isPlainObject(init.tags)) {
      throw new BusError('INVALID_EVENT', 'EventMetadata.tags must be an object of strings.');
    }
    this.tags = { ...(init.tags as Readonly<Record<string, string>> | undefined) };
  }

  /** A copy of every field (tags copied too). */
  copy(): EventMetadata {
    return new EventMetadata({ ...this, tags: { ...this.tags } });
  }

  /** The metadata as a plain object with camelCase keys. */
  toDict(): EventMetadataDict {
    return {
      eventId: this.eventId,
      version: this.version,
      schemaVersion: this.schemaVersion,
      timestamp: toLegacyTimestamp(this.timestamp),
      source: this.source,
      correlationId: this.correlationId,
      causationId: this.causationId,
      aggregateId: this.aggregateId,
      sequenceNumber: this.sequenceNumber,
      retryCount: this.retryCount,
      status: this.status,
      tags: { ...this.tags },
    };
  }

  /** The metadata as the legacy JSON (snake_case keys): what `JSON.stringify` writes. */
  toJSON(): LegacyEventMetadataJson {
    return {
      event_id: this.eventId,
      version: this.version,
      schema_version: this.schemaVersion,
      timestamp: toLegacyTimestamp(this.timestamp),
      source: this.source,
      correlation_id: this.correlationId,
      causation_id: this.causationId,
      aggregate_id: this.aggregateId,
      sequence_number: this.sequenceNumber,
      retry_count: this.retryCount,
      status: this.status,
      tags: { ...this.tags },
    };
  }

  /**
   * Builds metadata from {@link EventMetadata.toDict} output or from the legacy
   * JSON (snake_case keys, as the Python system wrote it); a missing key takes
   * its default. Throws `INVALID_EVENT` for a value of the wrong type.
   *
   * @example
   * ```ts
   * const metadata = EventMetadata.fromDict({ event_id: 'e-1', sequence_number: 3, status: 'processed' });
   * ```
   */
  static fromDict(input: EventMetadataDict | LegacyEventMetadataJson | Readonly<Record<string, unknown>>): EventMetadata {
    if (!isPlainObject(input)) throw new BusError('INVALID_EVENT', 'EventMetadata.fromDict() takes an object.');
    const dict: Readonly<Record<string, unknown>> = input;
    const pick = (camel: string, snake: string): unknown => (dict[camel] !== undefined ? dict[camel] : dict[snake]);
    return new EventMetadata({
      eventId: pick('eventId', 'event_id'),
      version: pick('version', 'version'),
      schemaVersion: pick('schemaVersion', 'schema_version'),
      timestamp: pick('timestamp', 'timestamp'),
      source: pick('source', 'source'),
      correlationId: pick('correlationId', 'correlation_id'),
      causationId: pick('causationId', 'causation_id'),
      aggregateId: pick('aggregateId', 'aggregate_id'),
      sequenceNumber: pick('sequenceNumber', 'sequence_number'),
      retryCount: pick('retryCount', 'retry_count'),
      status: pick('status', 'status'),
      tags: pick('tags', 'tags'),
    } as EventMetadataInit);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value === null ? 'null' : typeof value;
}

function text<F extends string | undefined>(value: unknown, name: string, fallback: F): string | F {
  if (value === undefined) return fallback;
  if (typeof value !== 'string') throw new BusError('INVALID_EVENT', `EventMetadata.${name} must be a string, got ${describe(value)}.`);
  return value;
}

function nullableText(value: unknown, name: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') {
    throw new BusError('INVALID_EVENT', `EventMetadata.${name} must be a string or null, got ${describe(value)}.`);
  }
  return value;
}

function count(value: unknown, name: string): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new BusError('INVALID_EVENT', `EventMetadata.${name} must be an integer >= 0, got ${describe(value)}.`);
  }
  return value;
}
