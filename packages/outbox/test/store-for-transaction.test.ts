// outboxStoreFor(tx): the store of the database a caller's transaction is on,
// on the real Postgres and on a SQLite file; a publish in that transaction is
// relayed once it commits.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { createBus, type EventEnvelope } from '@bus/core';
import { waitFor } from '@bus/transport-tests';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { outbox, outboxStoreFor } from '../src/index.js';
import { requirePostgresUrl } from './support/store-env.js';

async function relayedThrough(
  tx: unknown,
  tableSuffix: string,
  begin: () => Promise<void>,
  commit: () => Promise<void>,
): Promise<EventEnvelope[]> {
  const tables = {
    outbox: `sft_${tableSuffix}`,
    deadLetters: `sft_${tableSuffix}_dead`,
    inbox: `sft_${tableSuffix}_inbox`,
    version: `sft_${tableSuffix}_v`,
  };
  const bus = createBus({ source: 'orders' }).use(outbox({ store: outboxStoreFor(tx, tables), pollIntervalMs: 50 }));
  const received: EventEnvelope[] = [];
  bus.subscribe('orders.created', (event) => void received.push(event));
  await bus.start(); // migrates first: a SQLite caller holding its write lock would block it
  try {
    await begin();
    await bus.publish('orders.created', { id: 'o-1' }, { tx });
    expect(received).toEqual([]);
    await commit();
    await waitFor(() => received.length === 1, 10_000, { message: 'the relayed event' });
    return received;
  } finally {
    await bus.stop();
  }
}

describe('outboxStoreFor', () => {
  it('gives the Postgres store of a pg client’s database', async () => {
    const suffix = randomBytes(3).toString('hex');
    const client = new pg.Client({ connectionString: requirePostgresUrl() });
    await client.connect();
    try {
      expect(outboxStoreFor(client).name).toBe('postgres');
      const received = await relayedThrough(
        client,
        suffix,
        async () => void (await client.query('BEGIN')),
        async () => void (await client.query('COMMIT')),
      );
      expect(received[0]?.data).toEqual({ id: 'o-1' });
    } finally {
      await client.query(`DROP TABLE IF EXISTS sft_${suffix}, sft_${suffix}_dead, sft_${suffix}_inbox, sft_${suffix}_v CASCADE`);
      await client.query(`DROP FUNCTION IF EXISTS sft_${suffix}_claim`);
      await client.end();
    }
  });

  it('gives the SQLite store of a DatabaseSync’s file', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'outbox-sft-')), 'app.db');
    const database = new DatabaseSync(file, { timeout: 5_000 });
    database.exec('PRAGMA journal_mode = WAL');
    try {
      expect(outboxStoreFor(database).name).toBe('sqlite');
      const received = await relayedThrough(
        database,
        'sqlite',
        async () => database.exec('BEGIN IMMEDIATE'),
        async () => database.exec('COMMIT'),
      );
      expect(received[0]?.data).toEqual({ id: 'o-1' });
    } finally {
      database.close();
    }
  });

  it('refuses what is not a session on a database another connection can open, with TX_INVALID', () => {
    expect(() => outboxStoreFor(new DatabaseSync(':memory:'))).toThrow(expect.objectContaining({ code: 'TX_INVALID' }));
    expect(() => outboxStoreFor({})).toThrow(expect.objectContaining({ code: 'TX_INVALID' }));
    expect(() => outboxStoreFor(null)).toThrow(expect.objectContaining({ code: 'TX_INVALID' }));
  });
});
