// What each service needs of its database, on SQLite or Postgres alike: its
// tables, transactions on the app's own connection, the outbox/inbox store
// on the same database, and statements through a delivery's `ctx.tx`.
import type { OutboxStore } from '@bus/outbox';

/** A statement parameter. */
export type SqlParam = string | number | null;

/** A place to run statements: the app's open transaction, or a delivery's `ctx.tx`. */
export interface Statements {
  /** The database's own handle (a `DatabaseSync`, a `pg.PoolClient`): what `publish(…, { tx })` takes. */
  readonly handle: unknown;
  /** Runs one statement; `?` placeholders. */
  run(sql: string, params?: readonly SqlParam[]): Promise<void>;
}

/** The table definitions of a service, in each dialect. */
export interface Ddl {
  readonly sqlite: string;
  readonly postgres: string;
}

/** A service's database. */
export interface ServiceDatabase {
  readonly kind: 'sqlite' | 'postgres';
  /** Where it is, for the demo's output. */
  readonly where: string;
  /** The outbox and inbox tables' store, on this same database. */
  readonly store: OutboxStore;
  /** Creates the service's own tables if missing. */
  migrate(ddl: Ddl): Promise<void>;
  /** Runs `work` in a transaction on the app's connection: COMMIT when it resolves, ROLLBACK when it throws. */
  transaction<R>(work: (tx: Statements) => Promise<R>): Promise<R>;
  /** Statements in the transaction of a delivery's `ctx.tx` (the inbox's). */
  within(handle: unknown): Statements;
  /** Rows of a query outside any transaction; `?` placeholders. */
  query(sql: string, params?: readonly SqlParam[]): Promise<Record<string, unknown>[]>;
  /** Closes the app's connections (after the bus stopped). */
  close(): Promise<void>;
}
