/**
 * `@bus/outbox/kysely`: the outbox's transaction adapter for Kysely, the
 * typed SQL query builder. Its own entry point, so that only its users load `kysely`.
 *
 * @packageDocumentation
 */
import { BusError } from '@bus/core';
import { CompiledQuery, type Transaction } from 'kysely';
import type { OutboxTransaction, SqlDialect, SqlRow } from './transaction.js';

/**
 * Adapts a Kysely transaction (`db.transaction().execute(async (trx) => …)`),
 * on Postgres or SQLite: the outbox's rows go through the same connection as
 * the rest of the callback's queries and commit with them.
 *
 * @example
 * ```ts
 * import { kyselyTransaction } from '@bus/outbox/kysely';
 * await db.transaction().execute(async (trx) => {
 *   await trx.insertInto('orders').values(order).execute();
 *   await bus.publish('orders.created', order, { tx: kyselyTransaction(trx, 'postgres') });
 * });
 * ```
 */
export function kyselyTransaction<DB>(trx: Transaction<DB>, dialect: SqlDialect): OutboxTransaction {
  if (typeof trx?.executeQuery !== 'function') {
    throw new BusError('TX_INVALID', 'kyselyTransaction() takes the `trx` of db.transaction().execute(async (trx) => …).');
  }
  if (dialect !== 'postgres' && dialect !== 'sqlite') {
    throw new BusError('TX_INVALID', `kyselyTransaction() needs the dialect, 'postgres' or 'sqlite'; got ${String(dialect)}.`);
  }
  return {
    dialect,
    handle: trx,
    execute: async (sql, params) => (await trx.executeQuery(CompiledQuery.raw(sql, [...params]))).rows as SqlRow[],
    inTransaction: () => trx.isTransaction,
  };
}
