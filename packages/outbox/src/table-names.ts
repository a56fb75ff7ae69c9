/** The names of the outbox's tables, checked once so they can be put in SQL. */
import { BusError } from '@bus/core';
import type { TableLayout } from './table-layout.js';

/**
 * The tables of a store. Each is an unquoted lowercase SQL identifier.
 *
 * @example
 * ```ts
 * postgresOutbox({ pool, tables: { outbox: 'event_outbox', deadLetters: 'event_dead_letter' } });
 * ```
 */
export interface OutboxTableNames {
  /** The rows waiting to be sent. Default `bus_outbox` (`event_outbox` in the `'marty'` layout). */
  readonly outbox?: string;
  /** The rows that exhausted their attempts. Default `bus_outbox_dead` (`event_dead_letter` in the `'marty'` layout). */
  readonly deadLetters?: string;
  /** The event ids each consumer handled. Default `bus_inbox`. */
  readonly inbox?: string;
  /** The schema version of these tables. Default `bus_outbox_version`. */
  readonly version?: string;
}

/** Every table name, filled in and checked. */
export type ResolvedTableNames = Required<OutboxTableNames>;

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Fills in the defaults (of `layout`) and checks each name: `CONFIG_INVALID` for one that is not a plain identifier. */
export function resolveTableNames(
  names: OutboxTableNames | undefined,
  schema: string | undefined,
  layout?: TableLayout,
): ResolvedTableNames {
  const resolved: ResolvedTableNames = {
    outbox: names?.outbox ?? layout?.defaultTables.outbox ?? 'bus_outbox',
    deadLetters: names?.deadLetters ?? layout?.defaultTables.deadLetters ?? 'bus_outbox_dead',
    inbox: names?.inbox ?? 'bus_inbox',
    version: names?.version ?? 'bus_outbox_version',
  };
  for (const [role, name] of Object.entries({ ...resolved, ...(schema === undefined ? {} : { schema }) })) {
    if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
      throw new BusError(
        'CONFIG_INVALID',
        `The outbox's ${role} name must be a lowercase SQL identifier ([a-z_][a-z0-9_]*), got ${JSON.stringify(name)}.`,
      );
    }
  }
  if (new Set(Object.values(resolved)).size !== 4) throw new BusError('CONFIG_INVALID', 'The outbox tables need four distinct names.');
  return resolved;
}

/**
 * The key of these tables' row in the version table: `outbox` for the default tables (as every version so far wrote
 * it), `outbox:<table>` for others, so that two outboxes in one database that share the version table each keep
 * their own version. Migrations are idempotent, so a custom-named outbox that an older version keyed `outbox`
 * just runs them once more.
 */
export function versionComponent(tables: ResolvedTableNames): string {
  return tables.outbox === 'bus_outbox' ? 'outbox' : `outbox:${tables.outbox}`;
}
