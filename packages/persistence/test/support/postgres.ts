// The Postgres server of the tests: its URL from BUS_PG_URL (or .services/env.json),
// a schema of this run's own, dropped afterwards. Without a URL the tests fail, loudly.
import { randomBytes } from 'node:crypto';
import { readServicesEnv } from '@bus/scripts/services-env';
import pg from 'pg';

/** The server's URL; throws (failing the test file) when none is configured. */
export function requirePostgresUrl(): string {
  const { pgUrl } = readServicesEnv();
  if (pgUrl === undefined) {
    throw new Error(
      'BUS_PG_URL is not set, so the Postgres tests cannot run: start the services (`pnpm services:up`) or set ' +
        'BUS_PG_URL=postgres://postgres@127.0.0.1:5432/test. These tests fail rather than skip without a server.',
    );
  }
  return pgUrl;
}

/** A schema name no other run uses. */
export function uniqueSchema(label: string): string {
  return `bus_test_${label}_${process.pid}_${randomBytes(3).toString('hex')}`;
}

/** A pool for the tests, and a cleanup that drops `schema` and ends the pool. */
export function testPool(url: string, schema: string, max = 12): { pool: pg.Pool; cleanup: () => Promise<void> } {
  const pool = new pg.Pool({ connectionString: url, max });
  return {
    pool,
    cleanup: async () => {
      try {
        await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await pool.end();
      }
    },
  };
}
