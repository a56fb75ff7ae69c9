// A service's database as one SQLite file (node:sqlite): the zero-setup
// default. The outbox store opens its own connections to the same file.
import { DatabaseSync } from 'node:sqlite';
import { sqliteOutbox } from '@bus/outbox';
import type { ServiceDatabase, SqlParam, Statements } from './database.ts';

/** Opens (or creates) the SQLite file, in WAL mode so the relay reads while the app writes. */
export function openSqliteDatabase(file: string): ServiceDatabase {
  const db = new DatabaseSync(file, { timeout: 5_000 });
  db.exec('PRAGMA journal_mode = WAL');
  const statements = (handle: DatabaseSync): Statements => ({
    handle,
    run: async (sql, params = []) => {
      handle.prepare(sql).run(...params);
    },
  });
  return {
    kind: 'sqlite',
    where: file,
    store: sqliteOutbox({ database: db }),
    migrate: async (ddl) => {
      db.exec(ddl.sqlite);
    },
    transaction: async (work) => {
      db.exec('BEGIN');
      try {
        const result = await work(statements(db));
        db.exec('COMMIT');
        return result;
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
    },
    within: (handle) => statements(handle as DatabaseSync),
    query: async (sql, params: readonly SqlParam[] = []) => db.prepare(sql).all(...params) as Record<string, unknown>[],
    close: async () => db.close(),
  };
}
