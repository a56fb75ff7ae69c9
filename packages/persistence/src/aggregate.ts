/**
 * Rebuilding state: fold a stream's events over its latest snapshot, and save
 * a new snapshot when the policy asks for one.
 */
import type { EventEnvelope } from '@bus/core';
import type { EventStore, StoredEvent } from './event-store.js';
import { type SnapshotPolicy, shouldSnapshot } from './snapshots.js';

/**
 * Folds one event into the state. Return a new state rather than mutating:
 * the initial value and a loaded snapshot may be shared.
 *
 * @typeParam S - the state's type.
 * @typeParam T - the type of the events' `data`.
 * @example
 * ```ts
 * const balance: Reducer<number, { amount: number }> = (total, event) =>
 *   event.type === 'account.deposited' ? total + event.data.amount : total - event.data.amount;
 * ```
 */
export type Reducer<S, T = unknown> = (state: S, event: EventEnvelope<T>, record: StoredEvent<T>) => S;

/**
 * Options of `aggregate`.
 *
 * @typeParam S - the state's type.
 * @example
 * ```ts
 * const options: AggregateOptions<{ balance: number }> = { initial: () => ({ balance: 0 }), snapshot: { every: 50 } };
 * ```
 */
export interface AggregateOptions<S> {
  /** The state before the first event: a value, or a function that makes one. */
  readonly initial: S | (() => S);
  /** Save a snapshot when this many events were folded since the latest one. Default: never. */
  readonly snapshot?: SnapshotPolicy;
  /** Stop at this version, inclusive (a point-in-time rebuild). Default: the last event. */
  readonly toVersion?: number;
  /** Read the stream in pages of this many events. Default 1000. */
  readonly pageSize?: number;
}

/**
 * What `aggregate` resolves to.
 *
 * @typeParam S - the state's type.
 * @example
 * ```ts
 * const { state, version } = await store.aggregate('account-1', reducer, { initial: 0 });
 * await store.append('account-1', next, { expectedVersion: version });
 * ```
 */
export interface AggregateState<S> {
  /** The state after the last event folded. */
  readonly state: S;
  /** The version of the last event folded; -1 for an empty stream (pass it as `expectedVersion`). */
  readonly version: number;
  /** The version of the snapshot the rebuild started from; -1 when none was used. */
  readonly fromSnapshot: number;
  /** How many events were folded on top of the snapshot (or the initial state). */
  readonly eventsFolded: number;
  /** Whether a new snapshot was saved by this call. */
  readonly snapshotSaved: boolean;
}

/**
 * Rebuilds a stream's state from its latest snapshot (at or before
 * `toVersion`) and the events after it; `store.aggregate(...)` calls this.
 *
 * @example
 * ```ts
 * const account = await loadAggregate(store, 'account-1', (balance, event) => balance + Number(event.data), {
 *   initial: 0,
 *   snapshot: { every: 100 },
 * });
 * ```
 */
export async function loadAggregate<S, T = unknown>(
  store: EventStore,
  stream: string,
  reducer: Reducer<S, T>,
  options: AggregateOptions<S>,
): Promise<AggregateState<S>> {
  const pageSize = options.pageSize ?? 1000;
  const snapshot = await store.loadSnapshot<S>(stream);
  // Read up to the version the stream is at now, and report that version, even when the
  // last events were purged: an append expecting it then succeeds, and an event appended
  // while we read is neither folded nor claimed.
  const toVersion = options.toVersion ?? (await store.streamVersion(stream));
  const usable = snapshot !== undefined && snapshot.version <= toVersion ? snapshot : undefined;
  let state: S =
    usable !== undefined ? usable.state : typeof options.initial === 'function' ? (options.initial as () => S)() : options.initial;
  const fromSnapshot = usable?.version ?? -1;
  let version = fromSnapshot;
  let eventsFolded = 0;
  while (version < toVersion) {
    const page = await store.readStream<T>(stream, { from: version + 1, to: toVersion, limit: pageSize });
    for (const record of page) {
      state = reducer(state, record.event, record);
      version = record.version;
      eventsFolded++;
    }
    if (page.length < pageSize) break;
  }
  if (options.toVersion === undefined) version = toVersion;
  let snapshotSaved = false;
  if (eventsFolded > 0 && shouldSnapshot(options.snapshot, fromSnapshot, version)) {
    await store.saveSnapshot({ stream, version, state });
    snapshotSaved = true;
  }
  return { state, version, fromSnapshot, eventsFolded, snapshotSaved };
}
