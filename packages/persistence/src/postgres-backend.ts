/**
 * The Postgres backend, on `pg` (an optional peer dependency, loaded only
 * when this backend makes its own pool). One round trip per append: a
 * PL/pgSQL function checks the expected version and idempotency, reserves
 * positions in commit-safe order and inserts; a unique (stream, version)
 * constraint settles races between appenders. See `postgres-schema.ts` for
 * why readers never skip an event that commits late.
 */
import { BusError, type EventEnvelope } from '@bus/core';
import { isoAt } from '@bus/core/plugin-kit';
import type {
  AppendRequest,
  AppendResult,
  BackendPurge,
  EventStoreBackend,
  ExpectedVersion,
  LogRange,
  StoredEvent,
  StreamRange,
} from './event-store.js';
import { concurrencyConflict } from './expected-version.js';
import { createTablesSql, type PostgresTables, postgresQueries, postgresTables } from './postgres-schema.js';
import type { Snapshot } from './snapshots.js';

/**
 * What the backend needs of a `pg.Pool` (a `pg.Pool` is one): `query` with
 * parameters, and `end` when the backend made the pool itself.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * const pool: PgPool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * ```
 */
export interface PgPool {
  /** Runs one statement (or, without values, several) and resolves to its rows. */
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
  /** Closes every connection. */
  end(): Promise<void>;
}

/**
 * Options of {@link postgresBackend}: a `pool`, or a `connectionString` to make one.
 *
 * @example
 * ```ts
 * const backend = postgresBackend({ connectionString: 'postgres://postgres@127.0.0.1:5432/app', schema: 'events' });
 * ```
 */
export interface PostgresBackendOptions {
  /** A `pg.Pool` to use; `close()` leaves it open. */
  readonly pool?: PgPool;
  /** Or a connection string: the backend makes a pool (loading `pg`) and ends it at `close()`. */
  readonly connectionString?: string;
  /** The size of the pool made from `connectionString`. Default 10. */
  readonly poolSize?: number;
  /** The schema of the tables, created if missing; a lowercase identifier. Default `'public'`. */
  readonly schema?: string;
  /** Prefix of the tables and function (`<prefix>events`, …); a lowercase identifier prefix. Default `'bus_'`. */
  readonly tablePrefix?: string;
}

const CAPABILITIES = Object.freeze({ durable: true, multiWriter: true });
const MAX_POSITION = Number.MAX_SAFE_INTEGER;
/** How often an `'any'`/`'exists'` append is retried after losing a race for a version. */
const MAX_RACE_RETRIES = 50;

/**
 * Creates a Postgres backend. Tables are created on first use.
 *
 * @example
 * ```ts
 * const store = createEventStore({ backend: postgresBackend({ pool }) });
 * ```
 */
export function postgresBackend(options: PostgresBackendOptions): EventStoreBackend {
  if (options?.pool === undefined && (typeof options?.connectionString !== 'string' || options.connectionString.length === 0)) {
    throw new BusError('PLUGIN_INVALID', 'postgresBackend() needs a `pool` (a pg.Pool) or a `connectionString`.');
  }
  const prefix = options.tablePrefix ?? 'bus_';
  let tables: PostgresTables;
  try {
    tables = postgresTables(options.schema ?? 'public', prefix);
  } catch (error) {
    throw new BusError('PLUGIN_INVALID', `postgresBackend(): ${(error as Error).message}`);
  }
  return new PostgresBackend(options, tables, prefix);
}

interface EventRow {
  position: string | number;
  stream: string;
  version: string | number;
  stored_at: string | number;
  envelope: string;
}

interface AppendRow {
  /** `appended`: every event written, one row (`r_position` the first position); else a row per event, or `conflict`. */
  status: 'appended' | 'written' | 'stored' | 'conflict';
  current_version: string | number;
  r_position: string | number | null;
  r_version: string | number | null;
  r_id: string | null;
  r_stream: string | null;
  r_stored_at: string | number | null;
  r_envelope: string | null;
}

class PostgresBackend implements EventStoreBackend {
  readonly name = 'postgres';
  readonly capabilities = CAPABILITIES;
  readonly #queries: ReturnType<typeof postgresQueries>;
  #pool: Promise<PgPool> | undefined;
  #ready: Promise<PgPool> | undefined;
  #closed = false;

  constructor(
    private readonly options: PostgresBackendOptions,
    private readonly tables: PostgresTables,
    private readonly prefix: string,
  ) {
    this.#queries = postgresQueries(tables);
  }

  async append(request: AppendRequest): Promise<AppendResult> {
    const pool = await this.#open();
    const { stream, events, expectedVersion } = request;
    const ids = events.map((event) => event.id);
    const types = events.map((event) => event.type);
    const envelopes = events.map(serialize);
    for (let attempt = 0; ; attempt++) {
      let rows: AppendRow[];
      try {
        ({ rows } = (await pool.query(this.#queries.append, [
          stream,
          String(expectedVersion),
          ids,
          types,
          envelopes,
          request.storedAt,
        ])) as { rows: AppendRow[] });
      } catch (error) {
        const violated = uniqueViolation(error);
        if (violated === this.tables.idConstraint && attempt < MAX_RACE_RETRIES) continue; // stored meanwhile: the retry sees it
        if (violated === this.tables.streamVersionConstraint) {
          // Another append took the version between our check and our insert.
          if ((expectedVersion === 'any' || expectedVersion === 'exists') && attempt < MAX_RACE_RETRIES) continue;
          const actual = await this.streamVersion(stream);
          throw concurrencyConflict(stream, expectedVersion, actual, ids[0]);
        }
        throw error;
      }
      return this.#appendResult(request, rows, expectedVersion);
    }
  }

  #appendResult(request: AppendRequest, rows: AppendRow[], expectedVersion: ExpectedVersion): AppendResult {
    const { stream, events } = request;
    const current = Number(rows[0]?.current_version ?? -1);
    if (rows[0]?.status === 'conflict') throw concurrencyConflict(stream, expectedVersion, current, events[0]?.id);
    const storedAt = isoAt(request.storedAt);
    if (rows[0]?.status === 'appended') {
      const first = Number(rows[0].r_position);
      const records = events.map(
        (event, index): StoredEvent => ({ stream, version: current + 1 + index, position: first + index, storedAt, event }),
      );
      return { version: current + events.length, position: first + events.length - 1, records, appended: events.length };
    }
    const byId = new Map<string, StoredEvent>();
    const input = new Map(events.map((event) => [event.id, event]));
    let version = current;
    let position = 0;
    let appended = 0;
    for (const row of rows) {
      const id = row.r_id as string;
      if (row.status === 'written') {
        const record: StoredEvent = {
          stream,
          version: Number(row.r_version),
          position: Number(row.r_position),
          storedAt,
          event: input.get(id) as EventEnvelope,
        };
        byId.set(id, record);
        version = Math.max(version, record.version);
        position = Math.max(position, record.position);
        appended++;
      } else {
        byId.set(
          id,
          toRecord({
            position: row.r_position as string,
            stream: row.r_stream as string,
            version: row.r_version as string,
            stored_at: row.r_stored_at as string,
            envelope: row.r_envelope as string,
          }),
        );
      }
    }
    const records = events.map((event) => byId.get(event.id) as StoredEvent);
    if (appended === 0) position = Math.max(...records.map((record) => record.position));
    return { version, position, records, appended };
  }

  async readStream(stream: string, range: StreamRange): Promise<StoredEvent[]> {
    const pool = await this.#open();
    const query = range.direction === 'forward' ? this.#queries.streamForward : this.#queries.streamBackward;
    const { rows } = await pool.query(query, [stream, range.low, Math.min(range.high, MAX_POSITION), sqlLimit(range.limit)]);
    return (rows as EventRow[]).map(toRecord);
  }

  async readAll(range: LogRange): Promise<StoredEvent[]> {
    const pool = await this.#open();
    if (range.types !== undefined && range.types.length === 0) return [];
    const bounded = Number.isFinite(range.toPosition);
    const queries = this.#queries;
    const query = range.types === undefined ? (bounded ? queries.allTo : queries.all) : bounded ? queries.allToOfTypes : queries.allOfTypes;
    const values: unknown[] = [range.fromPosition, sqlLimit(range.limit)];
    if (bounded) values.push(range.toPosition);
    if (range.types !== undefined) values.push(range.types);
    const { rows } = await pool.query(query, values);
    return (rows as EventRow[]).map(toRecord);
  }

  async streamVersion(stream: string): Promise<number> {
    const pool = await this.#open();
    const { rows } = await pool.query(this.#queries.streamVersion, [stream]);
    return Number((rows[0] as { version: string | number }).version);
  }

  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    const pool = await this.#open();
    await pool.query(this.#queries.saveSnapshot, [snapshot.stream, snapshot.version, JSON.stringify(snapshot.state), snapshot.takenAt]);
  }

  async loadSnapshot(stream: string): Promise<Snapshot | undefined> {
    const pool = await this.#open();
    const { rows } = await pool.query(this.#queries.loadSnapshot, [stream]);
    const row = rows[0] as { stream: string; version: string | number; state: string; taken_at: string } | undefined;
    return row === undefined
      ? undefined
      : { stream: row.stream, version: Number(row.version), state: JSON.parse(row.state), takenAt: row.taken_at };
  }

  async purge(criteria: BackendPurge): Promise<number> {
    const pool = await this.#open();
    const { rows } = await pool.query(this.#queries.purge, [criteria.before, criteria.types ?? null, criteria.streams ?? null]);
    return Number((rows[0] as { removed: number }).removed);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.options.pool === undefined && this.#pool !== undefined) {
      const pool = await this.#pool.catch(() => undefined);
      await pool?.end();
    }
  }

  /** The pool, once the tables exist. */
  #open(): Promise<PgPool> {
    if (this.#closed) return Promise.reject(new BusError('STORE_FAILED', 'The Postgres backend is closed.', { retryable: false }));
    if (this.#ready === undefined) {
      const ready = (async () => {
        this.#pool ??= this.options.pool !== undefined ? Promise.resolve(this.options.pool) : makePool(this.options);
        const pool = await this.#pool;
        await pool.query(createTablesSql(this.tables, this.prefix));
        return pool;
      })();
      // A failed setup (server down) is tried again on the next call.
      ready.catch(() => {
        if (this.#ready === ready) this.#ready = undefined;
      });
      this.#ready = ready;
    }
    return this.#ready;
  }
}

async function makePool(options: PostgresBackendOptions): Promise<PgPool> {
  let pg: { Pool: new (config: { connectionString: string; max: number }) => PgPool };
  try {
    const loaded = (await import('pg')) as unknown as { default?: typeof pg } & typeof pg;
    pg = loaded.default ?? loaded;
  } catch (error) {
    throw new BusError('STORE_FAILED', "postgresBackend({ connectionString }) needs the 'pg' package: pnpm add pg", {
      cause: error,
      retryable: false,
    });
  }
  return new pg.Pool({ connectionString: options.connectionString as string, max: options.poolSize ?? 10 });
}

function toRecord(row: EventRow): StoredEvent {
  return {
    stream: row.stream,
    version: Number(row.version),
    position: Number(row.position),
    storedAt: isoAt(Number(row.stored_at)),
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

/** The constraint a unique violation (SQLSTATE 23505) broke, if the error is one. */
function uniqueViolation(error: unknown): string | undefined {
  const { code, constraint } = (error ?? {}) as { code?: unknown; constraint?: unknown };
  return code === '23505' && typeof constraint === 'string' ? constraint : undefined;
}

function sqlLimit(limit: number): number | null {
  return Number.isFinite(limit) ? limit : null;
}
