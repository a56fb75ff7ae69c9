/**
 * `@bus/outbox`: the transactional outbox (publish inside your database
 * transaction; a relay sends what committed, in per-key order, with retries
 * and dead letters), scheduled delivery, and the inbox that makes consumers
 * idempotent — on Postgres or SQLite.
 *
 * @packageDocumentation
 */

import './publish-options.js';

export type { OutboxRetryOptions } from './backoff.js';
export type { InboxCounters, InboxExtension, InboxOptions } from './inbox-plugin.js';
export { INBOX_HANDLE_ORDER, inbox } from './inbox-plugin.js';
export type { OutboxControls, OutboxDeadLetters, OutboxExtension, OutboxOptions, OutboxStatus } from './outbox-plugin.js';
export { OUTBOX_GAUGES, outbox } from './outbox-plugin.js';
export type { OutboxLocation } from './outbox-url.js';
export { outboxLocation } from './outbox-url.js';
export type { PgQueryConfig } from './pg-statements.js';
export type { PgPool, PgPoolClient, PostgresOutboxOptions } from './postgres-store.js';
export { postgresOutbox } from './postgres-store.js';
export type { RelayCounters, RelayOptions, RelayShards } from './relay.js';
export type { SqliteOutboxOptions } from './sqlite-store.js';
export { sqliteOutbox } from './sqlite-store.js';
export type {
  InboxTransaction,
  OutboxDeadLetter,
  OutboxDeadLetterFilter,
  OutboxRecord,
  OutboxShardStats,
  OutboxShards,
  OutboxStats,
  OutboxStore,
  OutboxWrite,
} from './store.js';
export { outboxStoreFor } from './store-for-transaction.js';
export type { OutboxLayout } from './table-layout.js';
export type { OutboxTableNames } from './table-names.js';
export type { OutboxTransaction, PgClientLike, SqlDialect, SqliteDatabaseLike, SqlRow, SqlValue } from './transaction.js';
export { pgTransaction, sqliteTransaction } from './transaction.js';
