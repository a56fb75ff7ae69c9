/**
 * `EventSnapshot`: an aggregate's state at a sequence number (the legacy
 * dataclass), stored as `snapshot_{aggregate}_{seq}.json`.
 */
import { randomUUID } from 'node:crypto';
import { BusError } from '@bus/core';
import { parseLegacyTimestamp, toLegacyTimestamp } from './legacy-time.js';
import { isPlainObject } from './plain-object.js';

/**
 * What `new EventSnapshot(init)` takes; every field has the legacy default.
 *
 * @example
 * ```ts
 * new EventSnapshot({ aggregateId: 'trader_1', sequenceNumber: 10, stateData: { balance: 1000 } });
 * ```
 */
export interface EventSnapshotInit {
  /** Default: a random UUID. */
  readonly snapshotId?: string | undefined;
  /** When it was taken; default now. */
  readonly timestamp?: Date | string | undefined;
  /** The aggregate it summarizes. Default `''`. */
  readonly aggregateId?: string | undefined;
  /** The sequence number it was taken at. Default 0. */
  readonly sequenceNumber?: number | undefined;
  /** The state. Default `{}`. */
  readonly stateData?: Readonly<Record<string, unknown>> | undefined;
  /** The snapshot format's version. Default `'1.0.0'`. */
  readonly version?: string | undefined;
}

/**
 * `EventSnapshot.toDict()`: camelCase keys, the timestamp in ISO 8601.
 *
 * @example
 * ```ts
 * const { aggregateId, sequenceNumber } = snapshot.toDict();
 * ```
 */
export interface EventSnapshotDict {
  /** The snapshot id. */
  snapshotId: string;
  /** ISO 8601 with `+00:00`. */
  timestamp: string;
  /** The aggregate. */
  aggregateId: string;
  /** The sequence number it was taken at. */
  sequenceNumber: number;
  /** The state. */
  stateData: Record<string, unknown>;
  /** The format's version. */
  version: string;
}

/**
 * The snapshot as the legacy system stores it in its `.json` file (snake_case keys).
 *
 * @example
 * ```ts
 * const json: LegacyEventSnapshotJson = snapshot.toJSON();
 * console.log(json.state_data);
 * ```
 */
export interface LegacyEventSnapshotJson {
  /** The snapshot id. */
  snapshot_id: string;
  /** ISO 8601 with `+00:00`. */
  timestamp: string;
  /** The aggregate. */
  aggregate_id: string;
  /** The sequence number it was taken at. */
  sequence_number: number;
  /** The state. */
  state_data: Record<string, unknown>;
  /** The format's version. */
  version: string;
}

/**
 * A snapshot of an aggregate's state at a point in time. The bus takes one of
 * the aggregate `"system"` every `snapshotFrequency` processed events;
 * `rebuildFromEvents` starts from the latest snapshot of an aggregate.
 *
 * @example
 * ```ts
 * const snapshot = new EventSnapshot({ snapshotId: 'test-snapshot', aggregateId: 'test_aggregate', sequenceNumber: 10, stateData: { balance: 1000, trades: [] } });
 * await store.saveSnapshot(snapshot); // snapshots/snapshot_test_aggregate_10.json
 * ```
 */
export class EventSnapshot {
  /** The snapshot id. */
  snapshotId: string;
  /** When it was taken. */
  timestamp: Date;
  /** The aggregate it summarizes. */
  aggregateId: string;
  /** The sequence number it was taken at. */
  sequenceNumber: number;
  /** The state. */
  stateData: Record<string, unknown>;
  /** The snapshot format's version. */
  version: string;

  /** Builds a snapshot; throws `INVALID_EVENT` for a field of the wrong type. */
  constructor(init: EventSnapshotInit = {}) {
    if (!isPlainObject(init)) throw new BusError('INVALID_EVENT', 'new EventSnapshot(init) takes an object of fields.');
    this.snapshotId = text(init.snapshotId, 'snapshotId') ?? randomUUID();
    this.timestamp = init.timestamp === undefined ? new Date() : parseLegacyTimestamp(init.timestamp, 'EventSnapshot.timestamp');
    this.aggregateId = text(init.aggregateId, 'aggregateId') ?? '';
    const sequence = init.sequenceNumber ?? 0;
    if (typeof sequence !== 'number' || !Number.isSafeInteger(sequence) || sequence < 0) {
      throw new BusError('INVALID_EVENT', `EventSnapshot.sequenceNumber must be an integer >= 0, got ${String(sequence)}.`);
    }
    this.sequenceNumber = sequence;
    if (init.stateData !== undefined && !isPlainObject(init.stateData)) {
      throw new BusError('INVALID_EVENT', 'EventSnapshot.stateData must be an object.');
    }
    this.stateData = { ...init.stateData };
    this.version = text(init.version, 'version') ?? '1.0.0';
  }

  /** The snapshot as a plain object with camelCase keys. `stateData` is not copied. */
  toDict(): EventSnapshotDict {
    return {
      snapshotId: this.snapshotId,
      timestamp: toLegacyTimestamp(this.timestamp),
      aggregateId: this.aggregateId,
      sequenceNumber: this.sequenceNumber,
      stateData: this.stateData,
      version: this.version,
    };
  }

  /** The snapshot in the legacy JSON form (snake_case keys), which `JSON.stringify` uses. */
  toJSON(): LegacyEventSnapshotJson {
    return {
      snapshot_id: this.snapshotId,
      timestamp: toLegacyTimestamp(this.timestamp),
      aggregate_id: this.aggregateId,
      sequence_number: this.sequenceNumber,
      state_data: this.stateData,
      version: this.version,
    };
  }

  /**
   * Builds a snapshot from {@link EventSnapshot.toDict} output or the legacy
   * JSON (snake_case keys). Throws `INVALID_EVENT` for values of the wrong type.
   *
   * @example
   * ```ts
   * const snapshot = EventSnapshot.fromDict(JSON.parse(readFileSync('snapshots/snapshot_system_100.json', 'utf8')));
   * ```
   */
  static fromDict(input: EventSnapshotDict | LegacyEventSnapshotJson | Readonly<Record<string, unknown>>): EventSnapshot {
    if (!isPlainObject(input)) throw new BusError('INVALID_EVENT', 'EventSnapshot.fromDict() takes an object.');
    const dict: Readonly<Record<string, unknown>> = input;
    const pick = (camel: string, snake: string): unknown => (dict[camel] !== undefined ? dict[camel] : dict[snake]);
    return new EventSnapshot({
      snapshotId: pick('snapshotId', 'snapshot_id'),
      timestamp: pick('timestamp', 'timestamp'),
      aggregateId: pick('aggregateId', 'aggregate_id'),
      sequenceNumber: pick('sequenceNumber', 'sequence_number'),
      stateData: pick('stateData', 'state_data'),
      version: pick('version', 'version'),
    } as EventSnapshotInit);
  }
}

function text(value: unknown, name: string): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  throw new BusError('INVALID_EVENT', `EventSnapshot.${name} must be a string, got ${value === null ? 'null' : typeof value}.`);
}
