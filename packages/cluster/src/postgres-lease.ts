/**
 * The Postgres lease elector. Leadership is a row taken and renewed with the
 * database's clock, in single statements (it works through PgBouncer and
 * any pool: no session state, no advisory lock):
 * `UPDATE … SET holder = me, epoch = epoch + 1, expires_at = now() + ttl
 *  WHERE expires_at < now() OR holder = me RETURNING epoch`.
 * Fencing locks that row `FOR SHARE` in the caller's transaction, so no
 * other node can take the lease (and bump the epoch) until it ends.
 */
import { BusError } from '@bus/core';
import type { Elector, ElectorListener, LeaderTerm } from './elector.js';
import { LeaseLoop } from './lease-loop.js';
import { type LeaseTiming, type LeaseTimingOptions, leaseTiming } from './lease-timing.js';
import type { ClusterMember, MemberStore } from './member-store.js';
import type { ClusterNode } from './node-identity.js';
import { type ClusterTables, clusterTables, identifier } from './sql-names.js';
import type { StateChange, StateStore } from './state-store.js';

/** What the elector needs of a `pg.Pool` or `pg.Client` (a `pg.Pool` is one): single statements. */
export interface PgQueryable {
  /** Runs one statement. */
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * Options of {@link postgresLease}.
 *
 * @example
 * ```ts
 * postgresLease({ pool, name: 'billing-relay', ttlMs: 5_000, schema: 'ops' });
 * ```
 */
export interface PostgresLeaseOptions extends LeaseTimingOptions {
  /** A `pg.Pool` (or anything with `query`); the elector never ends it. */
  readonly pool: PgQueryable;
  /** The election: one leader per name. */
  readonly name: string;
  /** The schema of the tables, created if missing. Default: the connection's `search_path`. */
  readonly schema?: string;
  /** The prefix of the tables (`<prefix>_leases`, `_members`, `_state`, `_state_heads`). Default `'bus_cluster'`. */
  readonly tablePrefix?: string;
  /**
   * How long a fenced transaction may sit idle before Postgres ends it
   * (`idle_in_transaction_session_timeout`, set by `fence`): a paused leader
   * must not hold off every takeover for ever. Default: the ttl.
   */
  readonly fenceIdleTimeoutMs?: number;
}

/** A Postgres lease elector, with the heartbeat and state tables of the same database. */
export interface PostgresLease extends Elector {
  /** Fences `tx` (a `pg` client inside `BEGIN`) for `term`. */
  fence(tx: unknown, term: LeaderTerm): Promise<void>;
  readonly members: MemberStore;
  readonly state: StateStore;
  /** The lease's timing. */
  readonly timing: LeaseTiming;
}

function isQueryable(value: unknown): value is PgQueryable {
  return typeof (value as PgQueryable | undefined)?.query === 'function';
}

/**
 * Creates a Postgres lease elector. Give it to `cluster({ elector })`.
 *
 * @example
 * ```ts
 * const pool = new pg.Pool({ connectionString });
 * const bus = createBus().use(cluster({ elector: postgresLease({ pool, name: 'billing-relay', ttlMs: 5_000 }) }));
 * ```
 */
export function postgresLease(options: PostgresLeaseOptions): PostgresLease {
  const { pool, name } = options ?? ({} as PostgresLeaseOptions);
  if (!isQueryable(pool)) throw new BusError('CONFIG_INVALID', 'postgresLease() needs a `pool` (a pg.Pool).');
  if (typeof name !== 'string' || name.length === 0) throw new BusError('CONFIG_INVALID', 'postgresLease() needs a `name`.');
  const timing = leaseTiming(options);
  const fenceIdleTimeoutMs = options.fenceIdleTimeoutMs ?? timing.ttlMs;
  if (!Number.isInteger(fenceIdleTimeoutMs) || fenceIdleTimeoutMs <= 0) {
    throw new BusError('CONFIG_INVALID', `fenceIdleTimeoutMs must be an integer > 0, got ${fenceIdleTimeoutMs}.`);
  }
  const schema = options.schema === undefined ? undefined : identifier(options.schema, 'schema');
  const tables = clusterTables(identifier(options.tablePrefix ?? 'bus_cluster', 'tablePrefix'), schema);
  const ttl = `($3::bigint * interval '1 millisecond')`;
  let opened: Promise<void> | undefined;
  const open = () => {
    opened ??= migrate(pool, tables, schema).catch((error) => {
      opened = undefined;
      throw error;
    });
    return opened;
  };
  let node: ClusterNode | undefined;
  let loop: LeaseLoop | undefined;

  const holder = () => {
    if (node === undefined) throw new BusError('BUS_NOT_STARTED', `the Postgres lease '${name}' has not been started.`);
    return node.id;
  };

  const members: MemberStore = {
    heartbeat: async (cluster, member) => {
      await open();
      await pool.query(
        `INSERT INTO ${tables.members} (cluster, node_id, host, started_at, version, metadata, seen_at)
         VALUES ($1, $2, $3, to_timestamp($4::float8 / 1000), $5, $6::jsonb, clock_timestamp())
         ON CONFLICT (cluster, node_id) DO UPDATE SET seen_at = clock_timestamp(), host = excluded.host,
           version = excluded.version, metadata = excluded.metadata`,
        [cluster, member.id, member.host, member.startedAt, member.version, JSON.stringify(member.metadata)],
      );
    },
    live: async (cluster, liveWithinMs) => {
      await open();
      const { rows } = await pool.query(
        `SELECT node_id, host, version, metadata,
           (extract(epoch FROM started_at) * 1000)::float8 AS started_ms, (extract(epoch FROM seen_at) * 1000)::float8 AS seen_ms
         FROM ${tables.members}
         WHERE cluster = $1 AND seen_at > clock_timestamp() - ($2::bigint * interval '1 millisecond')
         ORDER BY started_at, node_id`,
        [cluster, liveWithinMs],
      );
      return rows.map((row) => memberOf(row as MemberRow));
    },
    leave: async (cluster, nodeId) => {
      await open();
      await pool.query(`DELETE FROM ${tables.members} WHERE cluster = $1 AND node_id = $2`, [cluster, nodeId]);
    },
  };

  const state: StateStore = {
    put: async (cluster, scope, key, value) => {
      await open();
      // The heads row is locked until commit: versions are handed out in commit order, so readers never skip one.
      const { rows } = await pool.query(
        `WITH head AS (
           INSERT INTO ${tables.stateHeads} (cluster, version) VALUES ($1, 1)
           ON CONFLICT (cluster) DO UPDATE SET version = ${tables.stateHeads}.version + 1
           RETURNING version)
         INSERT INTO ${tables.state} (cluster, scope, key, value, version)
         SELECT $1, $2, $3, $4::jsonb, head.version FROM head
         ON CONFLICT (cluster, scope, key) DO UPDATE SET value = excluded.value, version = excluded.version
         RETURNING version`,
        [cluster, scope, key, value === undefined ? null : JSON.stringify(value)],
      );
      return Number((rows[0] as { version: string }).version);
    },
    changesSince: async (cluster, version) => {
      await open();
      const { rows } = await pool.query(
        `SELECT scope, key, value, version FROM ${tables.state} WHERE cluster = $1 AND version > $2 ORDER BY version`,
        [cluster, version],
      );
      return rows.map((row) => {
        const r = row as { scope: string; key: string; value: unknown; version: string };
        return { scope: r.scope, key: r.key, value: r.value ?? undefined, version: Number(r.version) } satisfies StateChange;
      });
    },
  };

  return {
    name,
    timing,
    members,
    state,
    async start(self: ClusterNode, listener: ElectorListener) {
      node = self;
      await open();
      await pool.query(`INSERT INTO ${tables.leases} (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, [name]);
      loop = new LeaseLoop(
        {
          acquire: async () => {
            const { rows } = await pool.query(
              `UPDATE ${tables.leases} SET holder = $2, epoch = epoch + 1, expires_at = now() + ${ttl}, acquired_at = now()
               WHERE name = $1 AND (expires_at < now() OR holder = $2) RETURNING epoch`,
              [name, holder(), timing.ttlMs],
            );
            const row = rows[0] as { epoch: string } | undefined;
            return row === undefined ? undefined : Number(row.epoch);
          },
          renew: async (epoch) => {
            const { rows } = await pool.query(
              `UPDATE ${tables.leases} SET expires_at = now() + ${ttl}
               WHERE name = $1 AND holder = $2 AND epoch = $4 AND expires_at > now() RETURNING epoch`,
              [name, holder(), timing.ttlMs, epoch],
            );
            return rows.length === 1;
          },
          release: async (epoch) => {
            await pool.query(`UPDATE ${tables.leases} SET expires_at = now() WHERE name = $1 AND holder = $2 AND epoch = $3`, [
              name,
              holder(),
              epoch,
            ]);
          },
          latestEpoch: async () => {
            const { rows } = await pool.query(`SELECT epoch FROM ${tables.leases} WHERE name = $1`, [name]);
            return Number((rows[0] as { epoch: string } | undefined)?.epoch ?? 0);
          },
        },
        timing,
        listener,
      );
      loop.start();
    },
    async stop() {
      await loop?.stop();
      loop = undefined;
    },
    async fence(tx, term) {
      if (!isQueryable(tx)) {
        throw new BusError('TX_INVALID', 'fence(tx) takes a pg client (Client or PoolClient) inside BEGIN.');
      }
      if (!term.isValid()) throw lost(name, term);
      // A paused leader must not hold the row (and every takeover) for ever: its idle transaction ends after a ttl.
      await tx.query(`SET LOCAL idle_in_transaction_session_timeout = ${fenceIdleTimeoutMs}`);
      const { rows } = await tx.query(
        `SELECT epoch FROM ${tables.leases}
         WHERE name = $1 AND holder = $2 AND epoch = $3 AND expires_at > clock_timestamp() FOR SHARE`,
        [name, holder(), term.epoch],
      );
      if (rows.length !== 1 || !term.isValid()) throw lost(name, term);
    },
  };
}

function lost(name: string, term: LeaderTerm): BusError {
  return new BusError('LEADERSHIP_LOST', `fenced write refused: this node no longer leads '${name}' with epoch ${term.epoch}.`);
}

interface MemberRow {
  node_id: string;
  host: string;
  version: string;
  metadata: Record<string, string> | null;
  started_ms: number;
  seen_ms: number;
}

function memberOf(row: MemberRow): ClusterMember {
  return {
    id: row.node_id,
    host: row.host,
    version: row.version,
    metadata: row.metadata ?? {},
    startedAt: Math.round(row.started_ms),
    seenAt: Math.round(row.seen_ms),
  };
}

/** Creates the tables if missing; concurrent starts are serialised by a transaction-scoped advisory lock. */
async function migrate(pool: PgQueryable, tables: ClusterTables, schema: string | undefined): Promise<void> {
  const statements = [
    ...(schema === undefined ? [] : [`CREATE SCHEMA IF NOT EXISTS "${schema}"`]),
    `CREATE TABLE IF NOT EXISTS ${tables.leases} (
       name text PRIMARY KEY, holder text, epoch bigint NOT NULL DEFAULT 0,
       expires_at timestamptz NOT NULL DEFAULT '-infinity', acquired_at timestamptz)`,
    `CREATE TABLE IF NOT EXISTS ${tables.members} (
       cluster text NOT NULL, node_id text NOT NULL, host text NOT NULL, started_at timestamptz NOT NULL,
       version text NOT NULL, metadata jsonb, seen_at timestamptz NOT NULL, PRIMARY KEY (cluster, node_id))`,
    `CREATE TABLE IF NOT EXISTS ${tables.stateHeads} (cluster text PRIMARY KEY, version bigint NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${tables.state} (
       cluster text NOT NULL, scope text NOT NULL, key text NOT NULL, value jsonb, version bigint NOT NULL,
       PRIMARY KEY (cluster, scope, key))`,
  ];
  // One statement string, so a pool runs it on one connection in one implicit transaction.
  await pool.query(
    `DO $migrate$ BEGIN PERFORM pg_advisory_xact_lock(hashtext('bus_cluster_migrate')); ${statements.map((s) => `EXECUTE ${quote(s)};`).join(' ')} END $migrate$`,
  );
}

function quote(sql: string): string {
  return `'${sql.replace(/'/g, "''")}'`;
}
