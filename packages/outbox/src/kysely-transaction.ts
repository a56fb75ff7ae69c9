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
 * Adapts a Kysely transaction (`db.transaction().execute(async (trx) => …)`,
 * or `db.startTransaction()`), on Postgres or SQLite: the outbox's rows go
 * through the same connection as the rest of the callback's queries and
 * commit with them. Kysely does not tell which database a `trx` is on: give
 * `database` (its name, or the SQLite file) and the store checks it is its
 * own, as it does for a raw client.
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
export function kyselyTransaction<DB>(
  trx: Transaction<DB>,
  dialect: SqlDialect,
  options: { readonly database?: string } = {},
): OutboxTransaction {
  if (typeof trx?.executeQuery !== 'function') {
    throw new BusError('TX_INVALID', 'kyselyTransaction() takes the `trx` of db.transaction().execute(async (trx) => …).');
  }
  if (dialect !== 'postgres' && dialect !== 'sqlite') {
    throw new BusError('TX_INVALID', `kyselyTransaction() needs the dialect, 'postgres' or 'sqlite'; got ${String(dialect)}.`);
  }
  const state = trx as { readonly isCommitted?: boolean; readonly isRolledBack?: boolean };
  return {
    dialect,
    handle: trx,
    ...(options.database === undefined ? {} : { database: options.database }),
    execute: async (sql, params) => {
      try {
        return (await trx.executeQuery(CompiledQuery.raw(sql, [...params]))).rows as SqlRow[];
      } catch (error) {
        throw endedError(error) ?? error;
      }
    },
    // A controlled transaction (db.startTransaction()) says whether it ended; the callback form says so when used.
    inTransaction: () => trx.isTransaction && state.isCommitted !== true && state.isRolledBack !== true,
  };
}

/** Kysely's refusal to run on a transaction that ended, as the outbox's `TX_INVALID`. */
function endedError(error: unknown): BusError | undefined {
  const message = error instanceof Error ? error.message : '';
  if (!/^Transaction is already (committed|rolled back)$/.test(message)) return undefined;
  return new BusError(
    'TX_INVALID',
    `publish({ tx }) was given a Kysely transaction that ended (${message.slice('Transaction is already '.length)}): publish inside the transaction's callback, before it returns.`,
    { cause: error },
  );
}
