import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeOutboxConformance } from './support/conformance.js';
import { postgresEnv, type StoreEnv } from './support/store-env.js';

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
