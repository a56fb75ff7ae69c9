// The two databases the outbox suite runs against, behind one shape: a store
// factory (several instances can share one set of tables, as relays in
// several processes do), the caller's transactions, and raw SQL for checks.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { readServicesEnv } from '@bus/scripts/services-env';
import pg from 'pg';
import { type OutboxLayout, type OutboxStore, type OutboxTableNames, postgresOutbox, sqliteOutbox } from '../../src/index.js';

/** A caller's open transaction. */
export interface CallerTx {
  /** What the caller passes as `publish(…, { tx })`. */
  readonly tx: unknown;
  /** Runs app SQL in it (`?` placeholders are rewritten for Postgres). */
  exec(sql: string, params?: unknown[]): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

export interface StoreEnv {
  readonly name: 'postgres' | 'sqlite';
  /** Whether two callers can hold open write transactions at once (Postgres yes, SQLite no: one writer). */
  readonly concurrentWriters: boolean;
  /** A store on the suite's tables (`label` picks a table set of its own). */
  store(label: string, tables?: OutboxTableNames): OutboxStore;
  /** Table names for `label`. */
  tables(label: string): OutboxTableNames;
  /** Opens a caller's connection and runs BEGIN. */
  begin(): Promise<CallerTx>;
  /** A connection that is not inside a transaction. */
  idle(): Promise<{ readonly tx: unknown; close(): Promise<void> }>;
  /** A transaction on another database than the store's. */
  foreign(): Promise<{ readonly tx: unknown; close(): Promise<void> }>;
  /** Runs SQL outside any transaction and returns its rows. */
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Runs SQL through a delivery's `ctx.tx`. */
  execIn(handle: unknown, sql: string, params?: unknown[]): Promise<void>;
  cleanup(): Promise<void>;
}

const toPg = (sql: string): string => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

export function requirePostgresUrl(): string {
  const { pgUrl } = readServicesEnv();
  if (pgUrl === undefined) {
    throw new Error('BUS_PG_URL is not set: start the services (`pnpm services:up`) or set BUS_PG_URL. These tests fail rather than skip.');
  }
  return pgUrl;
}

/** The Postgres env, its stores in `layout` (default the store's own). */
export async function postgresEnv(layout?: OutboxLayout): Promise<StoreEnv> {
  const url = requirePostgresUrl();
  const schema = `bus_outbox_test_${process.pid}_${randomBytes(3).toString('hex')}`;
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  await setup.query(`CREATE SCHEMA "${schema}"`);
  await setup.end();
  // The app's own tables of the tests live in the run's schema too.
  const pool = new pg.Pool({ connectionString: url, max: 20, options: `-c search_path=${schema}` });
  const tables = (label: string): OutboxTableNames => ({
    outbox: `${label}_outbox`,
    deadLetters: `${label}_dead`,
    inbox: `${label}_inbox`,
    version: `${label}_version`,
  });
  return {
    name: 'postgres',
    concurrentWriters: true,
    tables,
    store: (label, given) => postgresOutbox({ pool, schema, tables: given ?? tables(label), ...(layout ? { layout } : {}) }),
    begin: async () => {
      const client = await pool.connect();
      await client.query('BEGIN');
      let open = true;
      const end = async (sql: string) => {
        if (!open) return;
        open = false;
        await client.query(sql);
        client.release();
      };
      return {
        tx: client,
        exec: async (sql, params = []) => {
          await client.query(toPg(sql), params);
        },
        commit: () => end('COMMIT'),
        rollback: () => end('ROLLBACK'),
      };
    },
    idle: async () => {
      const client = await pool.connect();
      await client.query('SELECT 1');
      return { tx: client, close: async () => client.release() };
    },
    foreign: async () => {
      const other = new URL(url);
      other.pathname = other.pathname === '/postgres' ? '/test' : '/postgres';
      const client = new pg.Client({ connectionString: other.toString() });
      await client.connect();
      await client.query('BEGIN');
      return {
        tx: client,
        close: async () => {
          await client.query('ROLLBACK');
          await client.end();
        },
      };
    },
    query: async (sql, params = []) => (await pool.query(toPg(sql), params)).rows,
    execIn: async (handle, sql, params = []) => {
      await (handle as pg.PoolClient).query(toPg(sql), params);
    },
    cleanup: async () => {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    },
  };
}

/** The SQLite env, its stores in `layout` (default the store's own). */
export async function sqliteEnv(layout?: OutboxLayout): Promise<StoreEnv> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bus-outbox-'));
  const file = path.join(dir, 'app.db');
  const app = new DatabaseSync(file, { timeout: 5_000 });
  app.exec('PRAGMA journal_mode = WAL');
  const tables = (label: string): OutboxTableNames => ({
    outbox: `${label}_outbox`,
    deadLetters: `${label}_dead`,
    inbox: `${label}_inbox`,
    version: `${label}_version`,
  });
  return {
    name: 'sqlite',
    concurrentWriters: false,
    tables,
    store: (label, given) => sqliteOutbox({ path: file, tables: given ?? tables(label), ...(layout ? { layout } : {}) }),
    begin: async () => {
      const db = new DatabaseSync(file, { timeout: 5_000 });
      db.exec('BEGIN');
      let open = true;
      const end = async (sql: string) => {
        if (!open) return;
        open = false;
        db.exec(sql);
        db.close();
      };
      return {
        tx: db,
        exec: async (sql, params = []) => {
          db.prepare(sql).run(...(params as never[]));
        },
        commit: () => end('COMMIT'),
        rollback: () => end('ROLLBACK'),
      };
    },
    idle: async () => {
      const db = new DatabaseSync(file);
      return { tx: db, close: async () => db.close() };
    },
    foreign: async () => {
      const db = new DatabaseSync(path.join(dir, 'other.db'));
      db.exec('BEGIN');
      return {
        tx: db,
        close: async () => {
          db.exec('ROLLBACK');
          db.close();
        },
      };
    },
    query: async (sql, params = []) => app.prepare(sql).all(...(params as never[])) as Record<string, unknown>[],
    execIn: async (handle, sql, params = []) => {
      (handle as DatabaseSync).prepare(sql).run(...(params as never[]));
    },
    cleanup: async () => {
      app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
