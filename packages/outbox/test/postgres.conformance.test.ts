import { randomBytes } from 'node:crypto';
import { waitFor } from '@bus/transport-tests';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresOutbox } from '../src/index.js';
import { describeOutboxConformance } from './support/conformance.js';
import { postgresEnv, requirePostgresUrl, type StoreEnv } from './support/store-env.js';

describeOutboxConformance('postgres', postgresEnv);

describe('postgres outbox migrations', () => {
  let env: StoreEnv;
  beforeAll(async () => {
    env = await postgresEnv();
  });
  afterAll(() => env.cleanup());

  it('brings version-1 tables to version 3 (the in-flight index, the claim by key shards) once', async () => {
    const store = env.store('upgrade');
    await store.open();
    const { outbox, version } = env.tables('upgrade');
    const indexes = async () =>
      (await env.query('SELECT indexname FROM pg_indexes WHERE tablename = $1 ORDER BY indexname', [outbox])).map((row) => row.indexname);
    expect(await indexes()).toContain(`${outbox}_inflight`);
    // Back to what a version-1 install left.
    await env.query(`DROP INDEX "${outbox}_inflight"`);
    await env.query(`UPDATE ${version} SET version = 1`);
    await store.close();
    const upgraded = env.store('upgrade');
    await upgraded.open();
    expect(await indexes()).toContain(`${outbox}_inflight`);
    expect(await env.query(`SELECT version FROM ${version}`)).toEqual([{ version: 3 }]);
    // One claim function, with the shard arguments; a three-argument call (a relay of version 2) still claims.
    const claims = await env.query('SELECT pronargs FROM pg_proc WHERE proname = $1', [`${outbox}_claim`]);
    expect(claims).toEqual([{ pronargs: 5 }]);
    await upgraded.close();
  });
});

describe('postgres outbox connections that die while idle', () => {
  /** Kills every connection named `name`, from a connection of its own, and resolves to how many. */
  async function kill(name: string): Promise<number> {
    const admin = new pg.Client({ connectionString: requirePostgresUrl() });
    await admin.connect();
    try {
      return (await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [name])).rows.length;
    } finally {
      await admin.end();
    }
  }

  it('gives the LISTEN connection back once, also when it dies after stop() (a second release threw: uncaught)', async () => {
    const name = `bus_watch_${randomBytes(3).toString('hex')}`;
    const pool = new pg.Pool({ connectionString: requirePostgresUrl(), max: 2, application_name: name });
    pool.on('error', () => undefined); // the caller's pool: its idle errors are the caller's to handle
    const store = postgresOutbox({ pool, schema: name });
    try {
      await store.open();
      const stop = await store.watch(() => undefined);
      await stop();
      expect(await kill(name)).toBeGreaterThan(0);
      await waitFor(() => pool.totalCount === 0, 10_000, { message: 'the pool to drop the killed connections' });
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      await pool.end();
    }
  });

  it('survives the death of an idle connection of the pool it made (an unhandled pool error crashed the process)', async () => {
    const name = `bus_idle_${randomBytes(3).toString('hex')}`;
    const url = new URL(requirePostgresUrl());
    url.searchParams.set('application_name', name);
    const store = postgresOutbox({ connectionString: url.href, schema: name });
    await store.open();
    expect(await store.stats()).toMatchObject({ pending: 0 });
    expect(await kill(name)).toBeGreaterThan(0);
    // The pool drops the dead connection when its error arrives; a query meanwhile may still meet it.
    await waitFor(
      () =>
        store.stats().then(
          () => true,
          () => false,
        ),
      10_000,
      { message: 'a query on a new connection' },
    );
    expect(await store.stats()).toMatchObject({ pending: 0 });
    await store.close();
    const cleanup = new pg.Client({ connectionString: requirePostgresUrl() });
    await cleanup.connect();
    await cleanup.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    await cleanup.end();
  });
});
