import { afterAll } from 'vitest';
import { postgresBackend } from '../src/index.js';
import { describeEventStoreConformance } from '../src/testing/index.js';
import { requirePostgresUrl, testPool, uniqueSchema } from './support/postgres.js';

const schema = uniqueSchema('conformance');
const { pool, cleanup } = testPool(requirePostgresUrl(), schema);
afterAll(cleanup);

describeEventStoreConformance('postgres backend', {
  // One schema per run; each store of the suite is a table prefix in it.
  createBackend: (name) => postgresBackend({ pool, schema, tablePrefix: `${name.replaceAll('-', '_')}_` }),
});
