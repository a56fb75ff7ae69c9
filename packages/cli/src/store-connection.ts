/**
 * Which event store a command reads, from `--store` (or `BUS_STORE`, or the
 * config file), and opening it with `@bus/persistence`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { BusError } from '@bus/core';
import { outboxLocation } from '@bus/outbox';
import { createEventStore, type EventStore, postgresBackend, sqliteBackend } from '@bus/persistence';
import type { LoadedConfig } from './config-file.js';

/** The store flags of a command line, as commander parsed them. */
export interface StoreFlags {
  readonly store?: string;
  readonly schema?: string;
  readonly tablePrefix?: string;
}

/** Where the event store is. */
export type StoreTarget =
  | {
      readonly kind: 'postgres';
      readonly connectionString: string;
      readonly schema: string | undefined;
      readonly tablePrefix: string | undefined;
    }
  | { readonly kind: 'sqlite'; readonly path: string; readonly tablePrefix: string | undefined };

/**
 * The store of `flags`, else `BUS_STORE`, else the config file's `store`. A
 * `postgres://` URL, `sqlite:<path>`, or a plain file path (SQLite). None
 * named is a `CONFIG_INVALID` `BusError`.
 */
export function storeTarget(flags: StoreFlags, env: Readonly<Record<string, string | undefined>>, loaded: LoadedConfig): StoreTarget {
  const fromConfig = loaded.config.store;
  const url = flags.store ?? (env.BUS_STORE || undefined) ?? fromConfig?.url;
  if (url === undefined || url.trim().length === 0) {
    throw new BusError(
      'CONFIG_INVALID',
      'No event store given: pass --store <sqlite-path|postgres-url>, set BUS_STORE, or name store.url in bus.config.json.',
    );
  }
  const baseDir = flags.store !== undefined || env.BUS_STORE ? undefined : loaded.baseDir;
  const tablePrefix = flags.tablePrefix ?? fromConfig?.tablePrefix;
  const location = outboxLocation(url);
  if (location?.kind === 'postgres') {
    return { kind: 'postgres', connectionString: location.connectionString, schema: flags.schema ?? fromConfig?.schema, tablePrefix };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && location === undefined) {
    throw new BusError('CONFIG_INVALID', `The event store ${JSON.stringify(redact(url))} is neither postgres://… nor a SQLite file.`);
  }
  if (flags.schema !== undefined) throw new BusError('CONFIG_INVALID', '--schema is for a Postgres event store; a SQLite one has none.');
  const file = location?.kind === 'sqlite' ? location.path : url;
  return { kind: 'sqlite', path: path.resolve(baseDir ?? '.', file), tablePrefix };
}

/**
 * Opens the store of `target`. A SQLite file that does not exist is refused
 * rather than created (a typo must not look like an empty store); a store
 * that cannot be read is a `STORE_FAILED` `BusError`, checked here with one
 * read so the command fails before it starts anything else.
 */
export async function openEventStore(target: StoreTarget): Promise<EventStore> {
  if (target.kind === 'sqlite' && !existsSync(target.path)) {
    throw new BusError('STORE_FAILED', `Could not open the SQLite event store: ${target.path} does not exist.`, { retryable: false });
  }
  const prefix = target.tablePrefix === undefined ? {} : { tablePrefix: target.tablePrefix };
  let store: EventStore;
  try {
    store = createEventStore({
      backend:
        target.kind === 'sqlite'
          ? sqliteBackend({ path: target.path, ...prefix })
          : postgresBackend({
              connectionString: target.connectionString,
              poolSize: 2,
              ...prefix,
              ...(target.schema === undefined ? {} : { schema: target.schema }),
            }),
    });
  } catch (error) {
    // A bad table prefix or schema name.
    throw new BusError('CONFIG_INVALID', error instanceof Error ? error.message : String(error), { cause: error });
  }
  try {
    await store.readAll({ limit: 1 });
  } catch (error) {
    await store.close().catch(() => undefined);
    const message = error instanceof Error ? error.message : String(error);
    throw new BusError('STORE_FAILED', `Could not open the ${target.kind === 'sqlite' ? 'SQLite' : 'Postgres'} event store: ${message}`, {
      cause: error,
      retryable: BusError.is(error) ? error.retryable : true,
    });
  }
  return store;
}

/** What a store is called in messages: its URL without a password. */
export function describeStore(target: StoreTarget): string {
  return target.kind === 'sqlite' ? `sqlite:${target.path}` : redact(target.connectionString);
}

function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]+):[^@/]*@/, '$1:***@');
}
