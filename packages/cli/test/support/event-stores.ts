// The event stores the replay tests read: a SQLite file, and a scratch schema in the real Postgres.
// Events are appended with a clock the test sets, so --from/--to times have known answers.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createEventStore, type EventStore, postgresBackend, type StoredEvent, sqliteBackend } from '@bus/persistence';
import { requirePostgresUrl } from './outboxes.js';
import { dropSchema } from './postgres-schema.js';

export interface TestEventStore {
  readonly name: 'sqlite' | 'postgres';
  /** The `--store` value and any flags that go with it. */
  readonly flags: readonly string[];
  /** Appends `count` events, the n-th (from 0) stored at `startMs + n * 1000`; resolves to what was stored. */
  seed(count: number, startMs: number, typeOf?: (n: number) => string): Promise<StoredEvent[]>;
  cleanup(): Promise<void>;
}

const defaultType = (n: number): string => (n % 3 === 0 ? 'orders.shipped' : 'orders.created');

async function seedInto(store: EventStore, clock: { now: number }, count: number, startMs: number, typeOf = defaultType) {
  const stored: StoredEvent[] = [];
  for (let n = 0; n < count; n++) {
    clock.now = startMs + n * 1_000;
    const { records } = await store.append(`order-${n % 4}`, { type: typeOf(n), data: { n }, partitionkey: `order-${n % 4}` });
    stored.push(...records);
  }
  return stored;
}

export async function sqliteTestStore(): Promise<TestEventStore> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bus-cli-store-'));
  const file = path.join(dir, 'events.db');
  const clock = { now: Date.now() };
  const store = createEventStore({ backend: sqliteBackend({ path: file }), clock: () => clock.now });
  await store.readAll({ limit: 1 }); // creates the file and tables
  return {
    name: 'sqlite',
    flags: ['--store', file],
    seed: (count, startMs, typeOf) => seedInto(store, clock, count, startMs, typeOf),
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function postgresTestStore(): Promise<TestEventStore> {
  const url = requirePostgresUrl();
  const schema = `bus_cli_store_${process.pid}_${randomBytes(3).toString('hex')}`;
  const clock = { now: Date.now() };
  const store = createEventStore({ backend: postgresBackend({ connectionString: url, schema, poolSize: 2 }), clock: () => clock.now });
  await store.readAll({ limit: 1 });
  return {
    name: 'postgres',
    flags: ['--store', url, '--schema', schema],
    seed: (count, startMs, typeOf) => seedInto(store, clock, count, startMs, typeOf),
    cleanup: async () => {
      await store.close();
      await dropSchema(url, schema);
    },
  };
}

export const EVENT_STORES = [
  ['sqlite', sqliteTestStore],
  ['postgres', postgresTestStore],
] as const;
