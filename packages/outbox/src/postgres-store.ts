/**
 * The Postgres outbox store, on `pg` (an optional peer dependency, loaded
 * only when the store makes its own pool). Rows are claimed with a lease
 * through the claim function (see `postgres-schema.ts`), so several relay
 * processes share one table; a NOTIFY in the insert statement wakes them
 * when the caller's transaction commits.
 */

import { BusError, createEventId } from '@bus/core';
import { martyColumns } from './marty-columns.js';
import { type PgQueryConfig, preparedQuery } from './pg-statements.js';
import {
  POSTGRES_SCHEMA_VERSION,
  type PostgresNames,
  postgresMartyMigration,
  postgresMigrationV1,
  postgresMigrationV2,
  postgresMigrationV3,
  postgresNames,
  postgresShardOf,
} from './postgres-schema.js';
import { deadOrder, envelopeColumns, envelopeOf, letterIdOf, millisOf, rowPayload } from './row-codec.js';
import { shardCount, shardStats } from './shards.js';
import type {
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
import { storeFailed } from './store-failed.js';
import { MARTY_STATUS, type OutboxLayout, type TableLayout, tableLayout } from './table-layout.js';
import { type OutboxTableNames, resolveTableNames, versionComponent } from './table-names.js';
import { isOutboxTransaction, isPgClient, type OutboxTransaction, pgTransaction, type SqlRow, type SqlValue } from './transaction.js';

/** What the store needs of a `pg.PoolClient`. */
export interface PgPoolClient {
  /** Runs one statement: its text and values, or a query config (`name` prepares it once per connection). */
  query(textOrConfig: string | PgQueryConfig, values?: unknown[]): Promise<{ rows: unknown[] }>;
  /** Gives the connection back (destroys it when given an error). */
  release(error?: Error | boolean): void;
  /** `notification` events of LISTEN, and `error`. */
  on(event: 'notification' | 'error', listener: (...args: unknown[]) => void): unknown;
  /** The database it is connected to. */
  readonly database?: string | undefined;
}

/** What the store needs of a `pg.Pool` (a `pg.Pool` is one). */
export interface PgPool {
  /** Runs one statement on any connection: its text and values, or a query config. */
  query(textOrConfig: string | PgQueryConfig, values?: unknown[]): Promise<{ rows: unknown[] }>;
  /** Takes a connection. */
  connect(): Promise<PgPoolClient>;
  /** Closes every connection. */
  end(): Promise<void>;
  /** The options it was made with (`pg` keeps them), for the database check of `tx`. */
  readonly options?: { readonly database?: string | undefined; readonly connectionString?: string | undefined };
}

/**
 * Options of {@link postgresOutbox}: a `pool`, or a `connectionString` to make one.
 *
 * @example
 * ```ts
 * postgresOutbox({ pool, schema: 'orders', tables: { outbox: 'order_events' } });
 * ```
 */
export interface PostgresOutboxOptions {
  /** A `pg.Pool`; `close()` leaves it open. The relay holds one of its connections for LISTEN. */
  readonly pool?: PgPool;
  /** Or a connection string: the store makes a pool (loading `pg`) and ends it at `close()`. */
  readonly connectionString?: string;
  /** The size of the pool made from `connectionString`. Default 5. */
  readonly poolSize?: number;
  /** The schema of the tables, created if missing; a lowercase identifier. Default `'public'`. */
  readonly schema?: string;
  /** The names of the tables. */
  readonly tables?: OutboxTableNames;
  /** The columns of the tables: `'bus'` (default) or Python Marty's `'marty'` (see the README). */
  readonly layout?: OutboxLayout;
}

/** The envelope's values, in every layout (`?` is the value's placeholder). */
const ENVELOPE_VALUES = ['?', '?', '?', '?::jsonb', '?::bytea', '?::smallint', 'COALESCE(?::timestamptz, now())'];

/** The INSERT of each layout: its columns and each value's SQL; the envelope's values come first. */
const INSERTS = {
  bus: {
    columns: 'event_id, event_type, partition_key, attributes, payload, payload_kind, available_at',
    values: ENVELOPE_VALUES,
  },
  marty: {
    columns:
      'event_id, event_type, bus_partition_key, bus_attributes, bus_payload, bus_payload_kind, bus_available_at, id, event_data, event_metadata, priority, scheduled_at, correlation_id, source_service, tenant_id',
    values: [...ENVELOPE_VALUES, '?', '?', '?', '?::int', '?::timestamptz', '?', '?', '?'],
  },
} as const;
/** Postgres takes at most 65 535 parameters per statement. */
const MAX_PARAMETERS = 65_535;
const CREATED_MS = '(extract(epoch FROM created_at) * 1000)::float8 AS created_ms';

/**
 * Creates the Postgres outbox store. Its tables are created (or migrated) by
 * `open()`, which the outbox plugin calls at `bus.start()`.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const bus = createBus().use(kafka({ brokers })).use(outbox({ store: postgresOutbox({ pool }) }));
 * ```
 */
export function postgresOutbox(options: PostgresOutboxOptions): OutboxStore {
  if (options?.pool === undefined && (typeof options?.connectionString !== 'string' || options.connectionString.length === 0)) {
    throw new BusError('CONFIG_INVALID', 'postgresOutbox() needs a `pool` (a pg.Pool) or a `connectionString`.');
  }
  const schema = options.schema ?? 'public';
  const layout = tableLayout(options.layout);
  const tables = resolveTableNames(options.tables, schema, layout);
  return new PostgresOutboxStore(options, schema, tables, layout);
}

class PostgresOutboxStore implements OutboxStore {
  readonly name = 'postgres';
  readonly #options: PostgresOutboxOptions;
  readonly #schema: string;
  readonly #tables: ReturnType<typeof resolveTableNames>;
  readonly #names: PostgresNames;
  readonly #layout: TableLayout;
  #pool: PgPool | undefined;
  #ownsPool = false;
  #opening: Promise<void> | undefined;

  constructor(options: PostgresOutboxOptions, schema: string, tables: ReturnType<typeof resolveTableNames>, layout: TableLayout) {
    this.#options = options;
    this.#schema = schema;
    this.#tables = tables;
    this.#layout = layout;
    this.#names = postgresNames(schema, tables);
    this.#pool = options.pool;
  }

  open(): Promise<void> {
    this.#opening ??= this.#open().catch((error: unknown) => {
      this.#opening = undefined;
      throw storeFailed(error, 'open the Postgres outbox');
    });
    return this.#opening;
  }

  async #open(): Promise<void> {
    if (this.#pool === undefined) {
      const pg = await import('pg');
      const Pool = (pg.default ?? pg).Pool;
      const pool = new Pool({ connectionString: this.#options.connectionString, max: this.#options.poolSize ?? 5 });
      // An idle connection that dies (a server restart, a dropped database) is an 'error' of the pool, which
      // drops it and connects anew at the next query; unheard, the event is an uncaught exception.
      pool.on('error', () => undefined);
      this.#pool = pool as unknown as PgPool;
      this.#ownsPool = true;
    }
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${this.#names.lockKey}:migrate`]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.#schema}"`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${this.#names.version} (component TEXT PRIMARY KEY, version INTEGER NOT NULL)`);
      const component = versionComponent(this.#tables);
      const found = await client.query(`SELECT version FROM ${this.#names.version} WHERE component = $1`, [component]);
      const version = (found.rows[0] as { version?: number } | undefined)?.version ?? 0;
      if (version > POSTGRES_SCHEMA_VERSION) {
        throw new BusError(
          'STORE_FAILED',
          `The outbox tables are at schema version ${version}, newer than this @bus/outbox (${POSTGRES_SCHEMA_VERSION}): upgrade it.`,
        );
      }
      if (version < 1 && this.#layout.name === 'marty') await client.query(postgresMartyMigration(this.#names, this.#tables, this.#layout));
      else if (version < 1) await client.query(postgresMigrationV1(this.#names, this.#tables));
      if (version < 2) await client.query(postgresMigrationV2(this.#names, this.#tables, this.#layout));
      if (version < 3) await client.query(postgresMigrationV3(this.#names, this.#layout));
      if (version < POSTGRES_SCHEMA_VERSION) {
        await client.query(
          `INSERT INTO ${this.#names.version} (component, version) VALUES ($1, $2) ON CONFLICT (component) DO UPDATE SET version = EXCLUDED.version`,
          [component, POSTGRES_SCHEMA_VERSION],
        );
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    const pool = this.#pool;
    this.#opening = undefined;
    if (this.#ownsPool && pool !== undefined) {
      this.#pool = undefined;
      this.#ownsPool = false;
      await pool.end();
    }
  }

  get #db(): PgPool {
    if (this.#pool === undefined) throw new BusError('STORE_FAILED', 'The Postgres outbox is not open: start the bus first.');
    return this.#pool;
  }

  async #query(sql: string, params: readonly unknown[] = [], what = 'use the Postgres outbox'): Promise<SqlRow[]> {
    try {
      return (await this.#db.query(preparedQuery(sql, params))).rows as SqlRow[];
    } catch (error) {
      throw storeFailed(error, what);
    }
  }

  adapt(tx: unknown): OutboxTransaction {
    let adapted: OutboxTransaction;
    if (isOutboxTransaction(tx)) adapted = tx;
    else if (isPgClient(tx) && typeof (tx as { prepare?: unknown }).prepare !== 'function') adapted = pgTransaction(tx);
    else {
      throw new BusError(
        'TX_INVALID',
        `The outbox's store is Postgres: pass { tx } a pg Client or PoolClient on which you ran BEGIN (or pgTransaction(client), kyselyTransaction(trx, 'postgres')); got ${describe(tx)}.`,
      );
    }
    if (adapted.dialect !== 'postgres') {
      throw new BusError('TX_INVALID', `The outbox's store is Postgres, but { tx } is a ${adapted.dialect} transaction.`);
    }
    const expected = this.#pool?.options?.database ?? databaseOf(this.#pool?.options?.connectionString ?? this.#options.connectionString);
    if (adapted.database !== undefined && expected !== undefined && adapted.database !== expected) {
      throw new BusError(
        'TX_INVALID',
        `{ tx } is connected to database '${adapted.database}', but the outbox's store is in '${expected}': begin the transaction on the outbox's pool.`,
      );
    }
    return adapted;
  }

  async write(tx: OutboxTransaction, rows: readonly OutboxWrite[]): Promise<void> {
    const perStatement = Math.floor(MAX_PARAMETERS / INSERTS[this.#layout.name].values.length);
    for (let start = 0; start < rows.length; start += perStatement) {
      const [sql, params] = this.#insert(rows.slice(start, start + perStatement));
      await tx.execute(sql, params);
    }
  }

  async writeNow(rows: readonly OutboxWrite[]): Promise<void> {
    const [sql, params] = this.#insert(rows);
    await this.#query(sql, params, 'write to the Postgres outbox');
  }

  /** One INSERT of every row, and a NOTIFY that Postgres delivers at commit. */
  #insert(rows: readonly OutboxWrite[]): [string, SqlValue[]] {
    const { columns, values } = INSERTS[this.#layout.name];
    const params: SqlValue[] = [];
    const tuples: string[] = [];
    for (const row of rows) {
      const c = envelopeColumns(row.envelope);
      const n = params.length;
      const at = row.availableAt === undefined ? null : new Date(row.availableAt).toISOString();
      tuples.push(`(${values.map((value, i) => value.replace('?', `$${n + i + 1}`)).join(', ')})`);
      params.push(c.eventId, c.type, c.partitionKey, c.attributes, c.payload === null ? null : asBuffer(c.payload), c.payloadKind, at);
      if (this.#layout.name === 'marty') {
        const m = martyColumns(row.envelope, c);
        params[n + 4] = m.payload === null ? null : asBuffer(m.payload); // bus_payload: only bytes that are not JSON
        params.push(m.id, m.eventData, m.eventMetadata, m.priority, at, m.correlationId, m.sourceService, m.tenantId);
      }
    }
    const sql =
      `WITH written AS (INSERT INTO ${this.#names.outbox} (${columns}) VALUES ${tuples.join(', ')} RETURNING 1) ` +
      `SELECT pg_notify('${this.#names.channel}', '') FROM (SELECT count(*) FROM written) AS n`;
    return [sql, params];
  }

  async claim(relayId: string, limit: number, leaseMs: number, shards?: OutboxShards): Promise<OutboxRecord[]> {
    const rows = await this.#query(
      `SELECT ${this.#layout.recordColumns()}, ${CREATED_MS} FROM ${this.#names.claim}($1, $2, $3, $4, $5::int[])`,
      [relayId, limit, leaseMs, shards?.count ?? 1, shards === undefined ? null : [...shards.owned]],
      'claim outbox rows',
    );
    return rows.map(toRecord).sort((a, b) => a.seq - b.seq);
  }

  async complete(relayId: string, seqs: readonly number[], keepSent: boolean): Promise<void> {
    if (seqs.length === 0) return;
    const { seq, sentAt, leaseUntil, claimedBy } = this.#layout.columns;
    await this.#query(
      keepSent
        ? `UPDATE ${this.#names.outbox} SET ${sentAt} = now(), ${leaseUntil} = NULL${this.#layout.onSent} WHERE ${seq} = ANY($1::bigint[]) AND ${claimedBy} = $2`
        : `DELETE FROM ${this.#names.outbox} WHERE ${seq} = ANY($1::bigint[]) AND ${claimedBy} = $2`,
      [seqs, relayId],
      'mark outbox rows sent',
    );
  }

  async release(relayId: string, seqs: readonly number[]): Promise<void> {
    if (seqs.length === 0) return;
    const { seq, leaseUntil, claimedBy } = this.#layout.columns;
    await this.#query(
      `UPDATE ${this.#names.outbox} SET ${leaseUntil} = NULL${this.#layout.onRelease} WHERE ${seq} = ANY($1::bigint[]) AND ${claimedBy} = $2`,
      [seqs, relayId],
      'release outbox rows',
    );
  }

  async retry(relayId: string, seq: number, attempts: number, nextAttemptAt: number, error: string): Promise<void> {
    const c = this.#layout.columns;
    await this.#query(
      `UPDATE ${this.#names.outbox} SET attempts = $3, ${c.availableAt} = $4::timestamptz, ${c.lastError} = $5, ${c.leaseUntil} = NULL${this.#layout.onRelease} WHERE ${c.seq} = $1 AND ${c.claimedBy} = $2`,
      [seq, relayId, attempts, new Date(nextAttemptAt).toISOString(), error],
      'schedule an outbox retry',
    );
  }

  async bury(relayId: string, seq: number, attempts: number, error: string): Promise<void> {
    const outbox = this.#names.outbox;
    const dead = this.#names.dead;
    if (this.#layout.name === 'marty') {
      // The row stays, marked dead as Python's _move_to_dead_letter did, beside its dead-letter row.
      await this.#query(
        `WITH gone AS (UPDATE ${outbox} SET status = '${MARTY_STATUS.deadLetter}', is_dead_letter = TRUE, attempts = $3,
                          error_message = $4, bus_lease_until = NULL WHERE bus_seq = $1 AND bus_claimed_by = $2 RETURNING *)
         INSERT INTO ${dead} (id, original_event_id, event_type, event_data, event_metadata, failure_reason, attempts_made, source_service, bus_seq)
         SELECT $5, event_id, event_type, event_data, event_metadata, $4, $3, source_service, bus_seq FROM gone`,
        [seq, relayId, attempts, error, createEventId()],
        'dead-letter an outbox row',
      );
      return;
    }
    await this.#query(
      `WITH gone AS (DELETE FROM ${outbox} WHERE seq = $1 AND claimed_by = $2 RETURNING *)
       INSERT INTO ${dead} (seq, event_id, event_type, partition_key, attributes, payload, payload_kind, created_at, attempts, last_error)
       SELECT seq, event_id, event_type, partition_key, attributes, payload, payload_kind, created_at, $3, $4 FROM gone`,
      [seq, relayId, attempts, error],
      'dead-letter an outbox row',
    );
  }

  /** `<seq> IN (the seqs of the dead letters `filter` picks)`, with `outer` as the seq of the statement's row. */
  #deadWhere(filter: OutboxDeadLetterFilter, outer = this.#layout.dead.seq): [string, unknown[]] {
    const { seq, eventId, letterId } = this.#layout.dead;
    const clauses: string[] = [];
    const params: unknown[] = [];
    if (filter.ids !== undefined) {
      params.push(filter.ids);
      clauses.push(`${eventId} = ANY($${params.length}::text[])`);
    }
    if (filter.seqs !== undefined) {
      params.push(filter.seqs);
      clauses.push(`${seq} = ANY($${params.length}::bigint[])`);
    }
    if (filter.letterIds !== undefined && letterId === undefined) clauses.push('FALSE');
    else if (filter.letterIds !== undefined) {
      params.push(filter.letterIds);
      clauses.push(`${letterId} = ANY($${params.length}::text[])`);
    }
    if (filter.type !== undefined) {
      params.push(filter.type);
      clauses.push(`event_type = $${params.length}`);
    }
    const since = millisOf(filter.since);
    if (since !== undefined) {
      params.push(new Date(since).toISOString());
      clauses.push(`failed_at >= $${params.length}::timestamptz`);
    }
    const until = millisOf(filter.until);
    if (until !== undefined) {
      params.push(new Date(until).toISOString());
      clauses.push(`failed_at < $${params.length}::timestamptz`);
    }
    const limit = filter.limit === undefined ? '' : ` ORDER BY ${deadOrder(filter, seq)} LIMIT ${Math.max(0, Math.floor(filter.limit))}`;
    const where = `${clauses.length === 0 ? 'TRUE' : clauses.join(' AND ')}${limit}`;
    return [`${outer} IN (SELECT ${seq} FROM ${this.#names.dead} WHERE ${where})`, params];
  }

  async listDeadLetters(filter: OutboxDeadLetterFilter): Promise<OutboxDeadLetter[]> {
    const { deadEnvelope: e, dead } = this.#layout;
    const [where, params] = this.#deadWhere({ ...filter, limit: filter.limit ?? 100 }, `d.${dead.seq}`);
    const rows = await this.#query(
      `SELECT ${this.#layout.recordColumns(`${e}.`)}, d.${dead.lastError} AS last_error,${dead.letterId === undefined ? '' : ` d.${dead.letterId} AS letter_id,`}
              (extract(epoch FROM ${e}.created_at) * 1000)::float8 AS created_ms, (extract(epoch FROM d.failed_at) * 1000)::float8 AS failed_ms
         FROM ${this.#layout.deadFrom(this.#names.outbox, this.#names.dead)} WHERE ${where} ORDER BY ${deadOrder(filter)}`,
      params,
      'list outbox dead letters',
    );
    return rows.map((row) => ({
      ...toRecord(row),
      lastError: String(row.last_error),
      failedAt: Number(row.failed_ms),
      ...letterIdOf(row),
    }));
  }

  async redrive(filter: OutboxDeadLetterFilter): Promise<number> {
    const [where, params] = this.#deadWhere(filter);
    const outbox = this.#names.outbox;
    const written =
      this.#layout.name === 'marty'
        ? `UPDATE ${outbox} SET status = '${MARTY_STATUS.pending}', is_dead_letter = FALSE, attempts = 0, error_message = NULL,
                  bus_available_at = now(), bus_lease_until = NULL, bus_claimed_by = NULL WHERE bus_seq IN (SELECT bus_seq FROM revived) RETURNING 1`
        : `INSERT INTO ${outbox} (seq, event_id, event_type, partition_key, attributes, payload, payload_kind, created_at)
                        SELECT seq, event_id, event_type, partition_key, attributes, payload, payload_kind, created_at FROM revived RETURNING 1`;
    const rows = await this.#query(
      `WITH revived AS (DELETE FROM ${this.#names.dead} WHERE ${where} RETURNING *), written AS (${written})
       SELECT count(*)::int AS n, pg_notify('${this.#names.channel}', '') FROM written`,
      params,
      'redrive outbox dead letters',
    );
    return Number(rows[0]?.n ?? 0);
  }

  async purge(filter: OutboxDeadLetterFilter): Promise<number> {
    const [where, params] = this.#deadWhere(filter);
    // The Marty layout's dead rows are in the outbox too, marked: they go with their dead letters.
    const rows =
      this.#layout.name === 'marty'
        ? `, rows AS (DELETE FROM ${this.#names.outbox} WHERE is_dead_letter AND bus_seq IN (SELECT seq FROM gone))`
        : '';
    const result = await this.#query(
      `WITH gone AS (DELETE FROM ${this.#names.dead} WHERE ${where} RETURNING ${this.#layout.dead.seq} AS seq)${rows} SELECT count(*)::int AS n FROM gone`,
      params,
      'purge outbox dead letters',
    );
    return Number(result[0]?.n ?? 0);
  }

  async stats(): Promise<OutboxStats> {
    const { availableAt } = this.#layout.columns;
    const [row] = await this.#query(
      `SELECT count(*)::int AS pending,
              count(*) FILTER (WHERE ${availableAt} > now())::int AS scheduled,
              COALESCE((extract(epoch FROM now() - min(${availableAt}) FILTER (WHERE ${availableAt} <= now())) * 1000)::float8, 0) AS oldest_ms,
              (SELECT count(*)::int FROM ${this.#names.dead}) AS dead
         FROM ${this.#names.outbox} WHERE ${this.#layout.unsent()}`,
      [],
      'read outbox stats',
    );
    return {
      pending: Number(row?.pending ?? 0),
      scheduled: Number(row?.scheduled ?? 0),
      oldestPendingAgeMs: Math.max(0, Math.round(Number(row?.oldest_ms ?? 0))),
      dead: Number(row?.dead ?? 0),
    };
  }

  async statsByShard(count: number): Promise<OutboxShardStats[]> {
    const { availableAt } = this.#layout.columns;
    const rows = await this.#query(
      `SELECT ${postgresShardOf('o', '$1::int', this.#layout)} AS shard, count(*)::int AS pending,
              count(*) FILTER (WHERE ${availableAt} > now())::int AS scheduled,
              COALESCE((extract(epoch FROM now() - min(${availableAt}) FILTER (WHERE ${availableAt} <= now())) * 1000)::float8, 0) AS oldest_ms
         FROM ${this.#names.outbox} AS o WHERE ${this.#layout.unsent()} GROUP BY 1`,
      [shardCount(count)],
      'read outbox stats by shard',
    );
    return shardStats(count, rows);
  }

  async nextDueAt(): Promise<number | undefined> {
    const { availableAt: at, leaseUntil } = this.#layout.columns;
    const [row] = await this.#query(
      `SELECT (extract(epoch FROM min(GREATEST(${at}, COALESCE(${leaseUntil}, ${at})))) * 1000)::float8 AS due FROM ${this.#names.outbox} WHERE ${this.#layout.unsent()}`,
      [],
      'read the next outbox due time',
    );
    return row?.due === null || row?.due === undefined ? undefined : Number(row.due);
  }

  async cleanup(olderThan: number): Promise<number> {
    const { sentAt } = this.#layout.columns;
    const rows = await this.#query(
      `WITH gone AS (DELETE FROM ${this.#names.outbox} WHERE ${sentAt} IS NOT NULL AND ${sentAt} < $1::timestamptz RETURNING 1) SELECT count(*)::int AS n FROM gone`,
      [new Date(olderThan).toISOString()],
      'delete sent outbox rows',
    );
    return Number(rows[0]?.n ?? 0);
  }

  async watch(wake: () => void): Promise<() => Promise<void>> {
    let client: PgPoolClient | undefined;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // A connection given back once: one that errors after stop() released it (its database dropped) is not
    // released again (pg-pool throws on a second release, from an event handler: an uncaught exception).
    const released = new WeakSet<PgPoolClient>();
    const release = (connection: PgPoolClient, destroy?: boolean): void => {
      if (released.has(connection)) return;
      released.add(connection);
      connection.release(destroy);
    };
    const listen = async (): Promise<void> => {
      try {
        const next = await this.#db.connect();
        if (stopped) {
          next.release();
          return;
        }
        next.on('notification', () => wake());
        next.on('error', () => {
          if (released.has(next)) return;
          release(next, true);
          if (client === next) client = undefined;
          if (!stopped) timer = setTimeout(() => void listen(), 1_000);
        });
        await next.query(`LISTEN "${this.#names.channel}"`);
        client = next;
        wake(); // rows committed while not listening
      } catch {
        if (!stopped) timer = setTimeout(() => void listen(), 1_000);
      }
    };
    await listen();
    return async () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      const held = client;
      client = undefined;
      if (held !== undefined) {
        await held.query(`UNLISTEN "${this.#names.channel}"`).catch(() => undefined);
        release(held);
      }
    };
  }

  written(): void {
    // Postgres delivers the insert's NOTIFY at commit.
  }

  async beginInbox(): Promise<InboxTransaction> {
    let client: PgPoolClient;
    try {
      client = await this.#db.connect();
      await client.query('BEGIN');
    } catch (error) {
      throw storeFailed(error, 'begin an inbox transaction');
    }
    let done = false;
    const end = async (sql: string): Promise<void> => {
      if (done) return;
      done = true;
      try {
        await client.query(sql);
        client.release();
      } catch (error) {
        client.release(true);
        throw storeFailed(error, `${sql.toLowerCase()} an inbox transaction`);
      }
    };
    return { tx: pgTransaction(client), handle: client, commit: () => end('COMMIT'), rollback: () => end('ROLLBACK') };
  }

  async recordInbox(tx: OutboxTransaction, consumer: string, eventId: string): Promise<boolean> {
    const rows = await tx.execute(
      `INSERT INTO ${this.#names.inbox} (consumer, event_id) VALUES ($1, $2) ON CONFLICT (consumer, event_id) DO NOTHING RETURNING 1 AS fresh`,
      [consumer, eventId],
    );
    return rows.length === 1;
  }

  async cleanupInbox(olderThan: number): Promise<number> {
    const rows = await this.#query(
      `WITH gone AS (DELETE FROM ${this.#names.inbox} WHERE handled_at < $1::timestamptz RETURNING 1) SELECT count(*)::int AS n FROM gone`,
      [new Date(olderThan).toISOString()],
      'delete old inbox records',
    );
    return Number(rows[0]?.n ?? 0);
  }
}

function toRecord(row: SqlRow): OutboxRecord {
  return {
    seq: Number(row.seq),
    envelope: envelopeOf(row.attributes as object, rowPayload(row), Number(row.payload_kind)),
    attempts: Number(row.attempts),
    createdAt: Number(row.created_ms),
  };
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function databaseOf(connectionString: string | undefined): string | undefined {
  if (connectionString === undefined) return undefined;
  try {
    const name = new URL(connectionString).pathname.replace(/^\//, '');
    return name.length > 0 ? decodeURIComponent(name) : undefined;
  } catch {
    return undefined;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return value.constructor?.name ?? 'an object';
}
