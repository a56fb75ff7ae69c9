/**
 * `createEventStore()`: the layer every backend shares. It checks input,
 * completes envelopes, upcasts on read, runs catch-up subscriptions, the
 * snapshot policy and retention, so a backend only stores and reads.
 */
import { BusError, createEventId, type EnvelopeInput, type EventEnvelope } from '@bus/core';
import { normalizeEnvelope } from '@bus/core/plugin-kit';
import { type AggregateOptions, type AggregateState, loadAggregate, type Reducer } from './aggregate.js';
import { type CatchUpHandler, type CatchUpOptions, type CatchUpSubscription, startCatchUp } from './catch-up.js';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  EventStoreBackend,
  LogRange,
  PurgeCriteria,
  ReadAllOptions,
  ReadStreamOptions,
  StoredEvent,
} from './event-store.js';
import { assertExpectedVersion, concurrencyConflict, satisfiesExpectedVersion } from './expected-version.js';
import { applyRetention, type RetentionRule } from './retention.js';
import type { Snapshot, SnapshotInput } from './snapshots.js';
import { compileTypeFilter } from './type-filter.js';

/**
 * Options of {@link createEventStore}.
 *
 * @example
 * ```ts
 * const registry = createSchemaRegistry(); // @bus/schema, also given to schema({ registry })
 * const store = createEventStore({ backend: sqliteBackend({ path: 'events.db' }), upcast: (event) => registry.upcast(event) });
 * ```
 */
export interface EventStoreOptions {
  /** Where events are kept. */
  readonly backend: EventStoreBackend;
  /**
   * Runs on every event read (reads, subscriptions, aggregates, replays): bring
   * old events to the current shape, e.g. `(event) => registry.upcast(event)` of `@bus/schema`.
   */
  readonly upcast?: (event: EventEnvelope) => EventEnvelope;
  /** The `source` of appended events that name none. Default `'event-store'`. */
  readonly source?: string;
  /** The clock, ms since the epoch: the time events are stored at and retention ages by. Default `Date.now`. */
  readonly clock?: () => number;
  /** The default `pollIntervalMs` of subscriptions. Default 500. */
  readonly pollIntervalMs?: number;
}

const READ_PAGE = 500;

/**
 * Creates an event store over a backend.
 *
 * @example
 * ```ts
 * const store = createEventStore({ backend: memoryBackend() });
 * const { version } = await store.append('account-1', { type: 'account.opened', data: { owner: 'ada' } });
 * await store.append('account-1', { type: 'account.deposited', data: { amount: 10 } }, { expectedVersion: version });
 * ```
 */
export function createEventStore(options: EventStoreOptions): EventStore {
  return new Store(options);
}

class Store implements EventStore {
  readonly #backend: EventStoreBackend;
  readonly #upcast: ((event: EventEnvelope) => EventEnvelope) | undefined;
  readonly #clock: () => number;
  readonly #defaults: { source: string; createId: () => string };
  readonly #pollIntervalMs: number | undefined;
  readonly #appendListeners = new Set<() => void>();
  readonly #subscriptions = new Set<CatchUpSubscription>();
  #closed: Promise<void> | undefined;

  constructor(options: EventStoreOptions) {
    const backend = options?.backend;
    if (typeof backend?.append !== 'function' || typeof backend.readAll !== 'function') {
      throw new BusError(
        'PLUGIN_INVALID',
        'createEventStore({ backend }) needs a backend, e.g. memoryBackend() or sqliteBackend({ path }).',
      );
    }
    this.#backend = backend;
    this.#upcast = options.upcast;
    this.#clock = options.clock ?? Date.now;
    this.#defaults = { source: options.source ?? 'event-store', createId: createEventId };
    this.#pollIntervalMs = options.pollIntervalMs;
  }

  get backendName(): string {
    return this.#backend.name;
  }

  async append(stream: string, events: EnvelopeInput | readonly EnvelopeInput[], options?: AppendOptions): Promise<AppendResult> {
    this.#assertOpen();
    assertStream(stream);
    const expectedVersion = options?.expectedVersion ?? 'any';
    assertExpectedVersion(expectedVersion);
    const envelopes = Array.isArray(events) ? completeAll(events, this.#defaults) : [complete(events as EnvelopeInput, this.#defaults)];
    if (envelopes.length === 0) {
      const version = await this.#call(() => this.#backend.streamVersion(stream));
      if (!satisfiesExpectedVersion(expectedVersion, version)) throw concurrencyConflict(stream, expectedVersion, version);
      return { version, position: 0, records: [], appended: 0 };
    }
    // Not #call: a closure, a `.catch` promise and a microtask fewer on the hottest call; the same failures become STORE_FAILED.
    let result: AppendResult;
    try {
      result = await this.#backend.append({ stream, events: distinctById(envelopes), expectedVersion, storedAt: this.#clock() });
    } catch (error) {
      storeFailed(error);
    }
    if (result.appended > 0 && this.#appendListeners.size > 0) for (const listener of this.#appendListeners) listener();
    return result;
  }

  async readStream<T = unknown>(stream: string, options: ReadStreamOptions = {}): Promise<StoredEvent<T>[]> {
    this.#assertOpen();
    assertStream(stream);
    const direction = options.direction ?? 'forward';
    if (direction !== 'forward' && direction !== 'backward') {
      throw new BusError('INVALID_EVENT', `direction must be 'forward' or 'backward'; got ${JSON.stringify(direction)}.`);
    }
    const start = versionBound(options.from, 'from');
    const stop = versionBound(options.to, 'to');
    const low = (direction === 'forward' ? start : stop) ?? 0;
    const high = (direction === 'forward' ? stop : start) ?? Number.POSITIVE_INFINITY;
    const limit = limitOf(options.limit);
    if (low > high || limit === 0) return [];
    const records = await this.#call(() => this.#backend.readStream(stream, { low, high, direction, limit }));
    return this.#upcastAll(records) as StoredEvent<T>[];
  }

  async readAll<T = unknown>(options: ReadAllOptions = {}): Promise<StoredEvent<T>[]> {
    this.#assertOpen();
    const fromPosition = positionBound(options.fromPosition, 'fromPosition') ?? 1;
    const toPosition = positionBound(options.toPosition, 'toPosition') ?? Number.POSITIVE_INFINITY;
    const limit = limitOf(options.limit);
    const selector = compileTypeFilter(options.types);
    const filter = options.filter;
    if (fromPosition > toPosition || limit === 0) return [];
    const types = selector.exactTypes;
    if (filter === undefined && (options.types === undefined || types !== undefined)) {
      // Everything can be done by the backend in one query.
      return this.#read({ fromPosition, toPosition, limit, types }) as Promise<StoredEvent<T>[]>;
    }
    const found: StoredEvent[] = [];
    let from = fromPosition;
    for (;;) {
      const page = await this.#read({ fromPosition: from, toPosition, limit: READ_PAGE, types });
      for (const record of page) {
        if (selector.matches(record.event) && (filter === undefined || filter(record))) {
          found.push(record);
          if (found.length >= limit) return found as StoredEvent<T>[];
        }
      }
      if (page.length < READ_PAGE) return found as StoredEvent<T>[];
      from = (page.at(-1) as StoredEvent).position + 1;
    }
  }

  async streamVersion(stream: string): Promise<number> {
    this.#assertOpen();
    assertStream(stream);
    return this.#call(() => this.#backend.streamVersion(stream));
  }

  subscribe(options: CatchUpOptions, handler: CatchUpHandler): CatchUpSubscription {
    this.#assertOpen();
    const subscription = startCatchUp(
      {
        read: (range) => this.#read(range),
        onAppend: (listener) => {
          this.#appendListeners.add(listener);
          return () => this.#appendListeners.delete(listener);
        },
      },
      { ...(this.#pollIntervalMs !== undefined ? { pollIntervalMs: this.#pollIntervalMs } : {}), ...options },
      handler,
    );
    this.#subscriptions.add(subscription);
    subscription.done.then(
      () => this.#subscriptions.delete(subscription),
      () => this.#subscriptions.delete(subscription),
    );
    return subscription;
  }

  async saveSnapshot<S>(input: SnapshotInput<S>): Promise<Snapshot<S>> {
    this.#assertOpen();
    assertStream(input?.stream);
    if (!Number.isSafeInteger(input.version) || input.version < 0) {
      throw new BusError('INVALID_EVENT', `A snapshot's version must be an integer >= 0; got ${String(input.version)}.`);
    }
    const takenAt =
      input.takenAt === undefined
        ? new Date(this.#clock()).toISOString()
        : typeof input.takenAt === 'string'
          ? input.takenAt
          : input.takenAt.toISOString();
    const snapshot: Snapshot<S> = { stream: input.stream, version: input.version, state: input.state, takenAt };
    await this.#call(() => this.#backend.saveSnapshot(snapshot));
    return snapshot;
  }

  async loadSnapshot<S = unknown>(stream: string): Promise<Snapshot<S> | undefined> {
    this.#assertOpen();
    assertStream(stream);
    return this.#call(() => this.#backend.loadSnapshot(stream)) as Promise<Snapshot<S> | undefined>;
  }

  async aggregate<S, T = unknown>(stream: string, reducer: Reducer<S, T>, options: AggregateOptions<S>): Promise<AggregateState<S>> {
    if (typeof reducer !== 'function') throw new BusError('INVALID_EVENT', 'aggregate() needs a reducer function.');
    if (options?.snapshot !== undefined && !(Number.isSafeInteger(options.snapshot.every) && options.snapshot.every >= 1)) {
      throw new BusError('INVALID_EVENT', `snapshot.every must be an integer >= 1; got ${String(options.snapshot.every)}.`);
    }
    return loadAggregate(this, stream, reducer, options);
  }

  async purge(criteria: PurgeCriteria): Promise<number> {
    this.#assertOpen();
    let before: number;
    if (criteria?.olderThanMs !== undefined) {
      if (!(typeof criteria.olderThanMs === 'number' && criteria.olderThanMs >= 0)) {
        throw new BusError('INVALID_EVENT', `olderThanMs must be a number >= 0; got ${String(criteria.olderThanMs)}.`);
      }
      before = this.#clock() - criteria.olderThanMs;
    } else if (criteria?.before !== undefined) {
      before = criteria.before instanceof Date ? criteria.before.getTime() : criteria.before;
      if (!Number.isFinite(before)) throw new BusError('INVALID_EVENT', 'purge({ before }) must be a valid Date or a number of ms.');
    } else {
      throw new BusError('INVALID_EVENT', 'purge() needs `before` (a Date or ms) or `olderThanMs`.');
    }
    return this.#call(() => this.#backend.purge({ before, types: criteria.types, streams: criteria.streams }));
  }

  applyRetention(rules: readonly RetentionRule[]): Promise<number> {
    return applyRetention(this, rules);
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      await Promise.all([...this.#subscriptions].map((subscription) => subscription.close()));
      await this.#backend.close();
    })();
    return this.#closed;
  }

  #read(range: LogRange): Promise<StoredEvent[]> {
    const read = this.#call(() => this.#backend.readAll(range));
    // No extra promise per page when there is nothing to upcast: reads page through here.
    return this.#upcast === undefined ? read : read.then((records) => this.#upcastAll(records));
  }

  #upcastAll(records: StoredEvent[]): StoredEvent[] {
    const upcast = this.#upcast;
    if (upcast === undefined) return records;
    return records.map((record) => {
      const event = upcast(record.event);
      return event === record.event ? record : { ...record, event };
    });
  }

  /** Runs a backend operation; its failures become `STORE_FAILED` unless they are BusErrors already. */
  #call<R>(operation: () => Promise<R>): Promise<R> {
    try {
      return operation().catch(storeFailed);
    } catch (error) {
      return storeFailed(error);
    }
  }

  #assertOpen(): void {
    if (this.#closed !== undefined) throw new BusError('STORE_FAILED', 'The event store is closed.', { retryable: false });
  }
}

function storeFailed(error: unknown): never {
  throw BusError.from(error, 'STORE_FAILED');
}

function assertStream(stream: unknown): asserts stream is string {
  if (typeof stream !== 'string' || stream.length === 0) {
    throw new BusError('INVALID_EVENT', `A stream name must be a non-empty string; got ${JSON.stringify(stream) ?? String(stream)}.`);
  }
}

function versionBound(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 0)
    throw new BusError('INVALID_EVENT', `${name} must be a version (an integer >= 0); got ${String(value)}.`);
  return value;
}

function positionBound(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 0)
    throw new BusError('INVALID_EVENT', `${name} must be a position (an integer >= 0); got ${String(value)}.`);
  return value;
}

function limitOf(value: number | undefined): number {
  if (value === undefined) return Number.POSITIVE_INFINITY;
  if (!(Number.isSafeInteger(value) && value >= 0))
    throw new BusError('INVALID_EVENT', `limit must be an integer >= 0; got ${String(value)}.`);
  return value;
}

/**
 * The envelope itself when it is complete (as every event from a bus is),
 * else a completed copy: `normalizeEnvelope` copies every event, which was a
 * tenth of an in-memory append.
 */
function complete(input: EnvelopeInput, defaults: { source: string; createId: () => string }): EventEnvelope {
  if (
    typeof input === 'object' &&
    input !== null &&
    input.specversion === '1.0' &&
    typeof input.id === 'string' &&
    input.id.length > 0 &&
    typeof input.type === 'string' &&
    input.type.length > 0 &&
    typeof input.source === 'string' &&
    typeof input.time === 'string'
  ) {
    return input as EventEnvelope;
  }
  return normalizeEnvelope(input, defaults);
}

/** Every input completed, in a new array (a loop: `map` with a closure cost more per single-event append). */
function completeAll(inputs: readonly EnvelopeInput[], defaults: { source: string; createId: () => string }): EventEnvelope[] {
  const envelopes: EventEnvelope[] = [];
  for (let index = 0; index < inputs.length; index++) envelopes.push(complete(inputs[index] as EnvelopeInput, defaults));
  return envelopes;
}

/** The first envelope of each id: a batch that names an id twice stores it once. */
function distinctById(envelopes: readonly EventEnvelope[]): readonly EventEnvelope[] {
  if (envelopes.length === 1) return envelopes;
  const seen = new Set<string>();
  const distinct = envelopes.filter((envelope) => !seen.has(envelope.id) && seen.add(envelope.id) !== undefined);
  return distinct.length === envelopes.length ? envelopes : distinct;
}
