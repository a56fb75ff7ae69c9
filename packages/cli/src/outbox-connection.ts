/**
 * Which outbox a command reads, from `--outbox` (or `BUS_OUTBOX`, or the
 * config file), and opening its store with `@bus/outbox`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { BusError } from '@bus/core';
import { type OutboxStore, type OutboxTableNames, outboxLocation, postgresOutbox, sqliteOutbox } from '@bus/outbox';
import type { LoadedConfig } from './config-file.js';

/** The outbox flags of a command line, as commander parsed them. */
export interface OutboxFlags {
  readonly outbox?: string;
  readonly schema?: string;
  readonly outboxTable?: string;
  readonly deadLetterTable?: string;
  readonly inboxTable?: string;
  readonly versionTable?: string;
}

/** Where the outbox is. */
export type OutboxTarget =
  | { readonly kind: 'postgres'; readonly connectionString: string; readonly schema: string | undefined; readonly tables: OutboxTableNames }
  | { readonly kind: 'sqlite'; readonly path: string; readonly tables: OutboxTableNames };

/**
 * The outbox of `flags`, else `BUS_OUTBOX`, else the config file. No outbox
 * named, or a URL of another kind, is a `CONFIG_INVALID` `BusError`.
 */
export function outboxTarget(flags: OutboxFlags, env: Readonly<Record<string, string | undefined>>, loaded: LoadedConfig): OutboxTarget {
  const fromConfig = loaded.config.outbox;
  const url = flags.outbox ?? (env.BUS_OUTBOX || undefined) ?? fromConfig?.url;
  if (url === undefined) {
    throw new BusError(
      'CONFIG_INVALID',
      'No outbox given: pass --outbox <postgres-url|sqlite:path>, set BUS_OUTBOX, or name outbox.url in bus.config.json.',
    );
  }
  // Relative SQLite paths in the config file are relative to the file; on the command line, to the working directory.
  const baseDir = flags.outbox !== undefined || env.BUS_OUTBOX ? undefined : loaded.baseDir;
  const tables: OutboxTableNames = {
    ...fromConfig?.tables,
    ...(flags.outboxTable === undefined ? {} : { outbox: flags.outboxTable }),
    ...(flags.deadLetterTable === undefined ? {} : { deadLetters: flags.deadLetterTable }),
    ...(flags.inboxTable === undefined ? {} : { inbox: flags.inboxTable }),
    ...(flags.versionTable === undefined ? {} : { version: flags.versionTable }),
  };
  const location = outboxLocation(url);
  if (location?.kind === 'postgres') {
    return { kind: 'postgres', connectionString: location.connectionString, schema: flags.schema ?? fromConfig?.schema, tables };
  }
  if (location?.kind === 'sqlite') {
    if (flags.schema !== undefined) throw new BusError('CONFIG_INVALID', '--schema is for a Postgres outbox; a SQLite outbox has none.');
    return { kind: 'sqlite', path: path.resolve(baseDir ?? '.', location.path), tables };
  }
  if (/^sqlite:/i.test(url)) throw new BusError('CONFIG_INVALID', 'A SQLite outbox is sqlite:<path>, e.g. sqlite:./outbox.db.');
  throw new BusError('CONFIG_INVALID', `The outbox ${JSON.stringify(redact(url))} is neither postgres://… nor sqlite:<path>.`);
}

/**
 * Opens the store of `target` (its tables are created if missing, as
 * `open()` does). A SQLite file that does not exist is refused rather than
 * created: a typo must not look like an empty outbox.
 */
export async function openOutbox(target: OutboxTarget): Promise<OutboxStore> {
  let store: OutboxStore;
  if (target.kind === 'sqlite') {
    if (!existsSync(target.path)) {
      throw new BusError('STORE_FAILED', `Could not open the SQLite outbox: ${target.path} does not exist.`, { retryable: false });
    }
    store = sqliteOutbox({ path: target.path, tables: target.tables });
  } else {
    store = postgresOutbox({
      connectionString: target.connectionString,
      poolSize: 2,
      tables: target.tables,
      ...(target.schema === undefined ? {} : { schema: target.schema }),
    });
  }
  try {
    await store.open();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}

/** What an outbox is called in messages: its URL without a password. */
export function describeOutbox(target: OutboxTarget): string {
  return target.kind === 'sqlite' ? `sqlite:${target.path}` : redact(target.connectionString);
}

function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]+):[^@/]*@/, '$1:***@');
}
