/**
 * The event store contract: what users call ({@link EventStore}), what each
 * backend implements ({@link EventStoreBackend}), and the records they share.
 *
 * Versions are per stream and start at 0 (the Ares `sequence_number`); an
 * empty stream is at version -1. Positions are global, start at 1, and grow
 * in the order events become readable; they may have gaps, never repeats.
 */
import type { EnvelopeInput, EventEnvelope } from '@bus/core';
import type { AggregateOptions, AggregateState, Reducer } from './aggregate.js';
import type { CatchUpHandler, CatchUpOptions, CatchUpSubscription } from './catch-up.js';
import type { RetentionRule } from './retention.js';
import type { Snapshot, SnapshotInput } from './snapshots.js';

/**
 * What `append` expects the stream to be at, checked atomically with the write:
 * - a number: the version of the stream's last event (`-1` for an empty stream);
 * - `'no-stream'`: the stream has no events (same as `-1`);
 * - `'exists'`: the stream has at least one event;
 * - `'any'`: no check.
 *
 * A mismatch is a `CONCURRENCY_CONFLICT` `BusError` and nothing is written.
 *
 * @example
 * ```ts
 * const { version } = await store.append('account-1', opened, { expectedVersion: 'no-stream' });
 * await store.append('account-1', deposited, { expectedVersion: version });
 * ```
 */
export type ExpectedVersion = number | 'any' | 'no-stream' | 'exists';

/**
 * An event as stored: the envelope, where it is and when it was stored.
 *
 * @typeParam T - the type of the event's `data`.
 * @example
 * ```ts
 * for (const { event, version, position } of await store.readStream('account-1')) {
 *   console.log(position, version, event.type, event.data);
 * }
 * ```
 */
export interface StoredEvent<T = unknown> {
  /** The stream it belongs to. */
  readonly stream: string;
  /** Its version in the stream: 0 for the first event. */
  readonly version: number;
  /** Its global position: unique, and increasing in the order events become readable. */
  readonly position: number;
  /** When it was appended, RFC 3339 (retention ages events by it). */
  readonly storedAt: string;
  /** The CloudEvents envelope, as appended (after the `upcast` hook, when reading). */
  readonly event: EventEnvelope<T>;
}

/**
 * What `append` resolves to.
 *
 * @example
 * ```ts
 * const result = await store.append('cart-7', [added, removed], { expectedVersion: 3 });
 * result.version; // 5: pass it as the next expectedVersion
 * result.appended; // 2, or fewer when some event ids were stored before
 * ```
 */
export interface AppendResult {
  /**
   * The stream's version after the append: that of its last event written now,
   * or, when every event was already stored, the stream's current version.
   */
  readonly version: number;
  /**
   * The position of the last event written now, or, when every event was
   * already stored, the highest position among their stored records.
   */
  readonly position: number;
  /**
   * One record per distinct event id given, in order: written now, or (for an
   * id already stored) the record stored earlier, which is not written again.
   */
  readonly records: readonly StoredEvent[];
  /** How many events were written now. */
  readonly appended: number;
}

/**
 * Options of `append`.
 *
 * @example
 * ```ts
 * await store.append('order-1', event, { expectedVersion: 'no-stream' });
 * ```
 */
export interface AppendOptions {
  /** Default `'any'`. */
  readonly expectedVersion?: ExpectedVersion;
}

/**
 * Options of `readStream`. Both bounds are inclusive (the Ares `get_events`):
 * reading starts at `from` and stops at `to`, so backward `{ from: 5, to: 2 }`
 * reads versions 5, 4, 3, 2.
 *
 * @example
 * ```ts
 * await store.readStream('trader-1', { from: 1, to: 3 }); // versions 1, 2 and 3
 * await store.readStream('trader-1', { direction: 'backward', limit: 1 }); // the last event
 * ```
 */
export interface ReadStreamOptions {
  /** The version to start at, inclusive. Default: 0 forward; the last version backward. */
  readonly from?: number;
  /** The version to stop at, inclusive. Default: the last version forward; 0 backward. */
  readonly to?: number;
  /** `'forward'` (ascending versions, the default) or `'backward'`. */
  readonly direction?: 'forward' | 'backward';
  /** At most this many events. Default: no limit. */
  readonly limit?: number;
}

/**
 * Options of `readAll`: the global log in position order.
 *
 * @example
 * ```ts
 * const page = await store.readAll({ fromPosition: checkpoint + 1, types: ['orders.*'], limit: 500 });
 * ```
 */
export interface ReadAllOptions {
  /** The lowest position to return, inclusive. Default 1 (the start). */
  readonly fromPosition?: number;
  /** The highest position to return, inclusive. Default: no bound. */
  readonly toPosition?: number;
  /**
   * Only these types: exact types, or patterns where `*` matches one
   * dot-separated word and `#` zero or more. Exact lists are filtered by the backend.
   */
  readonly types?: readonly string[];
  /** Only events for which this returns true (runs after `types`, on upcast events). */
  readonly filter?: (record: StoredEvent) => boolean;
  /** At most this many events. Default: no limit. */
  readonly limit?: number;
}

/**
 * What `purge` removes: events stored before a moment, optionally only of some types or streams.
 *
 * @example
 * ```ts
 * await store.purge({ olderThanMs: 30 * 86_400_000, types: ['market.tick'] });
 * ```
 */
export interface PurgeCriteria {
  /** Remove events stored before this instant (ms since the epoch, or a Date). */
  readonly before?: number | Date;
  /** Remove events stored more than this many ms ago (by the store's clock). */
  readonly olderThanMs?: number;
  /** Only events of these exact types. */
  readonly types?: readonly string[];
  /** Only events of these streams. */
  readonly streams?: readonly string[];
}

/**
 * The event store: what `createEventStore()` returns and what the `store()`
 * plugin adds to the bus as `bus.eventStore`.
 *
 * @example
 * ```ts
 * const store = createEventStore({ backend: sqliteBackend({ path: 'events.db' }) });
 * await store.append('account-1', { type: 'account.opened', data: { owner: 'ada' } }, { expectedVersion: 'no-stream' });
 * const events = await store.readStream('account-1');
 * await store.close();
 * ```
 */
export interface EventStore {
  /** The backend's name (`memory`, `jsonl`, `sqlite`, `postgres`). */
  readonly backendName: string;
  /**
   * Appends events to `stream` atomically, checking `expectedVersion`. Events
   * may be partial envelopes: `id`, `source`, `specversion` and `time` are filled.
   * An event whose id is already stored is not written again (idempotent).
   */
  append(stream: string, events: EnvelopeInput | readonly EnvelopeInput[], options?: AppendOptions): Promise<AppendResult>;
  /** Reads one stream, by version, bounds inclusive. An unknown stream reads as empty. */
  readStream<T = unknown>(stream: string, options?: ReadStreamOptions): Promise<StoredEvent<T>[]>;
  /** Reads every stream in global position order. */
  readAll<T = unknown>(options?: ReadAllOptions): Promise<StoredEvent<T>[]>;
  /** The version of the stream's last event; -1 when it has none. */
  streamVersion(stream: string): Promise<number>;
  /**
   * Reads the log from a position, then keeps delivering new events as they
   * are appended, in position order, each once.
   */
  subscribe(options: CatchUpOptions, handler: CatchUpHandler): CatchUpSubscription;
  /** Stores a snapshot of a stream's state at a version. */
  saveSnapshot<S>(snapshot: SnapshotInput<S>): Promise<Snapshot<S>>;
  /** The snapshot of `stream` with the highest version, if any. */
  loadSnapshot<S = unknown>(stream: string): Promise<Snapshot<S> | undefined>;
  /** Rebuilds a stream's state from its latest snapshot and the events after it. */
  aggregate<S, T = unknown>(stream: string, reducer: Reducer<S, T>, options: AggregateOptions<S>): Promise<AggregateState<S>>;
  /** Removes events by age, type or stream; returns how many. Stream versions never go back. */
  purge(criteria: PurgeCriteria): Promise<number>;
  /** Applies every rule once; returns how many events were removed. */
  applyRetention(rules: readonly RetentionRule[]): Promise<number>;
  /** Closes subscriptions and the backend. */
  close(): Promise<void>;
}

/**
 * What a backend can do. The conformance suite in `@bus/persistence/testing`
 * selects tests by it.
 *
 * @example
 * ```ts
 * if (!backend.capabilities.durable) console.warn('events are lost on restart');
 * ```
 */
export interface BackendCapabilities {
  /** Events survive closing and reopening the backend. */
  readonly durable: boolean;
  /** Several processes (or connections) may append to the same store at once. */
  readonly multiWriter: boolean;
}

/**
 * A range of one stream, normalized by the store: bounds inclusive.
 *
 * @example
 * ```ts
 * const range: StreamRange = { low: 0, high: Number.POSITIVE_INFINITY, direction: 'forward', limit: 100 };
 * ```
 */
export interface StreamRange {
  /** The lowest version. */
  readonly low: number;
  /** The highest version (may be `Infinity`). */
  readonly high: number;
  /** Ascending or descending versions. */
  readonly direction: 'forward' | 'backward';
  /** At most this many (may be `Infinity`). */
  readonly limit: number;
}

/**
 * A range of the global log, normalized by the store.
 *
 * @example
 * ```ts
 * const range: LogRange = { fromPosition: 1, toPosition: Number.POSITIVE_INFINITY, limit: 500, types: ['orders.created'] };
 * ```
 */
export interface LogRange {
  /** The lowest position, inclusive. */
  readonly fromPosition: number;
  /** The highest position, inclusive (may be `Infinity`). */
  readonly toPosition: number;
  /** At most this many (may be `Infinity`). */
  readonly limit: number;
  /** Only these exact types, when given. */
  readonly types?: readonly string[] | undefined;
}

/**
 * An append, as the store hands it to a backend: envelopes complete, the
 * time of storage decided.
 *
 * @example
 * ```ts
 * await backend.append({ stream: 's', events: [envelope], expectedVersion: 'any', storedAt: Date.now() });
 * ```
 */
export interface AppendRequest {
  /** The stream. */
  readonly stream: string;
  /** At least one complete envelope. */
  readonly events: readonly EventEnvelope[];
  /** The check to make atomically with the write. */
  readonly expectedVersion: ExpectedVersion;
  /** When they are stored, ms since the epoch. */
  readonly storedAt: number;
}

/**
 * A purge, as the store hands it to a backend.
 *
 * @example
 * ```ts
 * await backend.purge({ before: Date.now() - 86_400_000, types: ['market.tick'] });
 * ```
 */
export interface BackendPurge {
  /** Remove events stored before this, ms since the epoch. */
  readonly before: number;
  /** Only these exact types. */
  readonly types?: readonly string[] | undefined;
  /** Only these streams. */
  readonly streams?: readonly string[] | undefined;
}

/**
 * The storage under an {@link EventStore}: four are built in (`memoryBackend`,
 * `jsonlBackend`, `sqliteBackend`, `postgresBackend`); `createEventStore`
 * adds input checks, upcasting, subscriptions, snapshots policy and retention
 * on top. Run `describeEventStoreConformance` from `@bus/persistence/testing`
 * against your own.
 *
 * A backend must: check `expectedVersion` atomically with the write and throw
 * a `CONCURRENCY_CONFLICT` `BusError` (see {@link concurrencyConflict}) with
 * nothing written on a mismatch; store an event id at most once; number
 * versions from 0 without gaps and never reuse a version or position, even
 * after a purge; and never let `readAll` return a position before one that
 * becomes readable later.
 *
 * @example
 * ```ts
 * const store = createEventStore({ backend: myBackend });
 * ```
 */
export interface EventStoreBackend {
  /** A short name for errors and reports. */
  readonly name: string;
  /** What it can do. */
  readonly capabilities: BackendCapabilities;
  /** Appends atomically; see the contract above. */
  append(request: AppendRequest): Promise<AppendResult>;
  /** Events of one stream within the range. */
  readStream(stream: string, range: StreamRange): Promise<StoredEvent[]>;
  /** Events of the log within the range, in position order. */
  readAll(range: LogRange): Promise<StoredEvent[]>;
  /** The version of the stream's last event ever appended; -1 for none. */
  streamVersion(stream: string): Promise<number>;
  /** Stores a snapshot (replacing one at the same stream and version). */
  saveSnapshot(snapshot: Snapshot): Promise<void>;
  /** The snapshot of `stream` with the highest version. */
  loadSnapshot(stream: string): Promise<Snapshot | undefined>;
  /** Removes matching events; returns how many. */
  purge(criteria: BackendPurge): Promise<number>;
  /** Releases files, connections and handles. */
  close(): Promise<void>;
}
