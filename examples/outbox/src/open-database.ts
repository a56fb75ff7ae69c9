// Picks a service's database from the configuration: its own SQLite file, or
// its own Postgres schema.
import path from 'node:path';
import type { DatabaseConfig } from './config.ts';
import type { ServiceDatabase } from './database.ts';
import { openPostgresDatabase } from './postgres-database.ts';
import { openSqliteDatabase } from './sqlite-database.ts';

/** Opens the database of `service` (`orders.db` or the `<prefix>orders` schema, and so on). */
export function openDatabase(config: DatabaseConfig, service: string): Promise<ServiceDatabase> {
  if (config.kind === 'postgres') return openPostgresDatabase(config.url, `${config.schemaPrefix}${service}`);
  return Promise.resolve(openSqliteDatabase(path.join(config.dir, `${service}.db`)));
}
