/**
 * The SQLite backend, on `node:sqlite` (built into Node 22.13+; no native
 * addon): the embedded default. WAL mode, so readers never block the writer;
 * each append is one `BEGIN IMMEDIATE` transaction, so appends from several
 * connections, threads or processes are serialized by SQLite itself and
 * positions (an AUTOINCREMENT key) follow commit order.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { BusError, type EventEnvelope } from '@bus/core';
import { isoAt } from '@bus/core/plugin-kit';
import type { AppendRequest, AppendResult, BackendPurge, EventStoreBackend, LogRange, StoredEvent, StreamRange } from './event-store.js';
import { concurrencyConflict, satisfiesExpectedVersion } from './expected-version.js';
import type { Snapshot } from './snapshots.js';

/**
 * Options of {@link sqliteBackend}.
 *
 * @example
 * ```ts
 * const backend = sqliteBackend({ path: 'data/events.db', synchronous: 'full' });
 * ```
 */
export interface SqliteBackendOptions {
  /** The database file (created if missing), or `':memory:'`. Ignored when `database` is given. */
  readonly path?: string;
  /** An open `DatabaseSync` to use instead; `close()` leaves it open. */
  readonly database?: DatabaseSync;
  /** Prefix of the tables (`<prefix>events`, `<prefix>snapshots`, `<prefix>stream_heads`). Default `'bus_'`. */
  readonly tablePrefix?: string;
  /**
   * `PRAGMA synchronous`. `'normal'` (default, with WAL): a commit survives a
   * crash of the process, a power loss may undo the last ones; `'full'`: it survives both.
   */
  readonly synchronous?: 'normal' | 'full';
  /** How long opening the file and each append wait for another connection's locks, in ms. Default 5000. */
  readonly busyTimeoutMs?: number;
}

const CAPABILITIES = Object.freeze({ durable: true, multiWriter: true });
const MAX_VERSION = Number.MAX_SAFE_INTEGER;

/**
 * Creates a SQLite backend. The file is opened, and the tables made, on first use.
 *
 * @example
 * ```ts
 * const store = createEventStore({ backend: sqliteBackend({ path: 'events.db' }) });
 * ```
 */
export function sqliteBackend(options: SqliteBackendOptions): EventStoreBackend {
  const prefix = options?.tablePrefix ?? 'bus_';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(prefix)) {
    throw new BusError('PLUGIN_INVALID', `sqliteBackend({ tablePrefix }) must be letters, digits and underscores; got '${prefix}'.`);
  }
  if (options.database === undefined && (typeof options.path !== 'string' || options.path.length === 0)) {
    throw new BusError('PLUGIN_INVALID', "sqliteBackend() needs a `path` (a file, or ':memory:') or an open `database`.");
  }
  return new SqliteBackend(options, prefix);
}

interface Statements {
  readonly head: StatementSync;
  readonly insert: StatementSync;
  readonly byId: StatementSync;
  readonly streamForward: StatementSync;
  readonly streamBackward: StatementSync;
  readonly all: StatementSync;
  readonly allOfTypes: StatementSync;
  readonly saveSnapshot: StatementSync;
  readonly loadSnapshot: StatementSync;
}

interface EventRow {
  position: number;
  stream: string;
  version: number;
  stored_at: number;
  envelope: string;
}

class SqliteBackend implements EventStoreBackend {
  readonly name = 'sqlite';
  readonly capabilities = CAPABILITIES;
  #db: DatabaseSync | undefined;
  #statements: Statements | undefined;
  #closed = false;

  constructor(
    private readonly options: SqliteBackendOptions,
    private readonly prefix: string,
  ) {}

  async append(request: AppendRequest): Promise<AppendResult> {
    const { db, statements } = this.#open();
    try {
      return this.#appendIn(db, statements, request, false);
    } catch (error) {
      // An id stored before, or a version mismatch that may be a retry of a stored
      // append: redo the append, looking each id up (the fast path does not).
      if (isUniqueViolation(error, `${this.prefix}events.id`) || (BusError.is(error) && error.code === 'CONCURRENCY_CONFLICT')) {
        return this.#appendIn(db, statements, request, true);
      }
      throw error;
    }
  }

  #appendIn(db: DatabaseSync, statements: Statements, request: AppendRequest, lookUpIds: boolean): AppendResult {
    const { stream, events, expectedVersion } = request;
    db.exec('BEGIN IMMEDIATE');
    try {
      const current = headOf(statements, stream);
      const existing = new Map<number, StoredEvent>();
      if (lookUpIds) {
        events.forEach((event, index) => {
          const row = statements.byId.get(event.id) as EventRow | undefined;
          if (row !== undefined) existing.set(index, toRecord(row));
        });
        if (existing.size === events.length) {
          db.exec('COMMIT');
          const records = [...existing.values()];
          return { version: current, position: Math.max(...records.map((record) => record.position)), records, appended: 0 };
        }
      }
      if (!satisfiesExpectedVersion(expectedVersion, current)) throw concurrencyConflict(stream, expectedVersion, current, events[0]?.id);
      const storedAt = isoAt(request.storedAt);
      const records: StoredEvent[] = [];
      let version = current;
      let position = 0;
      for (let index = 0; index < events.length; index++) {
        const known = existing.get(index);
        if (known !== undefined) {
          records.push(known);
          continue;
        }
        const event = events[index] as EventEnvelope;
        version++;
        const { lastInsertRowid } = statements.insert.run(stream, version, event.id, event.type, request.storedAt, serialize(event));
        position = Number(lastInsertRowid);
        records.push({ stream, version, position, storedAt, event });
      }
      db.exec('COMMIT');
      return { version, position, records, appended: events.length - existing.size };
    } catch (error) {
      rollback(db);
      throw error;
    }
  }

  async readStream(stream: string, range: StreamRange): Promise<StoredEvent[]> {
    const { statements } = this.#open();
    const statement = range.direction === 'forward' ? statements.streamForward : statements.streamBackward;
    const rows = statement.all(stream, range.low, finite(range.high), sqlLimit(range.limit)) as unknown as EventRow[];
    return rows.map(toRecord);
  }

  async readAll(range: LogRange): Promise<StoredEvent[]> {
    const { statements } = this.#open();
    if (range.types !== undefined && range.types.length === 0) return [];
    const rows = (range.types === undefined
      ? statements.all.all(range.fromPosition, finite(range.toPosition), sqlLimit(range.limit))
      : statements.allOfTypes.all(
          range.fromPosition,
          finite(range.toPosition),
          JSON.stringify(range.types),
          sqlLimit(range.limit),
        )) as unknown as EventRow[];
    return rows.map(toRecord);
  }

  async streamVersion(stream: string): Promise<number> {
    return headOf(this.#open().statements, stream);
  }

  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    this.#open().statements.saveSnapshot.run(snapshot.stream, snapshot.version, JSON.stringify(snapshot.state), snapshot.takenAt);
  }

  async loadSnapshot(stream: string): Promise<Snapshot | undefined> {
    const row = this.#open().statements.loadSnapshot.get(stream) as
      | { stream: string; version: number; state: string; taken_at: string }
      | undefined;
    return row === undefined
      ? undefined
      : { stream: row.stream, version: row.version, state: JSON.parse(row.state), takenAt: row.taken_at };
  }

  async purge(criteria: BackendPurge): Promise<number> {
    const { db } = this.#open();
    const t = this.prefix;
    const where = [
      'stored_at < ?',
      criteria.types === undefined ? '' : 'AND type IN (SELECT value FROM json_each(?))',
      criteria.streams === undefined ? '' : 'AND stream IN (SELECT value FROM json_each(?))',
    ].join(' ');
    const parameters = [
      criteria.before,
      ...(criteria.types === undefined ? [] : [JSON.stringify(criteria.types)]),
      ...(criteria.streams === undefined ? [] : [JSON.stringify(criteria.streams)]),
    ];
    db.exec('BEGIN IMMEDIATE');
    try {
      // Remember how far each touched stream got, so its versions are never reused.
      db.prepare(
        `INSERT INTO ${t}stream_heads (stream, version)
           SELECT stream, (SELECT max(version) FROM ${t}events AS latest WHERE latest.stream = purged.stream)
           FROM ${t}events AS purged WHERE ${where} GROUP BY stream
         ON CONFLICT (stream) DO UPDATE SET version = max(version, excluded.version)`,
      ).run(...parameters);
      const { changes } = db.prepare(`DELETE FROM ${t}events WHERE ${where}`).run(...parameters);
      db.exec('COMMIT');
      return Number(changes);
    } catch (error) {
      rollback(db);
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#db !== undefined && this.options.database === undefined) this.#db.close();
    this.#db = undefined;
    this.#statements = undefined;
  }

  #open(): { db: DatabaseSync; statements: Statements } {
    if (this.#db !== undefined && this.#statements !== undefined) return { db: this.#db, statements: this.#statements };
    if (this.#closed) throw new BusError('STORE_FAILED', 'The SQLite backend is closed.', { retryable: false });
    const db = this.options.database ?? openDatabase(this.options.path as string);
    try {
      const busyTimeoutMs = Math.max(0, Math.trunc(this.options.busyTimeoutMs ?? 5000));
      // The busy timeout first: switching to WAL needs a lock another connection may hold.
      db.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
      const path = this.options.database === undefined ? this.options.path : undefined;
      // SQLite skips the busy handler for some locks a new file's first connections race for
      // (WAL switch, first schema read), so those fail at once: retry them within the busy timeout.
      retryWhileBusy(busyTimeoutMs, () => {
        if (path !== ':memory:') db.exec('PRAGMA journal_mode = WAL');
        db.exec(`PRAGMA synchronous = ${this.options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
        createTables(db, this.prefix);
      });
      this.#statements = prepareStatements(db, this.prefix);
      this.#db = db;
    } catch (error) {
      if (this.options.database === undefined) db.close();
      throw BusError.from(error, 'STORE_FAILED');
    }
    return { db, statements: this.#statements };
  }
}

function openDatabase(path: string): DatabaseSync {
  // Loaded on first use, so merely importing @bus/persistence never loads node:sqlite.
  const sqlite = process.getBuiltinModule('node:sqlite');
  if (sqlite === undefined) {
    throw new BusError('STORE_FAILED', 'node:sqlite is not available: the SQLite backend needs Node 22.13 or newer.', { retryable: false });
  }
  return new sqlite.DatabaseSync(path);
}

function createTables(db: DatabaseSync, t: string): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    db.exec(`
      CREATE TABLE IF NOT EXISTS ${t}events (
        position  INTEGER PRIMARY KEY AUTOINCREMENT,
        stream    TEXT    NOT NULL,
        version   INTEGER NOT NULL,
        id        TEXT    NOT NULL,
        type      TEXT    NOT NULL,
        stored_at INTEGER NOT NULL,
        envelope  TEXT    NOT NULL,
        CONSTRAINT ${t}events_stream_version UNIQUE (stream, version),
        CONSTRAINT ${t}events_id UNIQUE (id)
      );
      CREATE INDEX IF NOT EXISTS ${t}events_type ON ${t}events (type, position);
      CREATE INDEX IF NOT EXISTS ${t}events_stored_at ON ${t}events (stored_at);
      CREATE TABLE IF NOT EXISTS ${t}stream_heads (stream TEXT PRIMARY KEY, version INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS ${t}snapshots (
        stream   TEXT    NOT NULL,
        version  INTEGER NOT NULL,
        state    TEXT    NOT NULL,
        taken_at TEXT    NOT NULL,
        PRIMARY KEY (stream, version)
      );
    `);
    db.exec('COMMIT');
  } catch (error) {
    rollback(db);
    throw error;
  }
}

function prepareStatements(db: DatabaseSync, t: string): Statements {
  const columns = 'position, stream, version, stored_at, envelope';
  return {
    head: db.prepare(
      `SELECT max(v) AS version FROM (
         SELECT max(version) AS v FROM ${t}events WHERE stream = ?1
         UNION ALL SELECT version FROM ${t}stream_heads WHERE stream = ?1)`,
    ),
    insert: db.prepare(`INSERT INTO ${t}events (stream, version, id, type, stored_at, envelope) VALUES (?, ?, ?, ?, ?, ?)`),
    byId: db.prepare(`SELECT ${columns} FROM ${t}events WHERE id = ?`),
    streamForward: db.prepare(
      `SELECT ${columns} FROM ${t}events WHERE stream = ? AND version BETWEEN ? AND ? ORDER BY version ASC LIMIT ?`,
    ),
    streamBackward: db.prepare(
      `SELECT ${columns} FROM ${t}events WHERE stream = ? AND version BETWEEN ? AND ? ORDER BY version DESC LIMIT ?`,
    ),
    all: db.prepare(`SELECT ${columns} FROM ${t}events WHERE position BETWEEN ? AND ? ORDER BY position LIMIT ?`),
    allOfTypes: db.prepare(
      `SELECT ${columns} FROM ${t}events
       WHERE position BETWEEN ? AND ? AND type IN (SELECT value FROM json_each(?)) ORDER BY position LIMIT ?`,
    ),
    saveSnapshot: db.prepare(`INSERT OR REPLACE INTO ${t}snapshots (stream, version, state, taken_at) VALUES (?, ?, ?, ?)`),
    loadSnapshot: db.prepare(`SELECT stream, version, state, taken_at FROM ${t}snapshots WHERE stream = ? ORDER BY version DESC LIMIT 1`),
  };
}

/** SQLITE_BUSY and SQLITE_LOCKED, with or without an extended code. */
function isBusy(error: unknown): boolean {
  const code = (error as { errcode?: unknown } | null)?.errcode;
  return typeof code === 'number' && ((code & 0xff) === 5 || (code & 0xff) === 6);
}

/**
 * Runs `step` until it does not fail busy, for at most `timeoutMs`, sleeping 1, 2, 4 … 50 ms
 * between tries. Blocking, like SQLite's own busy handler: node:sqlite is synchronous.
 */
function retryWhileBusy(timeoutMs: number, step: () => void): void {
  const deadline = Date.now() + timeoutMs;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
    try {
      step();
      return;
    } catch (error) {
      const left = deadline - Date.now();
      if (!isBusy(error) || left <= 0) throw error;
      Atomics.wait(sleeper, 0, 0, Math.min(delay, left));
    }
  }
}

/** Undoes the open transaction, if any (`isTransaction` is Node 22.16+, so just try). */
function rollback(db: DatabaseSync): void {
  try {
    db.exec('ROLLBACK');
  } catch {
    // no transaction was open
  }
}

function headOf(statements: Statements, stream: string): number {
  const row = statements.head.get(stream) as { version: number | null } | undefined;
  return row?.version ?? -1;
}

function toRecord(row: EventRow): StoredEvent {
  return {
    stream: row.stream,
    version: row.version,
    position: row.position,
    storedAt: isoAt(row.stored_at),
    event: JSON.parse(row.envelope) as EventEnvelope,
  };
}

function serialize(event: EventEnvelope): string {
  try {
    return JSON.stringify(event);
  } catch (error) {
    throw new BusError('INVALID_EVENT', `Event ${event.id} cannot be stored as JSON: ${(error as Error).message}`, {
      eventId: event.id,
      cause: error,
    });
  }
}

function isUniqueViolation(error: unknown, column: string): boolean {
  const message = (error as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' && message.includes('UNIQUE constraint failed') && message.includes(column);
}

function finite(value: number): number {
  return Number.isFinite(value) ? value : MAX_VERSION;
}

function sqlLimit(limit: number): number {
  return Number.isFinite(limit) ? limit : -1;
}
