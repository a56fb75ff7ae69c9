// The two outboxes the CLI tests read: a SQLite file, and a scratch schema in the real Postgres.
// Dead letters are made the way the relay makes them: rows written, claimed, then buried.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EventEnvelope } from '@bus/core';
import { type OutboxStore, postgresOutbox, sqliteOutbox } from '@bus/outbox';
import { readServicesEnv } from '@bus/scripts/services-env';
import { dropSchema } from './postgres-schema.js';

export interface TestOutbox {
  readonly name: 'sqlite' | 'postgres';
  /** The `--outbox` value and any flags that go with it. */
  readonly flags: readonly string[];
  /** A store on the same tables, for seeding and checking. */
  readonly store: OutboxStore;
  cleanup(): Promise<void>;
}

export function requirePostgresUrl(): string {
  const { pgUrl } = readServicesEnv();
  if (pgUrl === undefined)
    throw new Error('BUS_PG_URL is not set: run `node scripts/services.mjs up` (these tests fail rather than skip).');
  return pgUrl;
}

export async function sqliteTestOutbox(): Promise<TestOutbox> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bus-cli-'));
  const file = path.join(dir, 'outbox.db');
  const store = sqliteOutbox({ path: file });
  await store.open();
  return {
    name: 'sqlite',
    flags: ['--outbox', `sqlite:${file}`],
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function postgresTestOutbox(): Promise<TestOutbox> {
  const url = requirePostgresUrl();
  const schema = `bus_cli_test_${process.pid}_${randomBytes(3).toString('hex')}`;
  const store = postgresOutbox({ connectionString: url, schema, poolSize: 2 });
  await store.open();
  return {
    name: 'postgres',
    flags: ['--outbox', url, '--schema', schema],
    store,
    cleanup: async () => {
      await store.close();
      await dropSchema(url, schema);
    },
  };
}

export const OUTBOXES = [
  ['sqlite', sqliteTestOutbox],
  ['postgres', postgresTestOutbox],
] as const;

const encoder = new TextEncoder();

/** An encoded envelope, as the publish pipeline leaves it with `serialization()`. */
export function encodedEnvelope(type: string, data: unknown, key?: string): EventEnvelope {
  return {
    id: randomUUID(),
    source: 'urn:bus:cli-test',
    type,
    specversion: '1.0',
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data: encoder.encode(JSON.stringify(data)),
    ...(key === undefined ? {} : { partitionkey: key }),
  };
}

/** Writes `envelopes` to the outbox and buries them as the relay does after the last failed attempt. */
export async function bury(store: OutboxStore, envelopes: readonly EventEnvelope[], error = 'handler said no'): Promise<void> {
  await store.writeNow(envelopes.map((envelope) => ({ envelope, availableAt: undefined })));
  const claimed = await store.claim('cli-test', envelopes.length, 60_000);
  if (claimed.length !== envelopes.length) throw new Error(`claimed ${claimed.length} of ${envelopes.length} rows`);
  for (const record of claimed) await store.bury('cli-test', record.seq, 5, `${error} (${record.envelope.type})`);
}

/** Writes pending rows (not dead), one of them scheduled an hour ahead. */
export async function pending(
  store: OutboxStore,
  envelopes: readonly EventEnvelope[],
  scheduled: readonly EventEnvelope[] = [],
): Promise<void> {
  await store.writeNow([
    ...envelopes.map((envelope) => ({ envelope, availableAt: undefined })),
    ...scheduled.map((envelope) => ({ envelope, availableAt: Date.now() + 3_600_000 })),
  ]);
}
