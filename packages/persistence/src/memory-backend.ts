/**
 * The memory backend: the event log in this process, gone when it exits.
 * For tests, prototypes and caches of a durable store.
 */
import type { EventEnvelope } from '@bus/core';
import { isoAt } from '@bus/core/plugin-kit';
import type { AppendRequest, AppendResult, BackendPurge, EventStoreBackend, LogRange, StoredEvent, StreamRange } from './event-store.js';
import { concurrencyConflict, satisfiesExpectedVersion } from './expected-version.js';
import { MemoryEventLog } from './memory-log.js';
import type { Snapshot } from './snapshots.js';

const CAPABILITIES = Object.freeze({ durable: false, multiWriter: false });

/**
 * Creates a memory backend. It keeps the envelope objects it is given (no
 * copy, like the in-process transport): treat appended and read events as
 * read-only. Snapshot states are copied (`structuredClone`) both ways.
 *
 * @example
 * ```ts
 * const store = createEventStore({ backend: memoryBackend() });
 * ```
 */
export function memoryBackend(): EventStoreBackend {
  return new MemoryBackend();
}

class MemoryBackend implements EventStoreBackend {
  readonly name = 'memory';
  readonly capabilities = CAPABILITIES;
  readonly #log = new MemoryEventLog();

  async append(request: AppendRequest): Promise<AppendResult> {
    return request.events.length === 1 ? this.#appendOne(request) : this.#appendBatch(request);
  }

  #appendBatch(request: AppendRequest): AppendResult {
    const prepared = this.#log.prepare(request);
    this.#log.commit(prepared.written);
    return prepared.result;
  }

  /**
   * One event, the common append: the checks and numbering of `prepare`
   * without its batch bookkeeping (a map of stored ids, two arrays, a second
   * pass to commit). An id stored before takes the batch path, which answers
   * idempotently.
   */
  #appendOne(request: AppendRequest): AppendResult {
    const log = this.#log;
    const event = request.events[0] as EventEnvelope;
    if (log.has(event.id)) return this.#appendBatch(request);
    const { stream, expectedVersion } = request;
    const current = log.streamVersion(stream);
    if (!satisfiesExpectedVersion(expectedVersion, current)) throw concurrencyConflict(stream, expectedVersion, current, event.id);
    const record: StoredEvent = { stream, version: current + 1, position: log.lastPosition + 1, storedAt: isoAt(request.storedAt), event };
    log.add(record);
    return { version: record.version, position: record.position, records: [record], appended: 1 };
  }

  async readStream(stream: string, range: StreamRange): Promise<StoredEvent[]> {
    return this.#log.readStream(stream, range);
  }

  async readAll(range: LogRange): Promise<StoredEvent[]> {
    return this.#log.readAll(range);
  }

  async streamVersion(stream: string): Promise<number> {
    return this.#log.streamVersion(stream);
  }

  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    this.#log.saveSnapshot({ ...snapshot, state: structuredClone(snapshot.state) });
  }

  async loadSnapshot(stream: string): Promise<Snapshot | undefined> {
    const snapshot = this.#log.loadSnapshot(stream);
    return snapshot === undefined ? undefined : { ...snapshot, state: structuredClone(snapshot.state) };
  }

  async purge(criteria: BackendPurge): Promise<number> {
    return this.#log.purge(criteria).length;
  }

  async close(): Promise<void> {}
}
