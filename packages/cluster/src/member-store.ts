/**
 * Where the heartbeats of the nodes live (a table of the lease's database):
 * the contract the membership loop of `cluster()` writes and reads.
 */
import type { ClusterNode } from './node-identity.js';

/** A live node, as its last heartbeat described it. */
export interface ClusterMember extends ClusterNode {
  /** When its last heartbeat was written, in epoch ms (the engine's clock). */
  readonly seenAt: number;
}

/**
 * The heartbeat table.
 *
 * @example
 * ```ts
 * const store: MemberStore = postgresLease({ pool, name: 'billing' }).members;
 * await store.heartbeat('billing', node);
 * ```
 */
export interface MemberStore {
  /** Connects, before the first heartbeat; called by `cluster()` at start. */
  open?(): Promise<void>;
  /** Disconnects; called by `cluster()` at stop. */
  close?(): Promise<void>;
  /** Writes (or refreshes) `node`'s heartbeat in `cluster`. */
  heartbeat(cluster: string, node: ClusterNode): Promise<void>;
  /** The nodes of `cluster` whose last heartbeat is younger than `liveWithinMs` (engine clock). */
  live(cluster: string, liveWithinMs: number): Promise<ClusterMember[]>;
  /** Removes `nodeId`'s heartbeat (a clean leave). */
  leave(cluster: string, nodeId: string): Promise<void>;
}
