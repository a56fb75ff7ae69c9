/**
 * The tables of the `'marty'` layout, for both databases: Python's
 * `OutboxEvent` (`event_outbox`) and `DeadLetterEvent` (`event_dead_letter`)
 * columns with Python's names, defaults and `NOT NULL`s, then the relay's
 * `bus_` columns. Each column has a kind that the database names its own
 * way: Python's times are TIMESTAMPTZ on Postgres and SQLAlchemy's DateTime
 * text on SQLite, the relay's times TIMESTAMPTZ and epoch ms.
 */
import { MARTY_STATUS } from './table-layout.js';
import type { ResolvedTableNames } from './table-names.js';

type Kind = 'serial' | 'text' | 'integer' | 'time' | 'boolean' | 'json' | 'bytes' | 'ms' | 'smallint' | 'bigint';

/** Each kind's type, and the SQL of a boolean and of "now" as a default. */
const DIALECTS = {
  postgres: {
    types: {
      serial: 'BIGSERIAL PRIMARY KEY',
      text: 'TEXT',
      integer: 'INTEGER',
      time: 'TIMESTAMPTZ',
      boolean: 'BOOLEAN',
      json: 'JSONB',
      bytes: 'BYTEA',
      ms: 'TIMESTAMPTZ',
      smallint: 'SMALLINT',
      bigint: 'BIGINT',
    },
    true: 'TRUE',
    false: 'FALSE',
    now: ' DEFAULT now()',
  },
  // `event_data`/`event_metadata` are TEXT on both: SQLAlchemy declares Text, and Python `json.loads` them.
  sqlite: {
    types: {
      serial: 'INTEGER PRIMARY KEY AUTOINCREMENT',
      text: 'TEXT',
      integer: 'INTEGER',
      time: 'TEXT',
      boolean: 'INTEGER',
      json: 'TEXT',
      bytes: 'BLOB',
      ms: 'INTEGER',
      smallint: 'INTEGER',
      bigint: 'INTEGER',
    },
    true: '1',
    false: '0',
    now: '', // the store writes the time: SQLite has no default in SQLAlchemy's text form
  },
} as const;

/** A column: name, kind, and what follows the type (`{true}`, `{false}`, `{now}` are the dialect's). */
type Column = readonly [name: string, kind: Kind, rest?: string];

/** The event's own columns, in both of Python's tables. */
const EVENT: readonly Column[] = [
  ['event_type', 'text', 'NOT NULL'],
  ['event_data', 'text', 'NOT NULL'],
  ['event_metadata', 'text'],
];

const OUTBOX: readonly Column[] = [
  ['bus_seq', 'serial'],
  ['id', 'text', 'NOT NULL UNIQUE'],
  ['event_id', 'text', 'NOT NULL UNIQUE'],
  ...EVENT,
  ['status', 'text', `NOT NULL DEFAULT '${MARTY_STATUS.pending}'`],
  ['priority', 'integer', 'NOT NULL DEFAULT 2'],
  ['created_at', 'time', 'NOT NULL{now}'],
  ['scheduled_at', 'time'],
  ['processed_at', 'time'],
  ['expires_at', 'time'],
  ['attempts', 'integer', 'NOT NULL DEFAULT 0'],
  ['max_attempts', 'integer', 'NOT NULL DEFAULT 3'],
  ['error_message', 'text'],
  ['correlation_id', 'text'],
  ['source_service', 'text'],
  ['tenant_id', 'text'],
  ['is_dead_letter', 'boolean', 'NOT NULL DEFAULT {false}'],
  // The relay's own: the partition key, the envelope's attributes and (for bytes a serialization plugin made) its
  // payload, when the row is due (deliverAt, then the next attempt's time), and its lease.
  ['bus_partition_key', 'text'],
  ['bus_attributes', 'json', 'NOT NULL'],
  ['bus_payload', 'bytes'],
  ['bus_payload_kind', 'smallint', 'NOT NULL'],
  ['bus_available_at', 'ms', 'NOT NULL{now}'],
  ['bus_lease_until', 'ms'],
  ['bus_claimed_by', 'text'],
];

const DEAD: readonly Column[] = [
  ['id', 'text', 'PRIMARY KEY'],
  ['original_event_id', 'text', 'NOT NULL'],
  ...EVENT,
  ['failure_reason', 'text', 'NOT NULL'],
  ['failed_at', 'time', 'NOT NULL{now}'],
  ['attempts_made', 'integer', 'NOT NULL'],
  ['can_retry', 'boolean', 'NOT NULL DEFAULT {true}'],
  ['source_service', 'text'],
  // The outbox row it is the dead letter of (which stays, marked is_dead_letter).
  ['bus_seq', 'bigint', 'NOT NULL UNIQUE'],
];

/**
 * The CREATE statements of the two tables and of the dead letters' indexes. Of the columns Python declares
 * `index=True`, only the constraints are made (`id`, `event_id` unique): each index costs every write, and the
 * relay's own partial indexes serve its queries; add those a Python query needs.
 *
 * `outbox` and `dead` are the quoted, possibly qualified, names; the relay's outbox indexes and the inbox are the
 * store's, as in the `'bus'` layout.
 */
export function martyTables(dialect: keyof typeof DIALECTS, tables: ResolvedTableNames, outbox: string, dead: string): string {
  const d = DIALECTS[dialect];
  const columns = (list: readonly Column[]) =>
    list
      .map(([name, kind, rest = '']) => {
        const tail = rest.replace('{true}', d.true).replace('{false}', d.false).replace('{now}', d.now);
        return `  ${name} ${d.types[kind]}${tail === '' ? '' : ` ${tail}`}`.trimEnd();
      })
      .join(',\n');
  return `CREATE TABLE IF NOT EXISTS ${outbox} (
${columns(OUTBOX)}
);
CREATE TABLE IF NOT EXISTS ${dead} (
${columns(DEAD)}
);
CREATE INDEX IF NOT EXISTS "${tables.deadLetters}_event" ON ${dead} (original_event_id);
CREATE INDEX IF NOT EXISTS "${tables.deadLetters}_failed" ON ${dead} (failed_at);`;
}
