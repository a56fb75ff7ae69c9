// The two lease engines the suite runs against, behind one shape: electors on
// one shared set of tables, and the caller's own transactions for fenced writes
// into an `accepted` log (the proof that epochs never interleave).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { readServicesEnv } from '@bus/scripts/services-env';
import pg from 'pg';
import { type Elector, type LeaseTimingOptions, type PgQueryable, postgresLease, sqliteLease } from '../../src/index.js';

/** A caller's open transaction. */
export interface CallerTx {
  /** What the caller passes to `fence(tx)`. */
  readonly tx: unknown;
  /** Appends one row to the accepted-writes log in this transaction. */
  write(epoch: number, node: string): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

export interface AcceptedWrite {
  readonly seq: number;
  readonly epoch: number;
  readonly node: string;
}

export interface LeaseEnv {
  readonly name: 'postgres' | 'sqlite';
  /** An elector on the suite's tables; `gate` (Postgres) lets a test cut its connection to the database. */
  elector(election: string, timing: LeaseTimingOptions & { fenceIdleTimeoutMs?: number }, gate?: Gate): Elector;
  /** Whether the engine's own clock says the lease of `election` has expired. */
  leaseExpired(election: string): Promise<boolean>;
  begin(): Promise<CallerTx>;
  accepted(): Promise<AcceptedWrite[]>;
  cleanup(): Promise<void>;
}

/**
 * A fault injected between an elector and its database: while cut, every
 * statement waits (a partition); when healed, the waiting ones fail as a
 * broken connection would, and new ones go through.
 */
export class Gate {
  #heal: Promise<void> | undefined;
  #open: (() => void) | undefined;
  cut(): void {
    this.#heal ??= new Promise((resolve) => {
      this.#open = resolve;
    });
  }
  heal(): void {
    this.#open?.();
    this.#heal = undefined;
  }
  wrap(pool: PgQueryable): PgQueryable {
    return {
      query: async (text, values) => {
        if (this.#heal !== undefined) {
          await this.#heal;
          throw new Error('connection lost during the partition');
        }
        return pool.query(text, values);
      },
    };
  }
}

export function requirePostgresUrl(): string {
  const { pgUrl } = readServicesEnv();
  if (pgUrl === undefined) {
    throw new Error('BUS_PG_URL is not set: start the services (`pnpm services:up`) or set BUS_PG_URL. These tests fail rather than skip.');
  }
  return pgUrl;
}

export async function postgresEnv(): Promise<LeaseEnv> {
  const url = requirePostgresUrl();
  const schema = `bus_cluster_test_${process.pid}_${randomBytes(3).toString('hex')}`;
  const pool = new pg.Pool({ connectionString: url, max: 20 });
  await pool.query(`CREATE SCHEMA "${schema}"`);
  await pool.query(`CREATE TABLE "${schema}".accepted (seq bigserial PRIMARY KEY, epoch bigint NOT NULL, node text NOT NULL)`);
  return {
    name: 'postgres',
    elector: (election, timing, gate) =>
      postgresLease({ pool: gate === undefined ? pool : gate.wrap(pool), name: election, schema, ...timing }),
    leaseExpired: async (election) =>
      (await pool.query(`SELECT expires_at < clock_timestamp() AS expired FROM "${schema}".bus_cluster_leases WHERE name = $1`, [election]))
        .rows[0]?.expired === true,
    begin: async () => {
      const client = await pool.connect();
      // Postgres ends a fenced transaction left idle past its timeout: the client reports it here, the commit rejects.
      const ended = () => {};
      client.on('error', ended);
      await client.query('BEGIN');
      const end = async (sql: string) => {
        try {
          await client.query(sql);
        } catch (error) {
          client.off('error', ended);
          client.release(true);
          throw error;
        }
        client.off('error', ended);
        client.release();
      };
      return {
        tx: client,
        write: async (epoch, node) => {
          await client.query(`INSERT INTO "${schema}".accepted (epoch, node) VALUES ($1, $2)`, [epoch, node]);
        },
        commit: () => end('COMMIT'),
        rollback: () => end('ROLLBACK'),
      };
    },
    accepted: async () =>
      (await pool.query(`SELECT seq, epoch, node FROM "${schema}".accepted ORDER BY seq`)).rows.map((r) => ({
        seq: Number(r.seq),
        epoch: Number(r.epoch),
        node: r.node as string,
      })),
    cleanup: async () => {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    },
  };
}

export async function sqliteEnv(): Promise<LeaseEnv> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bus-cluster-'));
  const file = path.join(dir, 'cluster.db');
  const admin = new DatabaseSync(file, { timeout: 5_000 });
  admin.exec('PRAGMA journal_mode = WAL');
  admin.exec('CREATE TABLE accepted (seq INTEGER PRIMARY KEY AUTOINCREMENT, epoch INTEGER NOT NULL, node TEXT NOT NULL)');
  const opened: DatabaseSync[] = [];
  return {
    name: 'sqlite',
    elector: (election, timing) => sqliteLease({ path: file, name: election, ...timing }),
    leaseExpired: async (election) =>
      (
        admin
          .prepare(
            `SELECT expires_at < CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER) AS expired FROM bus_cluster_leases WHERE name = ?`,
          )
          .get(election) as { expired: number } | undefined
      )?.expired === 1,
    begin: async () => {
      const db = new DatabaseSync(file, { timeout: 5_000 });
      opened.push(db);
      db.exec('BEGIN IMMEDIATE');
      return {
        tx: db,
        write: async (epoch, node) => {
          db.prepare('INSERT INTO accepted (epoch, node) VALUES (?, ?)').run(epoch, node);
        },
        commit: async () => {
          db.exec('COMMIT');
          db.close();
        },
        rollback: async () => {
          db.exec('ROLLBACK');
          db.close();
        },
      };
    },
    accepted: async () =>
      (admin.prepare('SELECT seq, epoch, node FROM accepted ORDER BY seq').all() as { seq: number; epoch: number; node: string }[]).map(
        (r) => ({ ...r }),
      ),
    cleanup: async () => {
      for (const db of opened) if (db.isOpen) db.close();
      admin.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
