/**
 * The SQLite tables of the outbox, with the same columns as the Postgres
 * ones (times as epoch ms). SQLite has one writer at a time, so a claim —
 * one UPDATE … RETURNING — is atomic without locks of our own.
 */
import { martyTables } from './marty-schema.js';
import { type TableLayout, tableLayout } from './table-layout.js';
import type { ResolvedTableNames } from './table-names.js';

/** The schema version this code writes. */
export const SQLITE_SCHEMA_VERSION = 1;

/** The statements that bring an empty database to version 1. */
export function sqliteMigrationV1(t: ResolvedTableNames): string {
  return `
CREATE TABLE IF NOT EXISTS "${t.outbox}" (
  seq           INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id      TEXT NOT NULL,
  event_type    TEXT NOT NULL,
  partition_key TEXT,
  attributes    TEXT NOT NULL,
  payload       BLOB,
  payload_kind  INTEGER NOT NULL,
  created_at    INTEGER NOT NULL,
  available_at  INTEGER NOT NULL,
  attempts      INTEGER NOT NULL DEFAULT 0,
  last_error    TEXT,
  lease_until   INTEGER,
  claimed_by    TEXT,
  sent_at       INTEGER
);
${sqliteOutboxIndexes(t, BUS_LAYOUT)}
CREATE TABLE IF NOT EXISTS "${t.deadLetters}" (
  seq           INTEGER PRIMARY KEY,
  event_id      TEXT NOT NULL,
  event_type    TEXT NOT NULL,
  partition_key TEXT,
  attributes    TEXT NOT NULL,
  payload       BLOB,
  payload_kind  INTEGER NOT NULL,
  created_at    INTEGER NOT NULL,
  attempts      INTEGER NOT NULL,
  last_error    TEXT NOT NULL,
  failed_at     INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS "${t.deadLetters}_event" ON "${t.deadLetters}" (event_id);
CREATE INDEX IF NOT EXISTS "${t.deadLetters}_failed" ON "${t.deadLetters}" (failed_at);
${sqliteInboxTable(t)}
`;
}

const BUS_LAYOUT = tableLayout('bus');

/** The inbox table, the same in every layout. */
function sqliteInboxTable(t: ResolvedTableNames): string {
  return `CREATE TABLE IF NOT EXISTS "${t.inbox}" (
  consumer   TEXT NOT NULL,
  event_id   TEXT NOT NULL,
  handled_at INTEGER NOT NULL,
  PRIMARY KEY (consumer, event_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS "${t.inbox}_handled" ON "${t.inbox}" (handled_at);`;
}

/** The indexes of the outbox table: due rows, unsent rows by key, sent rows, rows in flight by key. */
function sqliteOutboxIndexes(t: ResolvedTableNames, layout: TableLayout): string {
  const { seq, availableAt, partitionKey, sentAt, leaseUntil } = layout.columns;
  const inflight =
    layout.name === 'bus'
      ? ''
      : `
CREATE INDEX IF NOT EXISTS "${t.outbox}_inflight" ON "${t.outbox}" (${partitionKey}, ${seq})
  WHERE ${layout.unsent()} AND ${partitionKey} IS NOT NULL AND (${leaseUntil} IS NOT NULL OR attempts > 0);`;
  return `CREATE INDEX IF NOT EXISTS "${t.outbox}_due" ON "${t.outbox}" (${availableAt}, ${seq}) WHERE ${layout.unsent()};
CREATE INDEX IF NOT EXISTS "${t.outbox}_key" ON "${t.outbox}" (${partitionKey}, ${seq}) WHERE ${layout.unsent()} AND ${partitionKey} IS NOT NULL;
CREATE INDEX IF NOT EXISTS "${t.outbox}_sent" ON "${t.outbox}" (${sentAt}) WHERE ${sentAt} IS NOT NULL;${inflight}`;
}

/** Version 1 of the `'marty'` layout: Python's tables (`marty-schema.ts`), the relay's indexes on its columns, the inbox. */
export function sqliteMartyMigration(t: ResolvedTableNames, layout: TableLayout): string {
  return `
${martyTables('sqlite', t, `"${t.outbox}"`, `"${t.deadLetters}"`)}
${sqliteOutboxIndexes(t, layout)}
${sqliteInboxTable(t)}
`;
}

/** The SQL function the store registers on its connection: the key shard of a row (`keyShard` in `shards.ts`). */
export const SQLITE_SHARD_FUNCTION = 'bus_outbox_key_shard';

/** The claim: due, unleased rows that no earlier unsent row of their key holds back (see `postgres-schema.ts`);
 * with ?5 (the shard count) and ?6 (the owned shards, a JSON array), only rows of those shards. */
export function sqliteClaimSql(t: ResolvedTableNames, layout: TableLayout = BUS_LAYOUT): string {
  const { seq, partitionKey: key, availableAt, leaseUntil, claimedBy } = layout.columns;
  return `
UPDATE "${t.outbox}" SET ${leaseUntil} = ?1 + ?3, ${claimedBy} = ?2${layout.onClaim}
 WHERE ${seq} IN (
   SELECT c.${seq} FROM "${t.outbox}" AS c
    WHERE ${layout.unsent('c.')} AND c.${availableAt} <= ?1
      AND (c.${leaseUntil} IS NULL OR c.${leaseUntil} < ?1)
      AND (?5 IS NULL OR ${SQLITE_SHARD_FUNCTION}(c.${key}, ?5) IN (SELECT value FROM json_each(?6)))
      AND (c.${key} IS NULL OR NOT EXISTS (
            SELECT 1 FROM "${t.outbox}" AS p
             WHERE p.${key} = c.${key} AND p.${seq} < c.${seq} AND ${layout.unsent('p.')}
               AND ((p.${leaseUntil} IS NOT NULL AND p.${leaseUntil} >= ?1) OR (p.attempts > 0 AND p.${availableAt} > ?1))))
    ORDER BY c.${seq} LIMIT ?4)
RETURNING ${layout.recordColumns()}, created_at`;
}
