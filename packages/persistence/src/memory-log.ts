/**
 * The in-memory event log: indexes by position, stream and id, the
 * expected-version check and idempotency. The memory backend is this log; the
 * JSON Lines backend is this log plus files.
 */
import type { EventEnvelope } from '@bus/core';
import { isoAt } from '@bus/core/plugin-kit';
import type { AppendRequest, AppendResult, BackendPurge, LogRange, StoredEvent, StreamRange } from './event-store.js';
import { concurrencyConflict, satisfiesExpectedVersion } from './expected-version.js';
import type { Snapshot } from './snapshots.js';

/** An append checked and numbered, not yet applied: the JSON Lines backend writes it to disk in between. */
export interface PreparedAppend {
  /** What `append` will resolve to. */
  readonly result: AppendResult;
  /** The records to add, in position order. */
  readonly written: readonly StoredEvent[];
}

/** The log; see the file comment. Not safe for interleaved prepare/commit pairs: callers serialize them. */
export class MemoryEventLog {
  /** Every record, in position order. */
  #records: StoredEvent[] = [];
  readonly #streams = new Map<string, StoredEvent[]>();
  readonly #ids = new Map<string, StoredEvent>();
  /** The last version each stream ever reached: survives purges, so versions are never reused. */
  readonly #heads = new Map<string, number>();
  #lastPosition = 0;
  readonly #snapshots = new Map<string, Map<number, Snapshot>>();

  get lastPosition(): number {
    return this.#lastPosition;
  }

  /** Every stream's head version, for persisting across purges. */
  get heads(): ReadonlyMap<string, number> {
    return this.#heads;
  }

  /** Raises the position and stream versions to at least these (restoring purged history). */
  restoreHeads(lastPosition: number, heads: Readonly<Record<string, number>>): void {
    this.#lastPosition = Math.max(this.#lastPosition, lastPosition);
    for (const [stream, version] of Object.entries(heads)) {
      this.#heads.set(stream, Math.max(this.#heads.get(stream) ?? -1, version));
    }
  }

  /** Checks and numbers an append, or throws `CONCURRENCY_CONFLICT`; changes nothing. */
  prepare(request: AppendRequest): PreparedAppend {
    const { stream, events, expectedVersion } = request;
    /** The records of events stored before, by index in `events`; made only when there are some. */
    let stored: Map<number, StoredEvent> | undefined;
    for (let index = 0; index < events.length; index++) {
      const existing = this.#ids.get((events[index] as EventEnvelope).id);
      if (existing === undefined) continue;
      stored ??= new Map();
      stored.set(index, existing);
    }
    const current = this.#heads.get(stream) ?? -1;
    if (stored !== undefined && stored.size === events.length) {
      // Every event was stored before: an idempotent retry, whatever the stream's version now.
      const records = [...stored.values()];
      return {
        result: { version: current, position: Math.max(...records.map((record) => record.position)), records, appended: 0 },
        written: [],
      };
    }
    if (!satisfiesExpectedVersion(expectedVersion, current)) {
      throw concurrencyConflict(stream, expectedVersion, current, events[0]?.id);
    }
    const storedAt = isoAt(request.storedAt);
    const written: StoredEvent[] = [];
    const records: StoredEvent[] = [];
    let version = current;
    let position = this.#lastPosition;
    for (let index = 0; index < events.length; index++) {
      const existing = stored?.get(index);
      if (existing !== undefined) {
        records.push(existing);
        continue;
      }
      // Not frozen: Object.freeze was a fifth of an in-memory append. Records are read-only by contract.
      const record: StoredEvent = { stream, version: ++version, position: ++position, storedAt, event: events[index] as EventEnvelope };
      written.push(record);
      records.push(record);
    }
    return { result: { version, position, records, appended: written.length }, written };
  }

  /** Applies a prepared append, or a record read back from disk. */
  commit(written: readonly StoredEvent[]): void {
    for (const record of written) this.add(record);
  }

  /** Adds one record (appended now or loaded from disk); positions must grow. */
  add(record: StoredEvent): void {
    this.#records.push(record);
    let stream = this.#streams.get(record.stream);
    if (stream === undefined) {
      stream = [];
      this.#streams.set(record.stream, stream);
    }
    stream.push(record);
    this.#ids.set(record.event.id, record);
    if (record.version > (this.#heads.get(record.stream) ?? -1)) this.#heads.set(record.stream, record.version);
    if (record.position > this.#lastPosition) this.#lastPosition = record.position;
  }

  /** Whether an event id is stored. */
  has(id: string): boolean {
    return this.#ids.has(id);
  }

  streamVersion(stream: string): number {
    return this.#heads.get(stream) ?? -1;
  }

  readStream(stream: string, range: StreamRange): StoredEvent[] {
    const records = this.#streams.get(stream);
    if (records === undefined) return [];
    const found: StoredEvent[] = [];
    if (range.direction === 'forward') {
      for (let index = lowerBound(records, range.low, versionOf); index < records.length && found.length < range.limit; index++) {
        const record = records[index] as StoredEvent;
        if (record.version > range.high) break;
        found.push(record);
      }
    } else {
      for (let index = lowerBound(records, range.high + 1, versionOf) - 1; index >= 0 && found.length < range.limit; index--) {
        const record = records[index] as StoredEvent;
        if (record.version < range.low) break;
        found.push(record);
      }
    }
    return found;
  }

  readAll(range: LogRange): StoredEvent[] {
    const records = this.#records;
    const start = lowerBound(records, range.fromPosition, positionOf);
    if (range.types === undefined) {
      // No filter: one copy of the range.
      const end = Math.min(lowerBound(records, range.toPosition + 1, positionOf), start + range.limit);
      return records.slice(start, end);
    }
    const types = new Set(range.types);
    const found: StoredEvent[] = [];
    for (let index = start; index < records.length && found.length < range.limit; index++) {
      const record = records[index] as StoredEvent;
      if (record.position > range.toPosition) break;
      if (types.has(record.event.type)) found.push(record);
    }
    return found;
  }

  /** Every record, in position order (the JSON Lines backend rewrites files from it). */
  all(): readonly StoredEvent[] {
    return this.#records;
  }

  /** Removes matching records; returns them. */
  purge(criteria: BackendPurge): StoredEvent[] {
    const types = criteria.types === undefined ? undefined : new Set(criteria.types);
    const streams = criteria.streams === undefined ? undefined : new Set(criteria.streams);
    const removed: StoredEvent[] = [];
    const kept: StoredEvent[] = [];
    for (const record of this.#records) {
      const matches =
        Date.parse(record.storedAt) < criteria.before &&
        (types === undefined || types.has(record.event.type)) &&
        (streams === undefined || streams.has(record.stream));
      (matches ? removed : kept).push(record);
    }
    if (removed.length === 0) return removed;
    this.#records = kept;
    const touched = new Set<string>();
    for (const record of removed) {
      this.#ids.delete(record.event.id);
      touched.add(record.stream);
    }
    const gone = new Set(removed);
    for (const stream of touched) {
      const left = (this.#streams.get(stream) ?? []).filter((record) => !gone.has(record));
      if (left.length === 0) this.#streams.delete(stream);
      else this.#streams.set(stream, left);
    }
    return removed;
  }

  saveSnapshot(snapshot: Snapshot): void {
    let versions = this.#snapshots.get(snapshot.stream);
    if (versions === undefined) {
      versions = new Map();
      this.#snapshots.set(snapshot.stream, versions);
    }
    versions.set(snapshot.version, snapshot);
  }

  loadSnapshot(stream: string): Snapshot | undefined {
    let latest: Snapshot | undefined;
    for (const snapshot of this.#snapshots.get(stream)?.values() ?? []) {
      if (latest === undefined || snapshot.version > latest.version) latest = snapshot;
    }
    return latest;
  }
}

function versionOf(record: StoredEvent): number {
  return record.version;
}

function positionOf(record: StoredEvent): number {
  return record.position;
}

/** The first index whose key is >= `key`, in an array sorted by key. */
function lowerBound(records: readonly StoredEvent[], key: number, keyOf: (record: StoredEvent) => number): number {
  let low = 0;
  let high = records.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (keyOf(records[middle] as StoredEvent) < key) low = middle + 1;
    else high = middle;
  }
  return low;
}
