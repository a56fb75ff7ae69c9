/**
 * The elector contract: how the `cluster()` plugin learns that this node
 * leads, and that it no longer does. Every engine (a Postgres or SQLite
 * lease row, a Kafka consumer group) implements it; none is a consensus of
 * our own.
 */
import type { BusError } from '@bus/core';
import type { MemberStore } from './member-store.js';
import type { ClusterNode } from './node-identity.js';
import type { StateStore } from './state-store.js';

/** One leadership of this node: an epoch, and whether it still holds. */
export interface LeaderTerm {
  /** Strictly greater than the epoch of every earlier leadership of this election (of this shard). */
  readonly epoch: number;
  /** The shard led: 0, unless the elector splits the work into shards (the Kafka elector's `shards`). */
  readonly shard: number;
  /**
   * Whether the term still holds now, on this node's monotonic clock (the
   * lease was renewed less than ttl − margin ago). Checked before every fenced write.
   */
  isValid(): boolean;
  /**
   * Asks the engine whether this term is still the latest leadership of its
   * election: `true` when no later epoch began, `false` when one did. Absent
   * when the engine cannot tell. A fenced Kafka producer that a stale
   * producer start fenced re-fences only when this says `true`.
   */
  isLatest?(): Promise<boolean>;
}

/** What an elector tells the plugin. */
export interface ElectorListener {
  /** This node leads, for `term`. */
  elected(term: LeaderTerm): void;
  /** The term ended: the lease was not renewed in time, another node took it, or the elector stopped. */
  lost(term: LeaderTerm, reason: BusError): void;
  /** Something failed that did not (yet) cost the leadership: a renewal attempt, a connection. */
  failed(error: unknown): void;
}

/**
 * An election engine. `cluster()` starts it with the bus and stops it with
 * the bus (a stop releases the lease, so another node takes over at once).
 *
 * @example
 * ```ts
 * const elector: Elector = postgresLease({ pool, name: 'billing-relay' });
 * createBus().use(cluster({ elector }));
 * ```
 */
export interface Elector {
  /** The name of the election (the lease row, the coordination topic). */
  readonly name: string;
  /** Joins the election as `node`. */
  start(node: ClusterNode, listener: ElectorListener): Promise<void>;
  /** Leaves the election, stepping down first (listener `lost`). */
  stop(): Promise<void>;
  /**
   * Fences a write: in the caller's open transaction `tx`, checks that
   * `term` still holds in the engine and keeps it from changing until `tx`
   * ends. Rejects with `LEADERSHIP_LOST` when it does not hold. Absent when
   * the engine cannot fence a database transaction (Kafka).
   */
  fence?(tx: unknown, term: LeaderTerm): Promise<void>;
  /** Where heartbeats live, when the engine keeps them. */
  readonly members?: MemberStore;
  /** Where replicated state lives, when the engine keeps it. */
  readonly state?: StateStore;
}
