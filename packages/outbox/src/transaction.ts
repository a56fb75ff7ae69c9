/**
 * The one thing a store needs of a caller's transaction: run this SQL with
 * these parameters in it. Adapters turn a raw `pg` client, a `node:sqlite`
 * database or a query builder's transaction into that; any other library
 * takes four lines (see `docs/outbox.md`).
 */

import { BusError } from '@bus/core';
import { type PgQueryConfig, preparedQuery } from './pg-statements.js';

/** A parameter of a statement. */
export type SqlValue = string | number | bigint | null | Uint8Array;

/** A row a statement returned. */
export type SqlRow = Record<string, unknown>;

/** The SQL dialects the stores speak. */
export type SqlDialect = 'postgres' | 'sqlite';

/**
 * A caller's open transaction, as the outbox uses it.
 *
 * @example
 * ```ts
 * const tx: OutboxTransaction = {
 *   dialect: 'postgres',
 *   execute: async (sql, params) => (await client.query(sql, [...params])).rows,
 *   inTransaction: () => true,
 * };
 * await bus.publish('orders.created', order, { tx });
 * ```
 */
export interface OutboxTransaction {
  /** The dialect its SQL is written in: the store checks it is its own. */
  readonly dialect: SqlDialect;
  /** Runs one statement (placeholders `$1…` for Postgres, `?` for SQLite) and resolves to its rows. */
  execute(sql: string, params: readonly SqlValue[]): Promise<readonly SqlRow[]> | readonly SqlRow[];
  /** Whether it is inside a transaction now; checked before every write when present. */
  inTransaction?(): boolean;
  /** The database it is connected to (a SQLite file path, a Postgres database name), checked against the store's when both are known. */
  readonly database?: string | undefined;
  /** The handle it wraps, when it wraps one. */
  readonly handle?: unknown;
}

/** What the adapter needs of a `pg` `Client` or `PoolClient`. */
export interface PgClientLike {
  /** Runs one statement: its text and values, or a query config (`name` prepares it once per connection). */
  query(textOrConfig: string | PgQueryConfig, values?: unknown[]): Promise<{ rows: unknown[] }>;
  /** The database it connected to (`pg` sets it). */
  readonly database?: string | undefined;
}

/** What the adapter needs of a `node:sqlite` `DatabaseSync`. */
export interface SqliteDatabaseLike {
  /** Compiles a statement. */
  prepare(sql: string): { all(...params: SqlValue[]): unknown[]; run(...params: SqlValue[]): unknown };
  /** Whether a transaction is open (`node:sqlite` ≥ 22.16). */
  readonly isTransaction: boolean;
  /** The file it opened; null for an in-memory database. */
  location(): string | null;
}

/** Whether `value` is already an {@link OutboxTransaction}. */
export function isOutboxTransaction(value: unknown): value is OutboxTransaction {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as OutboxTransaction).execute === 'function' &&
    ((value as OutboxTransaction).dialect === 'postgres' || (value as OutboxTransaction).dialect === 'sqlite')
  );
}

/** Whether `value` looks like a `pg` client. */
export function isPgClient(value: unknown): value is PgClientLike {
  return typeof value === 'object' && value !== null && typeof (value as PgClientLike).query === 'function';
}

/** Whether `value` looks like a `node:sqlite` `DatabaseSync`. */
export function isSqliteDatabase(value: unknown): value is SqliteDatabaseLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as SqliteDatabaseLike).prepare === 'function' &&
    typeof (value as SqliteDatabaseLike).location === 'function'
  );
}

/**
 * Adapts a `pg` `Client` or `PoolClient` on which the caller ran `BEGIN`.
 * Whether it is in a transaction is read from the protocol's last
 * ReadyForQuery status, which `pg` keeps.
 *
 * @example
 * ```ts
 * const client = await pool.connect();
 * await client.query('BEGIN');
 * await bus.publish('orders.created', order, { tx: pgTransaction(client) }); // or { tx: client }
 * ```
 */
export function pgTransaction(client: PgClientLike): OutboxTransaction {
  if (!isPgClient(client)) throw new BusError('TX_INVALID', 'pgTransaction() takes a pg Client or PoolClient.');
  return {
    dialect: 'postgres',
    database: client.database ?? undefined,
    handle: client,
    execute: async (sql, params) => (await client.query(preparedQuery(sql, params))).rows as SqlRow[],
    inTransaction: () => {
      const status = (client as { _txStatus?: string | null })._txStatus;
      // 'T' in a transaction block, 'E' in a failed one (its COMMIT rolls back), 'I' idle; null before any query.
      return status === undefined || status === 'T';
    },
  };
}

/** Per database: its statements by SQL text, and its file (read once: `location()` is a call into SQLite). */
const statements = new WeakMap<
  SqliteDatabaseLike,
  { readonly prepared: Map<string, ReturnType<SqliteDatabaseLike['prepare']>>; readonly location: string | undefined }
>();

/**
 * Adapts a `node:sqlite` `DatabaseSync` on which the caller ran `BEGIN`.
 * Statements are prepared once per database.
 *
 * @example
 * ```ts
 * db.exec('BEGIN');
 * db.prepare('INSERT INTO orders (id) VALUES (?)').run(order.id);
 * await bus.publish('orders.created', order, { tx: db }); // or { tx: sqliteTransaction(db) }
 * db.exec('COMMIT');
 * ```
 */
export function sqliteTransaction(database: SqliteDatabaseLike): OutboxTransaction {
  if (!isSqliteDatabase(database)) throw new BusError('TX_INVALID', 'sqliteTransaction() takes a node:sqlite DatabaseSync.');
  let cache = statements.get(database);
  if (cache === undefined) {
    cache = { prepared: new Map(), location: database.location() ?? undefined };
    statements.set(database, cache);
  }
  const { prepared, location } = cache;
  return {
    dialect: 'sqlite',
    database: location,
    handle: database,
    execute: (sql, params) => {
      let statement = prepared.get(sql);
      if (statement === undefined) {
        statement = database.prepare(sql);
        prepared.set(sql, statement);
      }
      return statement.all(...params) as SqlRow[];
    },
    inTransaction: () => database.isTransaction,
  };
}
