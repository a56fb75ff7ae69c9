/**
 * The Postgres tables, the append function and the queries of the Postgres
 * backend.
 *
 * Positions that readers can trust: a position is taken from a sequence when
 * an append runs, but appends commit in another order, so a reader that reads
 * "everything after the last position I saw" would skip an event whose
 * transaction took an earlier position and committed later. Two rules close
 * that gap:
 * 1. An append takes its transaction id (`pg_current_xact_id()`, xid8) and its
 *    positions together under a session advisory lock held for those two calls
 *    only (microseconds, never across a round trip or a commit), so positions
 *    and transaction ids grow in the same order.
 * 2. `readAll` returns only rows whose transaction id is below the reader's
 *    snapshot xmin (`pg_snapshot_xmin(pg_current_snapshot())`): every
 *    transaction below it has committed or aborted, so no row with a smaller
 *    transaction id, hence no smaller position, can still appear.
 * A row therefore becomes readable only once every position before it is
 * settled; readers ordering by position never skip one. The price: a
 * long-running write transaction anywhere on the server delays what readers
 * see (never what appends or stream reads see).
 */

/** Quoted, validated names of the backend's objects. */
export interface PostgresTables {
  readonly schema: string;
  readonly events: string;
  readonly positions: string;
  readonly heads: string;
  readonly snapshots: string;
  readonly append: string;
  /** Constraint names, as Postgres reports them in errors (unquoted). */
  readonly streamVersionConstraint: string;
  readonly idConstraint: string;
  /** The advisory lock key pair of this store's position reservations. */
  readonly lockKey: readonly [number, number];
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
/** 'bus!' as an int4: the first advisory lock key, so our locks stand apart from the application's. */
const LOCK_NAMESPACE = 0x62757321;

/** Names for `schema` and `prefix`, which must be lowercase identifiers. */
export function postgresTables(schema: string, prefix: string): PostgresTables {
  if (!IDENTIFIER.test(schema)) throw new TypeError(`schema must be a lowercase SQL identifier ([a-z_][a-z0-9_]*); got '${schema}'.`);
  if (prefix !== '' && !IDENTIFIER.test(prefix)) {
    throw new TypeError(`tablePrefix must be a lowercase SQL identifier prefix ([a-z_][a-z0-9_]*); got '${prefix}'.`);
  }
  const name = (object: string) => `"${schema}"."${prefix}${object}"`;
  return {
    schema: `"${schema}"`,
    events: name('events'),
    positions: name('events_position'),
    heads: name('stream_heads'),
    snapshots: name('snapshots'),
    append: name('append'),
    streamVersionConstraint: `${prefix}events_stream_version`,
    idConstraint: `${prefix}events_id`,
    lockKey: [LOCK_NAMESPACE, fnv1a(`${schema}.${prefix}`)],
  };
}

/** The DDL, idempotent and safe to run from several processes at once (one simple query: one transaction). */
export function createTablesSql(t: PostgresTables, prefix: string): string {
  const [namespace, key] = t.lockKey;
  return `
SELECT pg_advisory_xact_lock(${namespace}, ${key});
CREATE SCHEMA IF NOT EXISTS ${t.schema};
CREATE SEQUENCE IF NOT EXISTS ${t.positions};
CREATE TABLE IF NOT EXISTS ${t.events} (
  position  bigint PRIMARY KEY,
  tx        xid8   NOT NULL,
  stream    text   NOT NULL,
  version   bigint NOT NULL,
  id        text   NOT NULL,
  type      text   NOT NULL,
  stored_at bigint NOT NULL,
  envelope  jsonb  NOT NULL,
  CONSTRAINT "${t.streamVersionConstraint}" UNIQUE (stream, version),
  CONSTRAINT "${t.idConstraint}" UNIQUE (id)
);
CREATE INDEX IF NOT EXISTS "${prefix}events_type" ON ${t.events} (type, position);
CREATE INDEX IF NOT EXISTS "${prefix}events_stored_at" ON ${t.events} (stored_at);
CREATE TABLE IF NOT EXISTS ${t.heads} (stream text PRIMARY KEY, version bigint NOT NULL);
CREATE TABLE IF NOT EXISTS ${t.snapshots} (
  stream   text   NOT NULL,
  version  bigint NOT NULL,
  state    jsonb  NOT NULL,
  taken_at text   NOT NULL,
  PRIMARY KEY (stream, version)
);
CREATE OR REPLACE FUNCTION ${t.append}(
  p_stream text, p_expected text, p_ids text[], p_types text[], p_envelopes text[], p_stored_at bigint
) RETURNS TABLE (status text, current_version bigint, r_position bigint, r_version bigint, r_id text, r_stream text, r_stored_at bigint, r_envelope text)
LANGUAGE plpgsql
-- Statements here keep generic plans for the session; one made while the table was tiny
-- would otherwise seq-scan it on every append as it grows (until an ANALYZE replans).
SET enable_seqscan = off
AS $fn$
DECLARE
  v_current bigint;
  v_stored int;
  v_count int;
  v_tx xid8;
  v_first bigint;
BEGIN
  SELECT (SELECT count(*) FROM ${t.events} AS e WHERE e.id = ANY(p_ids)),
         greatest(
           coalesce((SELECT e.version FROM ${t.events} AS e WHERE e.stream = p_stream ORDER BY e.version DESC LIMIT 1), -1),
           coalesce((SELECT h.version FROM ${t.heads} AS h WHERE h.stream = p_stream), -1))
    INTO v_stored, v_current;
  IF v_stored = cardinality(p_ids) THEN
    -- Every event is stored already: an idempotent retry.
    RETURN QUERY SELECT 'stored'::text, v_current, e.position, e.version, e.id, e.stream, e.stored_at, e.envelope::text
      FROM ${t.events} AS e WHERE e.id = ANY(p_ids);
    RETURN;
  END IF;
  IF NOT (p_expected = 'any'
          OR (p_expected = 'no-stream' AND v_current = -1)
          OR (p_expected = 'exists' AND v_current >= 0)
          OR (p_expected ~ '^-?[0-9]+$' AND p_expected::bigint = v_current)) THEN
    RETURN QUERY SELECT 'conflict'::text, v_current, NULL::bigint, NULL::bigint, NULL::text, NULL::text, NULL::bigint, NULL::text;
    RETURN;
  END IF;
  v_count := cardinality(p_ids) - v_stored;
  -- The transaction id and the positions, together: see the comment of postgres-schema.ts.
  PERFORM pg_advisory_lock(${namespace}, ${key});
  BEGIN
    v_tx := pg_current_xact_id();
    v_first := nextval('${t.positions}');
    IF v_count > 1 THEN
      PERFORM setval('${t.positions}', v_first + v_count - 1);
    END IF;
  EXCEPTION WHEN OTHERS OR query_canceled THEN
    PERFORM pg_advisory_unlock(${namespace}, ${key});
    RAISE;
  END;
  PERFORM pg_advisory_unlock(${namespace}, ${key});
  IF v_stored = 0 THEN
    -- The usual case, no id stored before: one row back, the caller numbers the events
    -- (positions from r_position, versions after current_version, in the order given).
    INSERT INTO ${t.events} (position, tx, stream, version, id, type, stored_at, envelope)
    SELECT v_first + i.n - 1, v_tx, p_stream, v_current + i.n, i.id, i.type, p_stored_at, i.envelope::jsonb
    FROM unnest(p_ids, p_types, p_envelopes) WITH ORDINALITY AS i(id, type, envelope, n);
    RETURN QUERY SELECT 'appended'::text, v_current, v_first, v_count::bigint, NULL::text, NULL::text, NULL::bigint, NULL::text;
    RETURN;
  END IF;
  RETURN QUERY
  WITH fresh AS (
    SELECT i.id, i.type, i.envelope, row_number() OVER (ORDER BY i.ord) AS n
    FROM unnest(p_ids, p_types, p_envelopes) WITH ORDINALITY AS i(id, type, envelope, ord)
    WHERE NOT EXISTS (SELECT 1 FROM ${t.events} AS e WHERE e.id = i.id)
  ), written AS (
    INSERT INTO ${t.events} (position, tx, stream, version, id, type, stored_at, envelope)
    SELECT v_first + f.n - 1, v_tx, p_stream, v_current + f.n, f.id, f.type, p_stored_at, f.envelope::jsonb FROM fresh AS f
    RETURNING position, version, id
  )
  SELECT 'written'::text, v_current, w.position, w.version, w.id, NULL::text, NULL::bigint, NULL::text FROM written AS w
  UNION ALL
  SELECT 'stored'::text, v_current, e.position, e.version, e.id, e.stream, e.stored_at, e.envelope::text
    FROM ${t.events} AS e WHERE v_stored > 0 AND e.id = ANY(p_ids);
END
$fn$;
`;
}

/** The columns every event read returns. */
const COLUMNS = 'position, stream, version, stored_at, envelope::text AS envelope';

/** The queries, with their `$n` parameters. */
export function postgresQueries(t: PostgresTables) {
  return {
    /** $1 stream, $2 expected ('any' | 'no-stream' | 'exists' | a number as text), $3 ids, $4 types, $5 envelopes (JSON text), $6 stored at (ms). */
    append: `SELECT * FROM ${t.append}($1, $2, $3::text[], $4::text[], $5::text[], $6)`,
    /** $1 stream. */
    streamVersion: `SELECT greatest(
        coalesce((SELECT version FROM ${t.events} WHERE stream = $1 ORDER BY version DESC LIMIT 1), -1),
        coalesce((SELECT version FROM ${t.heads} WHERE stream = $1), -1)) AS version`,
    /** $1 stream, $2 low, $3 high, $4 limit (null: none). */
    streamForward: `SELECT ${COLUMNS} FROM ${t.events} WHERE stream = $1 AND version BETWEEN $2 AND $3 ORDER BY version ASC LIMIT $4`,
    streamBackward: `SELECT ${COLUMNS} FROM ${t.events} WHERE stream = $1 AND version BETWEEN $2 AND $3 ORDER BY version DESC LIMIT $4`,
    /**
     * The log, only settled rows (see the file comment). Four variants, so an
     * unbounded read never carries a `position <= $n` whose default estimate
     * (with stale statistics) would turn the ordered index scan into a scan of
     * the whole tail plus a sort. $1 from, $2 limit (null: none), then $3 to
     * and/or the exact types.
     */
    all: readAllQuery(t, false, false),
    allTo: readAllQuery(t, true, false),
    allOfTypes: readAllQuery(t, false, true),
    allToOfTypes: readAllQuery(t, true, true),
    /** $1 before (ms), $2 types (null: all), $3 streams (null: all). */
    purge: `WITH doomed AS (
        SELECT position, stream FROM ${t.events}
        WHERE stored_at < $1 AND ($2::text[] IS NULL OR type = ANY($2::text[])) AND ($3::text[] IS NULL OR stream = ANY($3::text[]))
      ), heads AS (
        INSERT INTO ${t.heads} (stream, version)
        SELECT d.stream, (SELECT max(e.version) FROM ${t.events} AS e WHERE e.stream = d.stream) FROM (SELECT DISTINCT stream FROM doomed) AS d
        ON CONFLICT (stream) DO UPDATE SET version = greatest(${t.heads}.version, excluded.version)
      ), deleted AS (
        DELETE FROM ${t.events} WHERE position IN (SELECT position FROM doomed) RETURNING 1
      )
      SELECT count(*)::int AS removed FROM deleted`,
    /** $1 stream, $2 version, $3 state (JSON text), $4 taken at. */
    saveSnapshot: `INSERT INTO ${t.snapshots} (stream, version, state, taken_at) VALUES ($1, $2, $3::jsonb, $4)
      ON CONFLICT (stream, version) DO UPDATE SET state = excluded.state, taken_at = excluded.taken_at`,
    /** $1 stream. */
    loadSnapshot: `SELECT stream, version, state::text AS state, taken_at FROM ${t.snapshots} WHERE stream = $1 ORDER BY version DESC LIMIT 1`,
  };
}

function readAllQuery(t: PostgresTables, bounded: boolean, typed: boolean): string {
  const conditions = ['position >= $1', 'tx < (SELECT pg_snapshot_xmin(pg_current_snapshot()))'];
  if (bounded) conditions.push('position <= $3');
  if (typed) conditions.push(`type = ANY($${bounded ? 4 : 3}::text[])`);
  return `SELECT ${COLUMNS} FROM ${t.events} WHERE ${conditions.join(' AND ')} ORDER BY position LIMIT $2`;
}

/** FNV-1a, 32 bit, as a signed int4. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}
