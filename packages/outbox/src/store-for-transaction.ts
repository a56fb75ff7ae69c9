/**
 * The outbox store of the database a caller's transaction is on, for APIs
 * that are handed a session and no database URL (Marty's `EventPublisher`):
 * a `node:sqlite` `DatabaseSync` gives the SQLite store on its file, a `pg`
 * client the Postgres store on its server and database (a pool of the store's
 * own, with the client's connection parameters).
 */
import { BusError } from '@bus/core';
import { postgresOutbox } from './postgres-store.js';
import { sqliteOutbox } from './sqlite-store.js';
import type { OutboxStore } from './store.js';
import type { OutboxLayout } from './table-layout.js';
import type { OutboxTableNames } from './table-names.js';
import { isPgClient, isSqliteDatabase } from './transaction.js';

/** The connection parameters `pg` keeps on a client. */
interface PgConnectionParameters {
  readonly user?: string;
  readonly password?: string | null;
  readonly host?: string;
  readonly port?: number;
  readonly database?: string;
}

/**
 * The store on the database `tx` belongs to, with these `tables` in this
 * `layout`; `TX_INVALID` for anything else (an in-memory SQLite database has
 * no file another connection could open).
 *
 * @example
 * ```ts
 * const store = outboxStoreFor(session, { outbox: 'event_outbox' }, 'marty');
 * createBus().use(kafka({ brokers, groupId })).use(outbox({ store }));
 * ```
 */
export function outboxStoreFor(tx: unknown, tables?: OutboxTableNames, layout?: OutboxLayout): OutboxStore {
  const options = { ...(tables === undefined ? {} : { tables }), ...(layout === undefined ? {} : { layout }) };
  if (isSqliteDatabase(tx)) {
    const path = tx.location();
    if (path === null || path === '') {
      throw new BusError('TX_INVALID', 'An in-memory SQLite database has no outbox file: open the DatabaseSync on a file.');
    }
    return sqliteOutbox({ path, ...options });
  }
  const parameters = (tx as { connectionParameters?: PgConnectionParameters } | null)?.connectionParameters;
  if (isPgClient(tx) && parameters?.database !== undefined) {
    const url = new URL('postgres://localhost');
    url.hostname = parameters.host?.startsWith('/') ? 'localhost' : (parameters.host ?? 'localhost');
    url.port = String(parameters.port ?? 5432);
    url.username = encodeURIComponent(parameters.user ?? '');
    if (parameters.password) url.password = encodeURIComponent(parameters.password);
    url.pathname = `/${encodeURIComponent(parameters.database)}`;
    if (parameters.host?.startsWith('/')) url.searchParams.set('host', parameters.host);
    return postgresOutbox({ connectionString: url.href, poolSize: 2, ...options });
  }
  throw new BusError('TX_INVALID', 'outboxStoreFor() takes a node:sqlite DatabaseSync on a file or a pg Client/PoolClient.');
}
