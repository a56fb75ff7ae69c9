/**
 * The Postgres tables of the outbox and their migrations, kept in a version
 * table and run under a transaction-scoped advisory lock so that processes
 * starting together migrate once.
 *
 * The claim is a function, so that it takes its lock and its snapshot in one
 * round trip: `pg_advisory_xact_lock` serialises claims (a claim is one short
 * statement), and in a VOLATILE PL/pgSQL function the UPDATE that follows
 * sees every lease committed before the lock was granted. That is what makes
 * "no earlier unsent row of the key is in flight" exact across relays.
 * Rows become visible when they commit, in whatever order: the claim scans
 * unsent rows, not a cursor past the highest seq it saw, so a row that
 * commits after a later one is still claimed (the BIGSERIAL pitfall).
 */
import { martyTables } from './marty-schema.js';
import { type TableLayout, tableLayout } from './table-layout.js';
import type { ResolvedTableNames } from './table-names.js';

/** Qualified, quoted names. */
export interface PostgresNames {
  readonly outbox: string;
  readonly dead: string;
  readonly inbox: string;
  readonly version: string;
  readonly claim: string;
  readonly channel: string;
  /** The advisory lock key of migrations and claims of this outbox. */
  readonly lockKey: string;
}

/** The names of `tables` in `schema`. */
export function postgresNames(schema: string, tables: ResolvedTableNames): PostgresNames {
  const q = (name: string) => `"${schema}"."${name}"`;
  return {
    outbox: q(tables.outbox),
    dead: q(tables.deadLetters),
    inbox: q(tables.inbox),
    version: q(tables.version),
    claim: q(`${tables.outbox}_claim`),
    channel: `${schema}_${tables.outbox}`.slice(0, 63),
    lockKey: `${schema}.${tables.outbox}`,
  };
}

/** The schema version this code writes. */
export const POSTGRES_SCHEMA_VERSION = 3;

const BUS_LAYOUT = tableLayout('bus');

/** The statements that bring an empty schema to version 1. */
export function postgresMigrationV1(names: PostgresNames, tables: ResolvedTableNames): string {
  return `
CREATE TABLE IF NOT EXISTS ${names.outbox} (
  seq           BIGSERIAL PRIMARY KEY,
  event_id      TEXT NOT NULL,
  event_type    TEXT NOT NULL,
  partition_key TEXT,
  attributes    JSONB NOT NULL,
  payload       BYTEA,
  payload_kind  SMALLINT NOT NULL,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  available_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  attempts      INTEGER NOT NULL DEFAULT 0,
  last_error    TEXT,
  lease_until   TIMESTAMPTZ,
  claimed_by    TEXT,
  sent_at       TIMESTAMPTZ
);
${outboxIndexes(names, tables, BUS_LAYOUT)}
CREATE TABLE IF NOT EXISTS ${names.dead} (
  seq           BIGINT PRIMARY KEY,
  event_id      TEXT NOT NULL,
  event_type    TEXT NOT NULL,
  partition_key TEXT,
  attributes    JSONB NOT NULL,
  payload       BYTEA,
  payload_kind  SMALLINT NOT NULL,
  created_at    TIMESTAMPTZ NOT NULL,
  attempts      INTEGER NOT NULL,
  last_error    TEXT NOT NULL,
  failed_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS "${tables.deadLetters}_event" ON ${names.dead} (event_id);
CREATE INDEX IF NOT EXISTS "${tables.deadLetters}_failed" ON ${names.dead} (failed_at);
${inboxTable(names, tables)}
${claimFunction(names, false, BUS_LAYOUT)}
`;
}

/** The inbox table, the same in every layout. */
function inboxTable(names: PostgresNames, tables: ResolvedTableNames): string {
  return `CREATE TABLE IF NOT EXISTS ${names.inbox} (
  consumer   TEXT NOT NULL,
  event_id   TEXT NOT NULL,
  handled_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);
CREATE INDEX IF NOT EXISTS "${tables.inbox}_handled" ON ${names.inbox} (handled_at);`;
}

/** The indexes of the outbox table that version 1 made: due rows, unsent rows by key, sent rows. */
function outboxIndexes(names: PostgresNames, tables: ResolvedTableNames, layout: TableLayout): string {
  const { seq, availableAt, partitionKey, sentAt } = layout.columns;
  const t = tables.outbox;
  return `CREATE INDEX IF NOT EXISTS "${t}_due" ON ${names.outbox} (${availableAt}, ${seq}) WHERE ${layout.unsent()};
CREATE INDEX IF NOT EXISTS "${t}_key" ON ${names.outbox} (${partitionKey}, ${seq}) WHERE ${layout.unsent()} AND ${partitionKey} IS NOT NULL;
CREATE INDEX IF NOT EXISTS "${t}_sent" ON ${names.outbox} (${sentAt}) WHERE ${sentAt} IS NOT NULL;`;
}

/**
 * Version 2: an index of the rows in flight or backing off, by key. The claim asks, for every candidate row,
 * whether an earlier row of its key is in flight; over the key index that probe read every unsent row of the
 * key (a backlog of 4,000 rows on 16 keys: 45 ms a claim); over this one it reads the few rows in flight
 * (5 ms a claim, 6x the relay's throughput).
 */
export function postgresMigrationV2(names: PostgresNames, tables: ResolvedTableNames, layout: TableLayout = BUS_LAYOUT): string {
  const { seq, partitionKey, leaseUntil } = layout.columns;
  return `CREATE INDEX IF NOT EXISTS "${tables.outbox}_inflight" ON ${names.outbox} (${partitionKey}, ${seq})
  WHERE ${layout.unsent()} AND ${partitionKey} IS NOT NULL AND (${leaseUntil} IS NOT NULL OR attempts > 0);`;
}

/**
 * Version 3: the claim takes key shards. `p_shards` lists the shards this relay claims from, out of
 * `p_shard_count`; a row's shard is its partition key's hash modulo the count, and a row without a key is in
 * shard 0. The per-key rule is unchanged and spans shards, so relays whose shard counts disagree (during a
 * resize) still never send one key out of order. A three-argument call (an older relay) claims from every shard.
 */
export function postgresMigrationV3(names: PostgresNames, layout: TableLayout = BUS_LAYOUT): string {
  return `DROP FUNCTION IF EXISTS ${names.claim}(TEXT, INTEGER, INTEGER);
${claimFunction(names, true, layout)}`;
}

/**
 * Version 1 of the `'marty'` layout: Python's tables (`marty-schema.ts`; `event_data` is TEXT, not jsonb, because
 * psycopg2 would hand SQLAlchemy a dict that Python then `json.loads`), the relay's indexes on its columns, the inbox.
 * Versions 2 and 3 follow as for `'bus'`, on its columns.
 */
export function postgresMartyMigration(names: PostgresNames, tables: ResolvedTableNames, layout: TableLayout): string {
  return `
${martyTables('postgres', tables, names.outbox, names.dead)}
${outboxIndexes(names, tables, layout)}
${inboxTable(names, tables)}
`;
}

/** The shard of a row, in SQL: what {@link postgresMigrationV3}'s claim filters on and `statsByShard` groups by. */
export function postgresShardOf(row: string, count: string, layout: TableLayout = BUS_LAYOUT): string {
  const key = `${row}.${layout.columns.partitionKey}`;
  return `(CASE WHEN ${key} IS NULL THEN 0 ELSE ((hashtextextended(${key}, 0) & 2147483647) % ${count})::int END)`;
}

/** The claim function: one statement under the claim lock (see the file's comment), with or without key shards. */
function claimFunction(names: PostgresNames, sharded: boolean, layout: TableLayout): string {
  const { seq, partitionKey: key, availableAt, leaseUntil, claimedBy } = layout.columns;
  return `CREATE OR REPLACE FUNCTION ${names.claim}(p_relay TEXT, p_limit INTEGER, p_lease_ms INTEGER${sharded ? ', p_shard_count INTEGER DEFAULT 1, p_shards INTEGER[] DEFAULT NULL' : ''})
RETURNS SETOF ${names.outbox} LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  v_now TIMESTAMPTZ;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('${names.lockKey}:claim', 0));
  -- One instant for the whole claim, read after the lock: clock_timestamp() moves while the statement scans, so a
  -- lease ending mid-scan could count as live for a row's own check and as over for a later row's check of it,
  -- and the later row of the key went first (seen by the crash test as keys out of order in the topic's log).
  v_now := clock_timestamp();
  RETURN QUERY
  UPDATE ${names.outbox} AS o
     SET ${leaseUntil} = v_now + p_lease_ms * interval '1 millisecond', ${claimedBy} = p_relay${layout.onClaim}
   WHERE o.${seq} IN (
     SELECT c.${seq} FROM ${names.outbox} AS c
      WHERE ${layout.unsent('c.')}
        AND c.${availableAt} <= v_now
        AND (c.${leaseUntil} IS NULL OR c.${leaseUntil} < v_now)${
          sharded
            ? `
        AND (p_shards IS NULL OR ${postgresShardOf('c', 'p_shard_count', layout)} = ANY(p_shards))`
            : ''
        }
        AND (c.${key} IS NULL OR NOT EXISTS (
              SELECT 1 FROM ${names.outbox} AS p
               WHERE p.${key} = c.${key} AND p.${seq} < c.${seq} AND ${layout.unsent('p.')}
                 AND ((p.${leaseUntil} IS NOT NULL AND p.${leaseUntil} >= v_now)
                      OR (p.attempts > 0 AND p.${availableAt} > v_now))))
      ORDER BY c.${seq}
      LIMIT p_limit
      FOR UPDATE SKIP LOCKED)
  RETURNING o.*;
END
$fn$;`;
}
