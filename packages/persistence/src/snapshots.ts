/**
 * Snapshots: a stream's state at a version, so an aggregate is rebuilt from
 * the latest snapshot plus the events after it instead of from the start.
 */

/**
 * A stored snapshot.
 *
 * @typeParam S - the state's type.
 * @example
 * ```ts
 * const snapshot = await store.loadSnapshot<{ balance: number }>('account-1');
 * if (snapshot) console.log(snapshot.version, snapshot.state.balance);
 * ```
 */
export interface Snapshot<S = unknown> {
  /** The stream it summarizes. */
  readonly stream: string;
  /** The version of the last event folded into `state`. */
  readonly version: number;
  /** The state; stored as JSON by the durable backends. */
  readonly state: S;
  /** When it was taken, RFC 3339. */
  readonly takenAt: string;
}

/**
 * What `saveSnapshot` takes: `takenAt` defaults to now.
 *
 * @typeParam S - the state's type.
 * @example
 * ```ts
 * await store.saveSnapshot({ stream: 'account-1', version: 99, state: { balance: 1000 } });
 * ```
 */
export interface SnapshotInput<S = unknown> {
  /** The stream it summarizes. */
  readonly stream: string;
  /** The version of the last event folded into `state` (>= 0). */
  readonly version: number;
  /** The state. */
  readonly state: S;
  /** When it was taken; default now. */
  readonly takenAt?: string | Date;
}

/**
 * When `aggregate` saves a snapshot: `every: N` saves one once N events or
 * more were folded since the latest snapshot (or since the start).
 *
 * @example
 * ```ts
 * await store.aggregate('account-1', reducer, { initial, snapshot: { every: 100 } });
 * ```
 */
export interface SnapshotPolicy {
  /** Save a snapshot once this many events (>= 1) were folded since the last one. */
  readonly every: number;
}

/**
 * Whether the policy asks for a snapshot, given the version of the latest
 * snapshot (-1 when none) and the version the state is now at.
 *
 * @example
 * ```ts
 * shouldSnapshot({ every: 100 }, -1, 99); // true: 100 events since the start
 * shouldSnapshot({ every: 100 }, 99, 150); // false: 51 since the snapshot
 * ```
 */
export function shouldSnapshot(policy: SnapshotPolicy | undefined, snapshotVersion: number, version: number): boolean {
  return policy !== undefined && version - snapshotVersion >= policy.every;
}
