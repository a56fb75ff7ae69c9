// What the two services read from the environment: the broker, the database
// (SQLite files by default, Postgres when DATABASE_URL is set), and a
// namespace that keeps one run's topics, groups and schemas apart from another's.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readServicesEnv } from '@bus/scripts/services-env';

/** Where the services keep their data. */
export type DatabaseConfig =
  /** One SQLite file per service in `dir` (`orders.db`, `billing.db`): zero setup. */
  | { readonly kind: 'sqlite'; readonly dir: string }
  /** One Postgres schema per service (`<prefix>orders`, `<prefix>billing`) in the database at `url`. */
  | { readonly kind: 'postgres'; readonly url: string; readonly schemaPrefix: string };

export interface ExampleConfig {
  /** `host:port` list of the brokers (BUS_KAFKA_BROKERS, or `.services/env.json` after `node scripts/services.mjs up`). */
  readonly brokers: string;
  /** Prefix of every topic and consumer group of this run; empty by default (topic `orders.created`, group `billing`). */
  readonly namespace: string;
  /** The services' databases. */
  readonly database: DatabaseConfig;
  /** How many orders the demo places (one more is rolled back). */
  readonly orders: number;
}

/**
 * Reads the configuration: DATABASE_URL picks Postgres; otherwise SQLite files
 * in EXAMPLE_DATA_DIR, or in a fresh temporary directory.
 */
export function readConfig(env: NodeJS.ProcessEnv = process.env): ExampleConfig {
  const { kafkaBrokers } = readServicesEnv({ env });
  if (!kafkaBrokers) {
    throw new Error('No Kafka broker: run `node scripts/services.mjs up` at the repo root, or set BUS_KAFKA_BROKERS=host:port.');
  }
  const namespace = env.EXAMPLE_NAMESPACE ?? '';
  const url = env.DATABASE_URL ?? '';
  const database: DatabaseConfig =
    url !== ''
      ? { kind: 'postgres', url, schemaPrefix: schemaPrefixOf(namespace) }
      : { kind: 'sqlite', dir: env.EXAMPLE_DATA_DIR || mkdtempSync(path.join(tmpdir(), 'bus-example-outbox-')) };
  return {
    brokers: kafkaBrokers,
    namespace: namespace === '' ? '' : `${namespace}.`,
    database,
    orders: Number(env.EXAMPLE_ORDERS ?? 5),
  };
}

/** Event type → topic: the type itself, inside this run's namespace. */
export function topicFor(config: ExampleConfig): (type: string) => string {
  return (type) => `${config.namespace}${type}`;
}

/** A namespace such as `test.example-outbox.1a2b` as a prefix of Postgres schema names: `test_example_outbox_1a2b_`. */
export function schemaPrefixOf(namespace: string): string {
  const prefix = namespace.toLowerCase().replace(/[^a-z0-9_]+/g, '_');
  if (prefix === '') return '';
  return /^[a-z_]/.test(prefix) ? `${prefix}_` : `_${prefix}_`;
}
