/**
 * The SQLite tables of the outbox, with the same columns as the Postgres
 * ones (times as epoch ms). SQLite has one writer at a time, so a claim —
 * one UPDATE … RETURNING — is atomic without locks of our own.
 */
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
CREATE INDEX IF NOT EXISTS "${t.outbox}_due" ON "${t.outbox}" (available_at, seq) WHERE sent_at IS NULL;
CREATE INDEX IF NOT EXISTS "${t.outbox}_key" ON "${t.outbox}" (partition_key, seq) WHERE sent_at IS NULL AND partition_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS "${t.outbox}_sent" ON "${t.outbox}" (sent_at) WHERE sent_at IS NOT NULL;
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
CREATE TABLE IF NOT EXISTS "${t.inbox}" (
  consumer   TEXT NOT NULL,
  event_id   TEXT NOT NULL,
  handled_at INTEGER NOT NULL,
  PRIMARY KEY (consumer, event_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS "${t.inbox}_handled" ON "${t.inbox}" (handled_at);
`;
}

/** The SQL function the store registers on its connection: the key shard of a row (`keyShard` in `shards.ts`). */
export const SQLITE_SHARD_FUNCTION = 'bus_outbox_key_shard';

/** The claim: due, unleased rows that no earlier unsent row of their key holds back (see `postgres-schema.ts`);
 * with ?5 (the shard count) and ?6 (the owned shards, a JSON array), only rows of those shards. */
export function sqliteClaimSql(t: ResolvedTableNames): string {
  return `
UPDATE "${t.outbox}" SET lease_until = ?1 + ?3, claimed_by = ?2
 WHERE seq IN (
   SELECT c.seq FROM "${t.outbox}" AS c
    WHERE c.sent_at IS NULL AND c.available_at <= ?1
      AND (c.lease_until IS NULL OR c.lease_until < ?1)
      AND (?5 IS NULL OR ${SQLITE_SHARD_FUNCTION}(c.partition_key, ?5) IN (SELECT value FROM json_each(?6)))
      AND (c.partition_key IS NULL OR NOT EXISTS (
            SELECT 1 FROM "${t.outbox}" AS p
             WHERE p.partition_key = c.partition_key AND p.seq < c.seq AND p.sent_at IS NULL
               AND ((p.lease_until IS NOT NULL AND p.lease_until >= ?1) OR (p.attempts > 0 AND p.available_at > ?1))))
    ORDER BY c.seq LIMIT ?4)
RETURNING seq, attributes, payload, payload_kind, attempts, created_at`;
}
