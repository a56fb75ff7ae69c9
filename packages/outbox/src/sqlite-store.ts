/**
 * The SQLite outbox store, on `node:sqlite` (the zero-setup default). The
 * caller writes rows through its own `DatabaseSync` inside its own
 * transaction; the relay and the inbox use connections of the store's own on
 * the same file (WAL mode), which never wait on the caller's lock: the
 * driver is synchronous, so a wait would block the very event loop the
 * caller needs to commit. A busy database is retried after a few ms instead.
 * Commits in this process wake the relay at once (the store watches the
 * writing connection until its transaction ends); other processes' commits
 * are seen at the next poll.
 */
import path from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { BusError, createEventId } from '@bus/core';
import PQueue from 'p-queue';
import { martyColumns, sqliteMartyMs, sqliteMartyTime } from './marty-columns.js';
import { deadOrder, envelopeColumns, envelopeOf, letterIdOf, millisOf, rowPayload } from './row-codec.js';
import { keyShard, shardCount, shardStats } from './shards.js';
import { SQLITE_SCHEMA_VERSION, SQLITE_SHARD_FUNCTION, sqliteClaimSql, sqliteMartyMigration, sqliteMigrationV1 } from './sqlite-schema.js';
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
import { type OutboxTableNames, type ResolvedTableNames, resolveTableNames, versionComponent } from './table-names.js';
import {
  isOutboxTransaction,
  isSqliteDatabase,
  type OutboxTransaction,
  type SqlRow,
  type SqlValue,
  sqliteTransaction,
} from './transaction.js';

/**
 * Options of {@link sqliteOutbox}: the database file, as a `path` or as the
 * application's own `DatabaseSync` (the store opens its own connections to the same file).
 *
 * @example
 * ```ts
 * const db = new DatabaseSync('orders.db');
 * const bus = createBus().use(outbox({ store: sqliteOutbox({ database: db }) }));
 * ```
 */
export interface SqliteOutboxOptions {
  /** The database file. */
  readonly path?: string;
  /** Or the application's connection to it. An in-memory database is shared with it instead (one connection). */
  readonly database?: DatabaseSync;
  /** The names of the tables. */
  readonly tables?: OutboxTableNames;
  /** The columns of the tables: `'bus'` (default) or Python Marty's `'marty'` (see the README). */
  readonly layout?: OutboxLayout;
  /** How long a store call retries a database another connection holds, in ms. Default 5 000. */
  readonly busyTimeoutMs?: number;
}

/** SQLite takes at most 32 766 parameters per statement. */
const MAX_PARAMETERS = 32_766;
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;

/**
 * Creates the SQLite outbox store. Its tables are created (or migrated) by
 * `open()`, which the outbox plugin calls at `bus.start()`.
 *
 * @example
 * ```ts
 * const bus = createBus().use(outbox({ store: sqliteOutbox({ path: 'orders.db' }) }));
 * await bus.start();
 * db.exec('BEGIN');
 * db.prepare('INSERT INTO orders (id) VALUES (?)').run('o-1');
 * await bus.publish('orders.created', { id: 'o-1' }, { tx: db });
 * db.exec('COMMIT'); // the relay sends it now
 * ```
 */
export function sqliteOutbox(options: SqliteOutboxOptions): OutboxStore {
  const given = options?.database;
  if (given !== undefined && !isSqliteDatabase(given)) {
    throw new BusError('CONFIG_INVALID', 'sqliteOutbox({ database }) takes a node:sqlite DatabaseSync.');
  }
  const file = options?.path ?? given?.location() ?? undefined;
  if (file === undefined && given === undefined) {
    throw new BusError('CONFIG_INVALID', 'sqliteOutbox() needs a `path` or a `database` (a node:sqlite DatabaseSync).');
  }
  const layout = tableLayout(options.layout);
  return new SqliteOutboxStore(
    options,
    file === undefined || file === ':memory:' ? undefined : path.resolve(file),
    resolveTableNames(options.tables, undefined, layout),
    layout,
  );
}

class SqliteOutboxStore implements OutboxStore {
  readonly name = 'sqlite';
  readonly #options: SqliteOutboxOptions;
  /** The file, or undefined for an in-memory database shared with the caller. */
  readonly #file: string | undefined;
  readonly #t: ResolvedTableNames;
  readonly #layout: TableLayout;
  /** A time in the layout's time columns, and back: epoch ms (`'bus'`), SQLAlchemy's text (`'marty'`). */
  readonly #time: (ms: number) => SqlValue;
  readonly #ms: (value: unknown) => number;
  readonly #insertSqls = new Map<number, string>();
  readonly #busyTimeoutMs: number;
  #db: DatabaseSync | undefined;
  #inboxDb: DatabaseSync | undefined;
  readonly #inboxQueue = new PQueue({ concurrency: 1 });
  readonly #statements = new Map<string, ReturnType<DatabaseSync['prepare']>>();
  readonly #wakes = new Set<() => void>();
  /** The transactions written in and not yet ended, one per database handle (each publish adapts the handle anew). */
  readonly #watched = new Map<unknown, OutboxTransaction>();
  #watchTimer: ReturnType<typeof setInterval> | undefined;

  constructor(options: SqliteOutboxOptions, file: string | undefined, tables: ResolvedTableNames, layout: TableLayout) {
    this.#options = options;
    this.#file = file;
    this.#t = tables;
    this.#layout = layout;
    this.#time = layout.name === 'marty' ? sqliteMartyTime : (ms) => ms;
    this.#ms = layout.name === 'marty' ? sqliteMartyMs : Number;
    this.#busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
  }

  async open(): Promise<void> {
    if (this.#db !== undefined) return;
    try {
      const db = await this.#connect();
      await this.#retryBusy('migrate the SQLite outbox', () => {
        db.exec('BEGIN IMMEDIATE');
        try {
          db.exec(`CREATE TABLE IF NOT EXISTS "${this.#t.version}" (component TEXT PRIMARY KEY, version INTEGER NOT NULL)`);
          const component = versionComponent(this.#t);
          const row = db.prepare(`SELECT version FROM "${this.#t.version}" WHERE component = ?`).get(component) as
            | { version?: number }
            | undefined;
          const version = row?.version ?? 0;
          if (version > SQLITE_SCHEMA_VERSION) {
            throw new BusError(
              'STORE_FAILED',
              `The outbox tables are at schema version ${version}, newer than this @bus/outbox (${SQLITE_SCHEMA_VERSION}): upgrade it.`,
            );
          }
          if (version < 1) {
            db.exec(this.#layout.name === 'marty' ? sqliteMartyMigration(this.#t, this.#layout) : sqliteMigrationV1(this.#t));
            db.prepare(`INSERT OR REPLACE INTO "${this.#t.version}" (component, version) VALUES (?, ?)`).run(
              component,
              SQLITE_SCHEMA_VERSION,
            );
          }
          db.exec('COMMIT');
        } catch (error) {
          db.exec('ROLLBACK');
          throw error;
        }
      });
      db.function(SQLITE_SHARD_FUNCTION, { deterministic: true }, (key, count) =>
        keyShard(typeof key === 'string' ? key : null, Number(count)),
      );
      this.#db = db;
    } catch (error) {
      throw storeFailed(error, 'open the SQLite outbox');
    }
  }

  /** A connection of the store's own, in WAL mode, that never waits on a lock (see the file comment). */
  async #connect(): Promise<DatabaseSync> {
    if (this.#file === undefined) return this.#options.database as DatabaseSync;
    // Loaded at run time: bundlers drop the `node:` prefix of a static import, and `sqlite` is no module.
    const { DatabaseSync: Database } = process.getBuiltinModule('node:sqlite');
    const db = new Database(this.#file, { timeout: 0 });
    await this.#retryBusy('open the SQLite outbox', () => db.exec('PRAGMA journal_mode = WAL'));
    db.exec('PRAGMA synchronous = NORMAL');
    return db;
  }

  async close(): Promise<void> {
    if (this.#watchTimer !== undefined) clearInterval(this.#watchTimer);
    this.#watchTimer = undefined;
    this.#watched.clear();
    await this.#inboxQueue.onIdle();
    this.#statements.clear();
    if (this.#file !== undefined) {
      this.#db?.close();
      this.#inboxDb?.close();
    }
    this.#db = undefined;
    this.#inboxDb = undefined;
  }

  /** Runs `work` again after a few ms while another connection holds the database, up to the busy timeout. */
  async #retryBusy<R>(what: string, work: () => R): Promise<R> {
    const deadline = performance.now() + this.#busyTimeoutMs;
    let delay = 1;
    while (true) {
      try {
        return work();
      } catch (error) {
        if (!isBusy(error) || performance.now() >= deadline) throw storeFailed(error, what);
        await sleep(delay);
        delay = Math.min(delay * 2, 20);
      }
    }
  }

  #prepared(sql: string): ReturnType<DatabaseSync['prepare']> {
    const db = this.#db;
    if (db === undefined) throw new BusError('STORE_FAILED', 'The SQLite outbox is not open: start the bus first.');
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs one statement on the store's connection; on a shared in-memory database, never inside the caller's transaction. */
  #all(what: string, sql: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> {
    return this.#retryBusy(what, () => {
      if (this.#file === undefined && this.#db?.isTransaction === true) throw busyError();
      return this.#prepared(sql).all(...params) as SqlRow[];
    });
  }

  adapt(tx: unknown): OutboxTransaction {
    let adapted: OutboxTransaction;
    if (isOutboxTransaction(tx)) adapted = tx;
    else if (isSqliteDatabase(tx)) adapted = sqliteTransaction(tx);
    else {
      throw new BusError(
        'TX_INVALID',
        `The outbox's store is SQLite: pass { tx } the node:sqlite DatabaseSync on which you ran BEGIN (or sqliteTransaction(db), kyselyTransaction(trx, 'sqlite')); got ${tx === null ? 'null' : typeof tx}.`,
      );
    }
    if (adapted.dialect !== 'sqlite') {
      throw new BusError('TX_INVALID', `The outbox's store is SQLite, but { tx } is a ${adapted.dialect} transaction.`);
    }
    const theirs = adapted.database === undefined ? undefined : path.resolve(adapted.database);
    const sameFile = this.#file === undefined ? adapted.handle === this.#options.database : theirs === undefined || theirs === this.#file;
    if (!sameFile) {
      throw new BusError(
        'TX_INVALID',
        `{ tx } is a connection to ${theirs ?? 'another database'}, but the outbox's store is ${this.#file ?? 'an in-memory database'}: write in a transaction on the outbox's database.`,
      );
    }
    return adapted;
  }

  async write(tx: OutboxTransaction, rows: readonly OutboxWrite[]): Promise<void> {
    const now = Date.now();
    const perStatement = Math.floor(MAX_PARAMETERS / this.#perRow);
    if (rows.length <= perStatement) {
      const [sql, params] = this.#insert(rows, now);
      await tx.execute(sql, params);
      return;
    }
    for (let start = 0; start < rows.length; start += perStatement) {
      const [sql, params] = this.#insert(rows.slice(start, start + perStatement), now);
      await tx.execute(sql, params);
    }
  }

  async writeNow(rows: readonly OutboxWrite[]): Promise<void> {
    const [sql, params] = this.#insert(rows, Date.now());
    await this.#all('write to the SQLite outbox', sql, params);
    for (const wake of this.#wakes) wake();
  }

  /** Values per row: the envelope's 8, and 8 more of Python's columns in the `'marty'` layout. */
  get #perRow(): number {
    return this.#layout.name === 'marty' ? 16 : 8;
  }

  #insert(rows: readonly OutboxWrite[], now: number): [string, SqlValue[]] {
    const params: SqlValue[] = [];
    const created = this.#time(now);
    for (const row of rows) {
      const c = envelopeColumns(row.envelope);
      const at = Math.max(now, row.availableAt ?? now);
      params.push(c.eventId, c.type, c.partitionKey, c.attributes, c.payload, c.payloadKind, created, at);
      if (this.#layout.name === 'marty') {
        const m = martyColumns(row.envelope, c);
        params[params.length - 4] = m.payload; // bus_payload: only bytes that are not JSON
        const scheduled = row.availableAt === undefined ? null : this.#time(row.availableAt);
        params.push(m.id, m.eventData, m.eventMetadata, m.priority, scheduled, m.correlationId, m.sourceService, m.tenantId);
      }
    }
    return [this.#insertSql(rows.length), params];
  }

  /** The INSERT of `count` rows, made once per count (the same string each time keeps the statement cache's lookups cheap). */
  #insertSql(count: number): string {
    let sql = this.#insertSqls.get(count);
    if (sql === undefined) {
      const c = this.#layout.columns;
      const columns = `event_id, event_type, ${c.partitionKey}, ${c.attributes}, ${this.#layout.name === 'marty' ? 'bus_payload' : 'payload'}, ${c.payloadKind}, created_at, ${c.availableAt}`;
      const marty = ', id, event_data, event_metadata, priority, scheduled_at, correlation_id, source_service, tenant_id';
      const tuple = `(${Array.from({ length: this.#perRow }, () => '?').join(', ')})`;
      sql = `INSERT INTO "${this.#t.outbox}" (${columns}${this.#layout.name === 'marty' ? marty : ''}) VALUES ${Array.from({ length: count }, () => tuple).join(', ')}`;
      if (this.#insertSqls.size < 64) this.#insertSqls.set(count, sql);
    }
    return sql;
  }

  async claim(relayId: string, limit: number, leaseMs: number, shards?: OutboxShards): Promise<OutboxRecord[]> {
    // One try: while another connection writes, nothing it holds is claimable anyway, and its commit wakes the relay.
    let rows: SqlRow[];
    try {
      if (this.#file === undefined && this.#db?.isTransaction === true) throw busyError();
      rows = this.#prepared(sqliteClaimSql(this.#t, this.#layout)).all(
        Date.now(),
        relayId,
        leaseMs,
        limit,
        shards?.count ?? null,
        shards === undefined ? null : JSON.stringify(shards.owned),
      ) as SqlRow[];
    } catch (error) {
      if (isBusy(error))
        throw new BusError('STORE_FAILED', 'The SQLite outbox is locked by a writer; claiming later.', {
          cause: error,
          details: { busy: true },
        });
      throw storeFailed(error, 'claim outbox rows');
    }
    return rows.map((row) => this.#record(row)).sort((a, b) => a.seq - b.seq);
  }

  async complete(relayId: string, seqs: readonly number[], keepSent: boolean): Promise<void> {
    if (seqs.length === 0) return;
    const list = seqList(seqs);
    const { seq, sentAt, leaseUntil, claimedBy } = this.#layout.columns;
    await this.#all(
      'mark outbox rows sent',
      keepSent
        ? `UPDATE "${this.#t.outbox}" SET ${sentAt} = ?, ${leaseUntil} = NULL${this.#layout.onSent} WHERE ${seq} IN (${list}) AND ${claimedBy} = ?`
        : `DELETE FROM "${this.#t.outbox}" WHERE ${seq} IN (${list}) AND ${claimedBy} = ?`,
      keepSent ? [this.#time(Date.now()), relayId] : [relayId],
    );
  }

  async release(relayId: string, seqs: readonly number[]): Promise<void> {
    if (seqs.length === 0) return;
    const { seq, leaseUntil, claimedBy } = this.#layout.columns;
    await this.#all(
      'release outbox rows',
      `UPDATE "${this.#t.outbox}" SET ${leaseUntil} = NULL${this.#layout.onRelease} WHERE ${seq} IN (${seqList(seqs)}) AND ${claimedBy} = ?`,
      [relayId],
    );
  }

  async retry(relayId: string, seq: number, attempts: number, nextAttemptAt: number, error: string): Promise<void> {
    const c = this.#layout.columns;
    await this.#all(
      'schedule an outbox retry',
      `UPDATE "${this.#t.outbox}" SET attempts = ?, ${c.availableAt} = ?, ${c.lastError} = ?, ${c.leaseUntil} = NULL${this.#layout.onRelease} WHERE ${c.seq} = ? AND ${c.claimedBy} = ?`,
      [attempts, nextAttemptAt, error, seq, relayId],
    );
  }

  async bury(relayId: string, seq: number, attempts: number, error: string): Promise<void> {
    const outbox = `"${this.#t.outbox}"`;
    const dead = `"${this.#t.deadLetters}"`;
    const failedAt = this.#time(Date.now());
    await this.#transaction('dead-letter an outbox row', () => {
      if (this.#layout.name === 'marty') {
        // The row stays, marked dead as Python's _move_to_dead_letter did, beside its dead-letter row.
        this.#prepared(
          `INSERT INTO ${dead} (id, original_event_id, event_type, event_data, event_metadata, failure_reason, failed_at, attempts_made, source_service, bus_seq)
           SELECT ?, event_id, event_type, event_data, event_metadata, ?, ?, ?, source_service, bus_seq FROM ${outbox} WHERE bus_seq = ? AND bus_claimed_by = ? AND NOT is_dead_letter`,
        ).run(createEventId(), error, failedAt, attempts, seq, relayId);
        this.#prepared(
          `UPDATE ${outbox} SET status = '${MARTY_STATUS.deadLetter}', is_dead_letter = 1, attempts = ?, error_message = ?, bus_lease_until = NULL WHERE bus_seq = ? AND bus_claimed_by = ?`,
        ).run(attempts, error, seq, relayId);
        return;
      }
      this.#prepared(
        `INSERT INTO ${dead} (seq, event_id, event_type, partition_key, attributes, payload, payload_kind, created_at, attempts, last_error, failed_at)
         SELECT seq, event_id, event_type, partition_key, attributes, payload, payload_kind, created_at, ?, ?, ? FROM ${outbox} WHERE seq = ? AND claimed_by = ?`,
      ).run(attempts, error, failedAt, seq, relayId);
      this.#prepared(`DELETE FROM ${outbox} WHERE seq = ? AND claimed_by = ?`).run(seq, relayId);
    });
  }

  /** The record of a row read with the layout's record columns and `created_at`. */
  #record(row: SqlRow): OutboxRecord {
    return {
      seq: Number(row.seq),
      envelope: envelopeOf(String(row.attributes), rowPayload(row), Number(row.payload_kind)),
      attempts: Number(row.attempts),
      createdAt: this.#ms(row.created_at),
    };
  }

  /** Runs `work` in a transaction of the store's connection. */
  #transaction<R>(what: string, work: () => R): Promise<R> {
    return this.#retryBusy(what, () => {
      const db = this.#db;
      if (db === undefined) throw new BusError('STORE_FAILED', 'The SQLite outbox is not open: start the bus first.');
      if (this.#file === undefined && db.isTransaction) throw busyError();
      db.exec('BEGIN IMMEDIATE');
      try {
        const result = work();
        db.exec('COMMIT');
        return result;
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  /** `<outer> IN (the seqs of the dead letters `filter` picks)`, with `outer` the seq of the statement's row. */
  #deadWhere(filter: OutboxDeadLetterFilter, outer = this.#layout.dead.seq): [string, SqlValue[]] {
    const { seq, eventId, letterId } = this.#layout.dead;
    const clauses: string[] = [];
    const params: SqlValue[] = [];
    if (filter.ids !== undefined) {
      clauses.push(filter.ids.length === 0 ? 'FALSE' : `${eventId} IN (${filter.ids.map(() => '?').join(', ')})`);
      params.push(...filter.ids);
    }
    if (filter.seqs !== undefined) {
      clauses.push(filter.seqs.length === 0 ? 'FALSE' : `${seq} IN (${filter.seqs.map(() => '?').join(', ')})`);
      params.push(...filter.seqs);
    }
    if (filter.letterIds !== undefined) {
      const none = filter.letterIds.length === 0 || letterId === undefined;
      clauses.push(none ? 'FALSE' : `${letterId} IN (${filter.letterIds.map(() => '?').join(', ')})`);
      if (!none) params.push(...filter.letterIds);
    }
    if (filter.type !== undefined) {
      clauses.push('event_type = ?');
      params.push(filter.type);
    }
    const since = millisOf(filter.since);
    if (since !== undefined) {
      clauses.push('failed_at >= ?');
      params.push(this.#time(since));
    }
    const until = millisOf(filter.until);
    if (until !== undefined) {
      clauses.push('failed_at < ?');
      params.push(this.#time(until));
    }
    const limit = filter.limit === undefined ? '' : ` ORDER BY ${deadOrder(filter, seq)} LIMIT ${Math.max(0, Math.floor(filter.limit))}`;
    return [
      `${outer} IN (SELECT ${seq} FROM "${this.#t.deadLetters}" WHERE ${clauses.length === 0 ? 'TRUE' : clauses.join(' AND ')}${limit})`,
      params,
    ];
  }

  async listDeadLetters(filter: OutboxDeadLetterFilter): Promise<OutboxDeadLetter[]> {
    const { deadEnvelope: e, dead } = this.#layout;
    const [where, params] = this.#deadWhere({ ...filter, limit: filter.limit ?? 100 }, `d.${dead.seq}`);
    const rows = await this.#all(
      'list outbox dead letters',
      `SELECT ${this.#layout.recordColumns(`${e}.`)}, d.${dead.lastError} AS last_error,${dead.letterId === undefined ? '' : ` d.${dead.letterId} AS letter_id,`} ${e}.created_at AS created_at, d.failed_at AS failed_at
         FROM ${this.#layout.deadFrom(`"${this.#t.outbox}"`, `"${this.#t.deadLetters}"`)} WHERE ${where} ORDER BY ${deadOrder(filter)}`,
      params,
    );
    return rows.map((row) => ({
      ...this.#record(row),
      lastError: String(row.last_error),
      failedAt: this.#ms(row.failed_at),
      ...letterIdOf(row),
    }));
  }

  async redrive(filter: OutboxDeadLetterFilter): Promise<number> {
    const [where, params] = this.#deadWhere(filter);
    const now = Date.now();
    const outbox = `"${this.#t.outbox}"`;
    const dead = `"${this.#t.deadLetters}"`;
    const count = await this.#transaction('redrive outbox dead letters', () => {
      const moved = this.#prepared(
        this.#layout.name === 'marty'
          ? `UPDATE ${outbox} SET status = '${MARTY_STATUS.pending}', is_dead_letter = 0, attempts = 0, error_message = NULL,
                    bus_available_at = ?, bus_lease_until = NULL, bus_claimed_by = NULL WHERE ${where}`
          : `INSERT INTO ${outbox} (seq, event_id, event_type, partition_key, attributes, payload, payload_kind, created_at, available_at)
         SELECT seq, event_id, event_type, partition_key, attributes, payload, payload_kind, created_at, ? FROM ${dead} WHERE ${where}`,
      ).run(now, ...params) as { changes: number | bigint };
      this.#prepared(`DELETE FROM ${dead} WHERE ${where}`).run(...params);
      return Number(moved.changes);
    });
    for (const wake of this.#wakes) wake();
    return count;
  }

  async purge(filter: OutboxDeadLetterFilter): Promise<number> {
    const [where, params] = this.#deadWhere(filter);
    const result = await this.#transaction('purge outbox dead letters', () => {
      // The Marty layout's dead rows are in the outbox too, marked: they go with their dead letters.
      if (this.#layout.name === 'marty') this.#prepared(`DELETE FROM "${this.#t.outbox}" WHERE is_dead_letter AND ${where}`).run(...params);
      return this.#prepared(`DELETE FROM "${this.#t.deadLetters}" WHERE ${where}`).run(...params) as { changes: number | bigint };
    });
    return Number(result.changes);
  }

  async stats(): Promise<OutboxStats> {
    const now = Date.now();
    const { availableAt } = this.#layout.columns;
    const [row] = await this.#all(
      'read outbox stats',
      `SELECT count(*) AS pending, count(*) FILTER (WHERE ${availableAt} > ?1) AS scheduled,
              min(${availableAt}) FILTER (WHERE ${availableAt} <= ?1) AS oldest,
              (SELECT count(*) FROM "${this.#t.deadLetters}") AS dead
         FROM "${this.#t.outbox}" WHERE ${this.#layout.unsent()}`,
      [now],
    );
    const oldest = row?.oldest === null || row?.oldest === undefined ? now : Number(row.oldest);
    return {
      pending: Number(row?.pending ?? 0),
      scheduled: Number(row?.scheduled ?? 0),
      oldestPendingAgeMs: Math.max(0, now - oldest),
      dead: Number(row?.dead ?? 0),
    };
  }

  async statsByShard(count: number): Promise<OutboxShardStats[]> {
    const now = Date.now();
    const { availableAt, partitionKey } = this.#layout.columns;
    const rows = await this.#all(
      'read outbox stats by shard',
      `SELECT ${SQLITE_SHARD_FUNCTION}(${partitionKey}, ?2) AS shard, count(*) AS pending,
              count(*) FILTER (WHERE ${availableAt} > ?1) AS scheduled,
              ?1 - min(${availableAt}) FILTER (WHERE ${availableAt} <= ?1) AS oldest_ms
         FROM "${this.#t.outbox}" WHERE ${this.#layout.unsent()} GROUP BY 1`,
      [now, shardCount(count)],
    );
    return shardStats(count, rows);
  }

  async nextDueAt(): Promise<number | undefined> {
    const { availableAt: at, leaseUntil } = this.#layout.columns;
    const [row] = await this.#all(
      'read the next outbox due time',
      `SELECT min(max(${at}, coalesce(${leaseUntil}, ${at}))) AS due FROM "${this.#t.outbox}" WHERE ${this.#layout.unsent()}`,
    );
    return row?.due === null || row?.due === undefined ? undefined : Number(row.due);
  }

  async cleanup(olderThan: number): Promise<number> {
    const { sentAt } = this.#layout.columns;
    const result = await this.#retryBusy(
      'delete sent outbox rows',
      () =>
        this.#prepared(`DELETE FROM "${this.#t.outbox}" WHERE ${sentAt} IS NOT NULL AND ${sentAt} < ?`).run(this.#time(olderThan)) as {
          changes: number | bigint;
        },
    );
    return Number(result.changes);
  }

  async watch(wake: () => void): Promise<() => Promise<void>> {
    this.#wakes.add(wake);
    return async () => {
      this.#wakes.delete(wake);
    };
  }

  /** Watches `tx` until its transaction ends, then wakes the relay: the local commit signal. */
  written(tx: OutboxTransaction): void {
    if (tx.inTransaction === undefined || this.#wakes.size === 0) return;
    this.#watched.set(tx.handle ?? tx, tx);
    this.#watchTimer ??= setInterval(() => {
      let ended = false;
      for (const [handle, watched] of this.#watched) {
        if (!stillOpen(watched)) {
          this.#watched.delete(handle);
          ended = true;
        }
      }
      if (this.#watched.size === 0) {
        clearInterval(this.#watchTimer);
        this.#watchTimer = undefined;
      }
      if (ended) for (const wake of this.#wakes) wake();
    }, 1);
    this.#watchTimer.unref?.();
  }

  async beginInbox(): Promise<InboxTransaction> {
    let release!: () => void;
    const turn = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started!: () => void;
    const ready = new Promise<void>((resolve) => {
      started = resolve;
    });
    void this.#inboxQueue.add(() => {
      started();
      return turn;
    });
    await ready;
    try {
      this.#inboxDb ??= await this.#connect();
      const db = this.#inboxDb;
      await this.#retryBusy('begin an inbox transaction', () => {
        if (this.#file === undefined && db.isTransaction) throw busyError();
        db.exec('BEGIN IMMEDIATE');
      });
      let done = false;
      const end = async (sql: string): Promise<void> => {
        if (done) return;
        done = true;
        try {
          await this.#retryBusy(`${sql.toLowerCase()} an inbox transaction`, () => db.exec(sql));
        } finally {
          release();
          for (const wake of this.#wakes) wake();
        }
      };
      return { tx: sqliteTransaction(db), handle: db, commit: () => end('COMMIT'), rollback: () => end('ROLLBACK') };
    } catch (error) {
      release();
      throw storeFailed(error, 'begin an inbox transaction');
    }
  }

  async recordInbox(tx: OutboxTransaction, consumer: string, eventId: string): Promise<boolean> {
    const rows = await tx.execute(
      `INSERT INTO "${this.#t.inbox}" (consumer, event_id, handled_at) VALUES (?, ?, ?) ON CONFLICT (consumer, event_id) DO NOTHING RETURNING 1 AS fresh`,
      [consumer, eventId, Date.now()],
    );
    return rows.length === 1;
  }

  async cleanupInbox(olderThan: number): Promise<number> {
    const result = await this.#retryBusy(
      'delete old inbox records',
      () => this.#prepared(`DELETE FROM "${this.#t.inbox}" WHERE handled_at < ?`).run(olderThan) as { changes: number | bigint },
    );
    return Number(result.changes);
  }
}

/** Seqs are integers the store made, so they go in the SQL as a list. */
function seqList(seqs: readonly number[]): string {
  return seqs.map((seq) => Math.trunc(seq)).join(', ');
}

/** Whether the caller's transaction is still open (a closed connection's has ended). */
function stillOpen(tx: OutboxTransaction): boolean {
  try {
    return tx.inTransaction?.() === true;
  } catch {
    return false;
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { errcode?: number } | null)?.errcode;
  return code === SQLITE_BUSY || code === SQLITE_LOCKED || (error as { busy?: boolean } | null)?.busy === true;
}

function busyError(): Error {
  return Object.assign(new Error('the shared in-memory database is inside the caller’s transaction'), { busy: true });
}
