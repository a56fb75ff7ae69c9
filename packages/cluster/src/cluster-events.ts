/**
 * The signals `cluster()` adds to `bus.events`, by augmenting `@bus/core`'s
 * signal map.
 */
import '@bus/core';
import type { BusError } from '@bus/core';
import type { ClusterMember } from './member-store.js';

/** This node became leader. */
export interface LeaderElectedEvent {
  /** The election. */
  readonly election: string;
  /** The new leadership's epoch. */
  readonly epoch: number;
  /** The shard led (0 unless the elector shards). */
  readonly shard: number;
}

/** This node stopped leading. */
export interface LeadershipLostEvent {
  /** The election. */
  readonly election: string;
  /** The epoch that ended. */
  readonly epoch: number;
  /** The shard it led. */
  readonly shard: number;
  /** Why (`LEADERSHIP_LOST`). */
  readonly reason: BusError;
}

declare module '@bus/core' {
  interface BusEventMap {
    /** `@bus/cluster`: this node leads. */
    leaderElected: [event: LeaderElectedEvent];
    /** `@bus/cluster`: this node no longer leads. */
    leadershipLost: [event: LeadershipLostEvent];
    /** `@bus/cluster`: a node's first heartbeat was seen (this node's own too). */
    memberJoined: [member: ClusterMember];
    /** `@bus/cluster`: a node left cleanly or its heartbeats stopped. */
    memberLeft: [member: ClusterMember];
  }
}
