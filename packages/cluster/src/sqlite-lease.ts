/**
 * The SQLite lease elector, for nodes that share one host (and one database
 * file): the same contract as the Postgres lease, each statement in
 * `BEGIN IMMEDIATE`, with SQLite's clock (the host's). Its connection never
 * waits on a lock (the driver is synchronous: a wait would block the event
 * loop); a busy database is retried after a few ms instead.
 */
import type { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { BusError } from '@bus/core';
import type { Elector, ElectorListener, LeaderTerm } from './elector.js';
import { LeaseLoop } from './lease-loop.js';
import { type LeaseTiming, type LeaseTimingOptions, leaseTiming } from './lease-timing.js';
import type { ClusterMember, MemberStore } from './member-store.js';
import type { ClusterNode } from './node-identity.js';
import { type ClusterTables, clusterTables, identifier } from './sql-names.js';
import type { StateStore } from './state-store.js';

/**
 * Options of {@link sqliteLease}: a `path`, or a `database` of your own.
 *
 * @example
 * ```ts
 * sqliteLease({ path: '/var/lib/billing/cluster.db', name: 'billing-relay', ttlMs: 3_000 });
 * ```
 */
export interface SqliteLeaseOptions extends LeaseTimingOptions {
  /** The database file (every node of the host opens the same one). */
  readonly path?: string;
  /** Or a `node:sqlite` `DatabaseSync` the elector uses (and never closes). */
  readonly database?: DatabaseSync;
  /** The election: one leader per name. */
  readonly name: string;
  /** The prefix of the tables. Default `'bus_cluster'`. */
  readonly tablePrefix?: string;
  /** How long a statement is retried while another connection holds the database. Default: the renew interval. */
  readonly busyTimeoutMs?: number;
}

/** A SQLite lease elector, with the heartbeat and state tables of the same file. */
export interface SqliteLease extends Elector {
  /** Fences `tx` (a `DatabaseSync` inside `BEGIN IMMEDIATE`) for `term`. */
  fence(tx: unknown, term: LeaderTerm): Promise<void>;
  readonly members: MemberStore;
  readonly state: StateStore;
  /** The lease's timing. */
  readonly timing: LeaseTiming;
}

/** SQLite's "now" in epoch ms (the host's wall clock, at ms precision). */
const NOW_MS = `CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER)`;
const SQLITE_BUSY = 5;

function isSqliteDatabase(value: unknown): value is DatabaseSync {
  const db = value as DatabaseSync | undefined;
  return typeof db?.prepare === 'function' && typeof db.exec === 'function';
}

/**
 * Creates a SQLite lease elector. Give it to `cluster({ elector })`.
 *
 * @example
 * ```ts
 * const bus = createBus().use(cluster({ elector: sqliteLease({ path: 'cluster.db', name: 'scheduler' }) }));
 * ```
 */
export function sqliteLease(options: SqliteLeaseOptions): SqliteLease {
  const { name } = options ?? ({} as SqliteLeaseOptions);
  if (typeof name !== 'string' || name.length === 0) throw new BusError('CONFIG_INVALID', 'sqliteLease() needs a `name`.');
  if (options.database !== undefined && !isSqliteDatabase(options.database)) {
    throw new BusError('CONFIG_INVALID', 'sqliteLease({ database }) takes a node:sqlite DatabaseSync.');
  }
  if (options.database === undefined && typeof options.path !== 'string') {
    throw new BusError('CONFIG_INVALID', 'sqliteLease() needs a `path` or a `database` (a node:sqlite DatabaseSync).');
  }
  const timing = leaseTiming(options);
  const busyTimeoutMs = options.busyTimeoutMs ?? timing.renewIntervalMs;
  const tables = clusterTables(identifier(options.tablePrefix ?? 'bus_cluster', 'tablePrefix'));
  let db: DatabaseSync | undefined;
  let node: ClusterNode | undefined;
  let loop: LeaseLoop | undefined;

  const connection = async (): Promise<DatabaseSync> => {
    if (db !== undefined) return db;
    let opened: DatabaseSync;
    if (options.database !== undefined) opened = options.database;
    else {
      // Loaded at run time: bundlers drop the `node:` prefix of a static import, and `sqlite` is no module.
      const { DatabaseSync: Database } = process.getBuiltinModule('node:sqlite');
      opened = new Database(options.path as string, { timeout: 0 });
      await retryBusy(busyTimeoutMs, () => opened.exec('PRAGMA journal_mode = WAL'));
    }
    await immediate(opened, busyTimeoutMs, () => opened.exec(migration(tables)));
    db = opened;
    return opened;
  };
  const write = async <R>(work: (db: DatabaseSync) => R): Promise<R> => {
    const opened = await connection();
    return immediate(opened, busyTimeoutMs, () => work(opened));
  };
  const read = async <R>(work: (db: DatabaseSync) => R): Promise<R> => {
    const opened = await connection();
    return retryBusy(busyTimeoutMs, () => work(opened));
  };
  const holder = () => {
    if (node === undefined) throw new BusError('BUS_NOT_STARTED', `the SQLite lease '${name}' has not been started.`);
    return node.id;
  };

  const members: MemberStore = {
    heartbeat: (cluster, member) =>
      write((d) => {
        d.prepare(
          `INSERT INTO ${tables.members} (cluster, node_id, host, started_at, version, metadata, seen_at)
           VALUES (?, ?, ?, ?, ?, ?, ${NOW_MS})
           ON CONFLICT (cluster, node_id) DO UPDATE SET seen_at = ${NOW_MS}, host = excluded.host,
             version = excluded.version, metadata = excluded.metadata`,
        ).run(cluster, member.id, member.host, member.startedAt, member.version, JSON.stringify(member.metadata));
      }),
    live: (cluster, liveWithinMs) =>
      read((d) =>
        d
          .prepare(
            `SELECT node_id, host, started_at, version, metadata, seen_at FROM ${tables.members}
             WHERE cluster = ? AND seen_at > ${NOW_MS} - ? ORDER BY started_at, node_id`,
          )
          .all(cluster, liveWithinMs)
          .map((row) => {
            const r = row as { node_id: string; host: string; started_at: number; version: string; metadata: string; seen_at: number };
            return {
              id: r.node_id,
              host: r.host,
              startedAt: r.started_at,
              version: r.version,
              metadata: JSON.parse(r.metadata) as Record<string, string>,
              seenAt: r.seen_at,
            } satisfies ClusterMember;
          }),
      ),
    leave: (cluster, nodeId) =>
      write((d) => {
        d.prepare(`DELETE FROM ${tables.members} WHERE cluster = ? AND node_id = ?`).run(cluster, nodeId);
      }),
  };

  const state: StateStore = {
    put: (cluster, scope, key, value) =>
      write((d) => {
        // Inside BEGIN IMMEDIATE: one writer at a time, so versions follow commit order.
        const head = d
          .prepare(
            `INSERT INTO ${tables.stateHeads} (cluster, version) VALUES (?, 1)
             ON CONFLICT (cluster) DO UPDATE SET version = version + 1 RETURNING version`,
          )
          .get(cluster) as { version: number };
        d.prepare(
          `INSERT INTO ${tables.state} (cluster, scope, key, value, version) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (cluster, scope, key) DO UPDATE SET value = excluded.value, version = excluded.version`,
        ).run(cluster, scope, key, value === undefined ? null : JSON.stringify(value), head.version);
        return head.version;
      }),
    changesSince: (cluster, version) =>
      read((d) =>
        d
          .prepare(`SELECT scope, key, value, version FROM ${tables.state} WHERE cluster = ? AND version > ? ORDER BY version`)
          .all(cluster, version)
          .map((row) => {
            const r = row as { scope: string; key: string; value: string | null; version: number };
            return { scope: r.scope, key: r.key, value: r.value === null ? undefined : JSON.parse(r.value), version: r.version };
          }),
      ),
  };

  return {
    name,
    timing,
    members,
    state,
    async start(self: ClusterNode, listener: ElectorListener) {
      node = self;
      await write((d) => d.prepare(`INSERT INTO ${tables.leases} (name) VALUES (?) ON CONFLICT (name) DO NOTHING`).run(name));
      loop = new LeaseLoop(
        {
          acquire: () =>
            write((d) => {
              const row = d
                .prepare(
                  `UPDATE ${tables.leases} SET holder = ?, epoch = epoch + 1, expires_at = ${NOW_MS} + ?, acquired_at = ${NOW_MS}
                   WHERE name = ? AND (expires_at < ${NOW_MS} OR holder = ?) RETURNING epoch`,
                )
                .get(holder(), timing.ttlMs, name, holder()) as { epoch: number } | undefined;
              return row?.epoch;
            }),
          renew: (epoch) =>
            write(
              (d) =>
                d
                  .prepare(
                    `UPDATE ${tables.leases} SET expires_at = ${NOW_MS} + ?
                     WHERE name = ? AND holder = ? AND epoch = ? AND expires_at > ${NOW_MS}`,
                  )
                  .run(timing.ttlMs, name, holder(), epoch).changes === 1,
            ),
          release: async (epoch) => {
            await write((d) =>
              d
                .prepare(`UPDATE ${tables.leases} SET expires_at = ${NOW_MS} WHERE name = ? AND holder = ? AND epoch = ?`)
                .run(name, holder(), epoch),
            );
          },
          latestEpoch: () =>
            read(
              (d) =>
                (d.prepare(`SELECT epoch FROM ${tables.leases} WHERE name = ?`).get(name) as { epoch: number } | undefined)?.epoch ?? 0,
            ),
        },
        timing,
        listener,
      );
      loop.start();
    },
    async stop() {
      await loop?.stop();
      loop = undefined;
      if (options.database === undefined) db?.close();
      db = undefined;
    },
    async fence(tx, term) {
      if (!isSqliteDatabase(tx) || !tx.isTransaction) {
        throw new BusError('TX_INVALID', 'fence(tx) takes a node:sqlite DatabaseSync inside BEGIN IMMEDIATE.');
      }
      if (!term.isValid()) throw lost(name, term);
      // The caller's write lock (BEGIN IMMEDIATE) keeps every other node from taking the lease until it commits.
      const row = tx
        .prepare(`SELECT epoch FROM ${tables.leases} WHERE name = ? AND holder = ? AND epoch = ? AND expires_at > ${NOW_MS}`)
        .get(name, holder(), term.epoch);
      if (row === undefined || !term.isValid()) throw lost(name, term);
    },
  };
}

function lost(name: string, term: LeaderTerm): BusError {
  return new BusError('LEADERSHIP_LOST', `fenced write refused: this node no longer leads '${name}' with epoch ${term.epoch}.`);
}

function migration(tables: ClusterTables): string {
  return `
    CREATE TABLE IF NOT EXISTS ${tables.leases} (
      name TEXT PRIMARY KEY, holder TEXT, epoch INTEGER NOT NULL DEFAULT 0, expires_at INTEGER NOT NULL DEFAULT 0, acquired_at INTEGER);
    CREATE TABLE IF NOT EXISTS ${tables.members} (
      cluster TEXT NOT NULL, node_id TEXT NOT NULL, host TEXT NOT NULL, started_at INTEGER NOT NULL, version TEXT NOT NULL,
      metadata TEXT NOT NULL, seen_at INTEGER NOT NULL, PRIMARY KEY (cluster, node_id));
    CREATE TABLE IF NOT EXISTS ${tables.stateHeads} (cluster TEXT PRIMARY KEY, version INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS ${tables.state} (
      cluster TEXT NOT NULL, scope TEXT NOT NULL, key TEXT NOT NULL, value TEXT, version INTEGER NOT NULL,
      PRIMARY KEY (cluster, scope, key));`;
}

/** Runs `work` in `BEGIN IMMEDIATE … COMMIT`, retried while the database is busy. */
function immediate<R>(db: DatabaseSync, busyTimeoutMs: number, work: () => R): Promise<R> {
  return retryBusy(busyTimeoutMs, () => {
    if (db.isTransaction) throw Object.assign(new Error('the connection is inside a transaction of its caller'), { errcode: SQLITE_BUSY });
    db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      db.exec('COMMIT');
      return result;
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw error;
    }
  });
}

async function retryBusy<R>(busyTimeoutMs: number, work: () => R): Promise<R> {
  const deadline = performance.now() + busyTimeoutMs;
  let delay = 1;
  for (;;) {
    try {
      return work();
    } catch (error) {
      const busy = (error as { errcode?: number } | undefined)?.errcode;
      if ((busy ?? 0) % 256 !== SQLITE_BUSY || performance.now() >= deadline) throw BusError.from(error, 'STORE_FAILED');
      await sleep(delay);
      delay = Math.min(delay * 2, 20);
    }
  }
}
