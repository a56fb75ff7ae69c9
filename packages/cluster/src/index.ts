/**
 * `@bus/cluster`: leader election with fencing epochs, membership and a
 * small replicated state, on engines you already run — Postgres or SQLite
 * lease rows, Kafka consumer groups. Never a consensus of its own.
 *
 * @packageDocumentation
 */

import './cluster-events.js';

export type { LeaderElectedEvent, LeadershipLostEvent } from './cluster-events.js';
export type { ClusterControls, ClusterExtension, ClusterOptions } from './cluster-plugin.js';
export { cluster } from './cluster-plugin.js';
export type { Elector, ElectorListener, LeaderTerm } from './elector.js';
export type { KafkaElectorOptions } from './kafka-elector.js';
export { kafkaElector } from './kafka-elector.js';
export type { FencedKafkaProducer, FencedKafkaProducerOptions, FencedRecord } from './kafka-fenced-producer.js';
export { fencedKafkaProducer } from './kafka-fenced-producer.js';
export type { KafkaMembersOptions } from './kafka-members.js';
export { kafkaMembers } from './kafka-members.js';
export type { KafkaStateOptions } from './kafka-state.js';
export { kafkaState } from './kafka-state.js';
export type { Leadership, LeadershipWork } from './leadership.js';
export type { LeaseTiming, LeaseTimingOptions } from './lease-timing.js';
export type { ClusterMember, MemberStore } from './member-store.js';
export type { ClusterNode, ClusterNodeOptions } from './node-identity.js';
export type { PgQueryable, PostgresLease, PostgresLeaseOptions } from './postgres-lease.js';
export { postgresLease } from './postgres-lease.js';
export type { ReplicatedState, StateChangeEvent } from './replicated-state.js';
export type { SqliteLease, SqliteLeaseOptions } from './sqlite-lease.js';
export { sqliteLease } from './sqlite-lease.js';
export type { StateChange, StateStore } from './state-store.js';
