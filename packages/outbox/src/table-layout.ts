/**
 * Table layouts: which columns a store keeps its rows in. The `'bus'` layout
 * is the store's own (`bus_outbox`, `bus_outbox_dead`); the `'marty'` layout
 * is the Python Marty framework's SQLAlchemy models (`event_outbox` with a
 * `status` column, `event_dead_letter`), so a Python service or a SQL
 * dashboard reads the rows the relay works on. The stores write one set of
 * SQL with the layout's column names in it; only what the two models do
 * differently (a dead row stays in the Marty outbox, marked) has SQL of its own.
 */
import { BusError } from '@bus/core';
import type { OutboxDeadLetter } from './store.js';

/**
 * The table layout of a store.
 * - `'bus'` (default): the outbox's own tables.
 * - `'marty'`: Python Marty's `OutboxEvent` (`event_outbox`) and `DeadLetterEvent` (`event_dead_letter`) columns,
 *   plus the few `bus_`-prefixed columns the relay needs (SQLAlchemy ignores columns a model does not declare).
 *
 * @example
 * ```ts
 * postgresOutbox({ pool, layout: 'marty' }); // tables event_outbox and event_dead_letter
 * ```
 */
export type OutboxLayout = 'bus' | 'marty';

/** The physical names of the outbox columns every layout has, by role. */
export interface LayoutColumns {
  readonly seq: string;
  readonly partitionKey: string;
  readonly attributes: string;
  readonly payloadKind: string;
  readonly availableAt: string;
  readonly lastError: string;
  readonly leaseUntil: string;
  readonly claimedBy: string;
  /** When the row was sent (kept for retention). */
  readonly sentAt: string;
}

/** The physical names of the dead-letter columns, by role. */
export interface LayoutDeadColumns {
  readonly seq: string;
  readonly eventId: string;
  readonly lastError: string;
  /** The dead-letter row's own id ({@link OutboxDeadLetter.letterId}), in a layout that has one. */
  readonly letterId?: string;
}

/** What the stores put into their SQL for a layout. */
export interface TableLayout {
  readonly name: OutboxLayout;
  readonly columns: LayoutColumns;
  readonly dead: LayoutDeadColumns;
  /** The default names of the outbox and dead-letter tables. */
  readonly defaultTables: { readonly outbox: string; readonly deadLetters: string };
  /** SQL that holds for a row (of table alias `prefix`, e.g. `'c.'`) that is neither sent nor dead. */
  unsent(prefix?: string): string;
  /** SET items added when the row is claimed, given back (released, retried), sent and kept. */
  readonly onClaim: string;
  readonly onRelease: string;
  readonly onSent: string;
  /** The select list of a record (`seq`, `attributes`, `payload`[, `payload_text`], `payload_kind`, `attempts`) of alias `prefix`. */
  recordColumns(prefix?: string): string;
  /** The FROM of dead-letter reads, with `d` the dead-letter row and {@link deadEnvelope} the alias the envelope columns are read from. */
  deadFrom(outbox: string, dead: string): string;
  readonly deadEnvelope: string;
}

const BUS_COLUMNS: LayoutColumns = {
  seq: 'seq',
  partitionKey: 'partition_key',
  attributes: 'attributes',
  payloadKind: 'payload_kind',
  availableAt: 'available_at',
  lastError: 'last_error',
  leaseUntil: 'lease_until',
  claimedBy: 'claimed_by',
  sentAt: 'sent_at',
};

const BUS: TableLayout = {
  name: 'bus',
  columns: BUS_COLUMNS,
  dead: { seq: 'seq', eventId: 'event_id', lastError: 'last_error' },
  defaultTables: { outbox: 'bus_outbox', deadLetters: 'bus_outbox_dead' },
  unsent: (prefix = '') => `${prefix}sent_at IS NULL`,
  onClaim: '',
  onRelease: '',
  onSent: '',
  recordColumns: (p = '') =>
    `${p}seq AS seq, ${p}attributes AS attributes, ${p}payload AS payload, ${p}payload_kind AS payload_kind, ${p}attempts AS attempts`,
  deadFrom: (_outbox, dead) => `${dead} AS d`,
  deadEnvelope: 'd',
};

/**
 * Python's statuses (`EventStatus`): pending → processing (claimed) → completed (sent and kept), or dead_letter
 * (`_move_to_dead_letter` sets it with `is_dead_letter`).
 */
export const MARTY_STATUS = { pending: 'pending', processing: 'processing', completed: 'completed', deadLetter: 'dead_letter' } as const;

const MARTY: TableLayout = {
  name: 'marty',
  // The relay's columns with a bus_ prefix, but for the two Python has: error_message and processed_at.
  columns: {
    ...(Object.fromEntries(Object.entries(BUS_COLUMNS).map(([role, column]) => [role, `bus_${column}`])) as unknown as LayoutColumns),
    lastError: 'error_message',
    sentAt: 'processed_at',
  },
  dead: { seq: 'bus_seq', eventId: 'original_event_id', lastError: 'failure_reason', letterId: 'id' },
  defaultTables: { outbox: 'event_outbox', deadLetters: 'event_dead_letter' },
  unsent: (prefix = '') => `${prefix}status IN ('${MARTY_STATUS.pending}', '${MARTY_STATUS.processing}')`,
  onClaim: `, status = '${MARTY_STATUS.processing}'`,
  onRelease: `, status = '${MARTY_STATUS.pending}'`,
  onSent: `, status = '${MARTY_STATUS.completed}', error_message = NULL`,
  // JSON data is `event_data` itself (Python reads it); bytes a serialization plugin made are in `bus_payload`.
  recordColumns: (p = '') =>
    `${p}bus_seq AS seq, ${p}bus_attributes AS attributes, ${p}bus_payload AS payload, ${p}event_data AS payload_text, ${p}bus_payload_kind AS payload_kind, ${p}attempts AS attempts`,
  // A dead row stays in the outbox (is_dead_letter): the dead-letter row points at it by bus_seq.
  deadFrom: (outbox, dead) => `${dead} AS d JOIN ${outbox} AS o ON o.bus_seq = d.bus_seq`,
  deadEnvelope: 'o',
};

/** The layout named `name` (default `'bus'`); `CONFIG_INVALID` for another name. */
export function tableLayout(name: OutboxLayout | undefined): TableLayout {
  if (name === undefined || name === 'bus') return BUS;
  if (name === 'marty') return MARTY;
  throw new BusError('CONFIG_INVALID', `The outbox layout must be 'bus' or 'marty', got ${JSON.stringify(name)}.`);
}
