// Positions under commits that land out of order: a transaction that took an earlier
// position but commits later must neither be overtaken nor skipped by readers.
import type { PoolClient } from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createEventStore, type EventStore, postgresBackend } from '../src/index.js';
import { postgresQueries, postgresTables } from '../src/postgres-schema.js';
import { requirePostgresUrl, testPool, uniqueSchema } from './support/postgres.js';

const schema = uniqueSchema('interleaved');
const { pool, cleanup } = testPool(requirePostgresUrl(), schema, 30);
afterAll(cleanup);

let stores = 0;
async function freshStore(): Promise<{ store: EventStore; appendSql: string; events: string }> {
  const prefix = `t${++stores}_`;
  const store = createEventStore({ backend: postgresBackend({ pool, schema, tablePrefix: prefix }), pollIntervalMs: 5 });
  await store.append('warm-up', { id: `warm-up-${prefix}`, type: 'e', data: 0 }); // creates the tables
  const tables = postgresTables(schema, prefix);
  return { store, appendSql: postgresQueries(tables).append, events: tables.events };
}

/** Runs the backend's own append statement inside a transaction the test controls. */
async function appendInOpenTransaction(client: PoolClient, appendSql: string, stream: string, id: string): Promise<void> {
  await client.query('BEGIN');
  const envelope = JSON.stringify({ id, source: 'test', type: 'e', specversion: '1.0', data: id });
  const { rows } = await client.query(appendSql, [stream, 'any', [id], ['e'], [envelope], Date.now()]);
  expect(rows[0]?.status).toBe('appended');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(predicate: () => boolean, what: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await sleep(5);
  }
}

describe('postgres positions under interleaved commits', () => {
  it("shows a reader neither T2's event before T1's nor a gap when T1 inserts first and commits last", async () => {
    const { store, appendSql, events } = await freshStore();
    const checkpoint = (await store.readAll()).at(-1)?.position ?? 0;
    const t1 = await pool.connect();
    const t2 = await pool.connect();
    try {
      await appendInOpenTransaction(t1, appendSql, 'stream-1', 't1-event'); // takes the earlier position
      await appendInOpenTransaction(t2, appendSql, 'stream-2', 't2-event');
      await t2.query('COMMIT'); // T2 commits first

      // What makes the test meaningful: a naive "position > checkpoint" reader sees T2's event now,
      // would move its checkpoint past T1's position, and never see T1's event.
      const naive = await pool.query(`SELECT id, position FROM ${events} WHERE position > $1 ORDER BY position`, [checkpoint]);
      expect(naive.rows.map((row) => row.id)).toEqual(['t2-event']);

      // The store's readers return nothing past T1's position while T1 is open.
      expect(await store.readAll({ fromPosition: checkpoint + 1 })).toEqual([]);
      const seen: string[] = [];
      const subscription = store.subscribe(
        { fromPosition: checkpoint + 1, pollIntervalMs: 5 },
        (record) => void seen.push(record.event.id),
      );
      await subscription.caughtUp;
      await sleep(100); // about 20 polls between the two commits
      expect(seen).toEqual([]);
      // Stream reads are not held back: T2's stream is readable at once.
      expect((await store.readStream('stream-2')).map((record) => record.event.id)).toEqual(['t2-event']);

      await t1.query('COMMIT');
      await waitUntil(
        () => seen.length >= 2,
        () => `both events; got ${JSON.stringify(seen)}`,
      );
      await subscription.close();
      expect(seen).toEqual(['t1-event', 't2-event']);
      const log = await store.readAll({ fromPosition: checkpoint + 1 });
      expect(log.map((record) => record.event.id)).toEqual(['t1-event', 't2-event']);
      expect((log[0]?.position as number) < (log[1]?.position as number)).toBe(true);
    } finally {
      t1.release();
      t2.release();
      await store.close();
    }
  });

  it('delivers every event exactly once, in position order, while 24 transactions commit in random order', async () => {
    const { store, appendSql } = await freshStore();
    const checkpoint = (await store.readAll()).at(-1)?.position ?? 0;
    const seen: string[] = [];
    const subscription = store.subscribe({ fromPosition: checkpoint + 1, pollIntervalMs: 2 }, (record) => void seen.push(record.event.id));
    await subscription.caughtUp;
    const ids = Array.from({ length: 24 }, (_, n) => `event-${n}`);
    await Promise.all(
      ids.map(async (id, n) => {
        await sleep(n * 2); // begin in order...
        const client = await pool.connect();
        try {
          await appendInOpenTransaction(client, appendSql, `stream-${n}`, id); // one stream each: no version races here
          await sleep(Math.random() * 60); // ...commit in any order
          await client.query('COMMIT');
        } finally {
          client.release();
        }
      }),
    );
    await waitUntil(
      () => seen.length >= ids.length,
      () => `${ids.length} events; got ${seen.length}`,
    );
    await sleep(30);
    await subscription.close();
    const log = await store.readAll({ fromPosition: checkpoint + 1 });
    expect(log.map((record) => record.event.id).sort()).toEqual([...ids].sort());
    expect(seen).toEqual(log.map((record) => record.event.id));
    const positions = log.map((record) => record.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    await store.close();
  });
});
