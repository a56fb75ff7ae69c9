// A service's database as a schema of its own in Postgres (DATABASE_URL):
// a pool whose connections see that schema first, the outbox's tables in it.
import { postgresOutbox } from '@bus/outbox';
import pg from 'pg';
import type { ServiceDatabase, SqlParam, Statements } from './database.ts';

/** `?` placeholders as Postgres's `$1, $2, …`. */
const numbered = (sql: string): string => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

/** Creates the schema if missing and opens a pool on it. */
export async function openPostgresDatabase(url: string, schema: string): Promise<ServiceDatabase> {
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  try {
    await setup.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } finally {
    await setup.end();
  }
  const pool = new pg.Pool({ connectionString: url, max: 5, options: `-c search_path=${schema}` });
  const statements = (client: pg.PoolClient): Statements => ({
    handle: client,
    run: async (sql, params = []) => {
      await client.query(numbered(sql), [...params]);
    },
  });
  return {
    kind: 'postgres',
    where: `schema ${schema} of ${new URL(url).pathname.slice(1) || 'postgres'}`,
    store: postgresOutbox({ pool, schema }),
    migrate: async (ddl) => {
      await pool.query(ddl.postgres);
    },
    transaction: async (work) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(statements(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        client.release();
      }
    },
    within: (handle) => statements(handle as pg.PoolClient),
    query: async (sql, params: readonly SqlParam[] = []) => (await pool.query(numbered(sql), [...params])).rows,
    close: () => pool.end(),
  };
}
