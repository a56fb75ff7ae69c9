/**
 * `@bus/persistence`: the event store of the bus. Append with an expected
 * version, read streams and the global log, catch-up subscriptions, replay
 * into the bus, snapshots, retention and compression; backends in memory,
 * JSON Lines files, SQLite (`node:sqlite`, the embedded default) and Postgres.
 *
 * @packageDocumentation
 */

export type { AggregateOptions, AggregateState, Reducer } from './aggregate.js';
export { loadAggregate } from './aggregate.js';
export type { CatchUpHandler, CatchUpOptions, CatchUpSubscription } from './catch-up.js';
export type { EventStoreOptions } from './create-event-store.js';
export { createEventStore } from './create-event-store.js';
export type {
  AppendOptions,
  AppendRequest,
  AppendResult,
  BackendCapabilities,
  BackendPurge,
  EventStore,
  EventStoreBackend,
  ExpectedVersion,
  LogRange,
  PurgeCriteria,
  ReadAllOptions,
  ReadStreamOptions,
  StoredEvent,
  StreamRange,
} from './event-store.js';
export { concurrencyConflict, satisfiesExpectedVersion } from './expected-version.js';
export type { JsonlBackendOptions } from './jsonl-backend.js';
export { jsonlBackend } from './jsonl-backend.js';
export { memoryBackend } from './memory-backend.js';
export type { PgPool, PostgresBackendOptions } from './postgres-backend.js';
export { postgresBackend } from './postgres-backend.js';
export type { ReplayFilter, ReplayResult } from './replay.js';
export { isReplay, replay } from './replay.js';
export type { RetentionRule } from './retention.js';
export { applyRetention } from './retention.js';
export type { Snapshot, SnapshotInput, SnapshotPolicy } from './snapshots.js';
export { shouldSnapshot } from './snapshots.js';
export type { SqliteBackendOptions } from './sqlite-backend.js';
export { sqliteBackend } from './sqlite-backend.js';
export type { BusEventStore, EventStoreExtension, StorePluginOptions } from './store-plugin.js';
export { store } from './store-plugin.js';
export type { TypeSelector } from './type-filter.js';
export { matchesType } from './type-filter.js';
