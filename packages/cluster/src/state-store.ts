/**
 * Where the replicated state lives: a log of key changes, each with a
 * version that grows in commit order, so a node that read up to version n
 * misses nothing by asking for what came after n.
 */

/** One change of one key. */
export interface StateChange {
  /** The state's name (`bus.cluster.state(name)`). */
  readonly scope: string;
  /** The key. */
  readonly key: string;
  /** The JSON value; `undefined` when the key was deleted. */
  readonly value: unknown;
  /** Grows with every change of the cluster, in commit order. */
  readonly version: number;
}

/**
 * The state table.
 *
 * @example
 * ```ts
 * const store: StateStore = postgresLease({ pool, name: 'billing' }).state;
 * const version = await store.put('billing', 'config', 'rate', 5);
 * const changes = await store.changesSince('billing', version - 1);
 * ```
 */
export interface StateStore {
  /** Connects (and loads what the engine holds), before the first read; called by `cluster()` at start. */
  open?(): Promise<void>;
  /** Disconnects; called by `cluster()` at stop. */
  close?(): Promise<void>;
  /** Writes `value` (`undefined` deletes); resolves to the change's version. */
  put(cluster: string, scope: string, key: string, value: unknown): Promise<number>;
  /** Every key's latest change with a version above `version`, by version. */
  changesSince(cluster: string, version: number): Promise<StateChange[]>;
}
