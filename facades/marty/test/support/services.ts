// The real services the Kafka and database tests of the facade run against:
// the test broker, and a Postgres database of this run's own (dropped after).
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readServicesEnv } from '@bus/scripts/services-env';
import pg from 'pg';

export { createTopics, deleteByPrefix, headersOf, produceRaw, readRecords, testBrokers } from '@bus/scripts/kafka-test';
export { waitFor } from '@bus/transport-tests';

/** A unique prefix for this file's event types (and so topics and groups). */
export function uniqueName(label: string): string {
  return `test_marty_${label}_${randomBytes(3).toString('hex')}`;
}

/** The Postgres server URL of the test services (fails, never skips, without one). */
export function postgresUrl(): string {
  const { pgUrl } = readServicesEnv();
  if (pgUrl === undefined) throw new Error('BUS_PG_URL is not set: start the services (`pnpm services:up`) or set BUS_PG_URL.');
  return pgUrl;
}

/** Creates a database of its own on the test server; `drop` removes it. */
export async function scratchDatabase(): Promise<{ url: string; pool: pg.Pool; drop(): Promise<void> }> {
  const server = new URL(postgresUrl());
  const name = `marty_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server.href });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server.href);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.href, max: 4 });
  pool.on('error', () => undefined); // drop() kills what is still connecting or ending: not a test failure
  return {
    url: url.href,
    pool,
    async drop() {
      await pool.end();
      const again = new pg.Client({ connectionString: server.href });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.end();
    },
  };
}

/** A path for a SQLite database file in a fresh temporary directory. */
export function sqlitePath(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'marty-')), 'events.db');
}
