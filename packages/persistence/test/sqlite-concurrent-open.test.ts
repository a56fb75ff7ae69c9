// Several threads opening one new database file at the same moment: the first connection
// switches the file to WAL and makes the tables while the others try to do the same. SQLite
// does not call the busy handler for every lock this needs, so `PRAGMA journal_mode = WAL`
// could fail with "database is locked" despite busy_timeout (issue 18); opening must retry
// within busyTimeoutMs instead.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { createEventStore, sqliteBackend } from '../src/index.js';

const directory = mkdtempSync(join(tmpdir(), 'bus-persistence-sqlite-open-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const THREADS = 4;
const FILES = 800;

interface Report {
  opens: number;
  failures: string[];
}

function runThread(paths: string[], barrier: SharedArrayBuffer): Promise<Report> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./support/sqlite-opener.ts', import.meta.url), { workerData: { paths, barrier, threads: THREADS } });
    worker.once('message', (report: Report) => resolve(report));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`opener thread exited with code ${code}`));
    });
  });
}

describe('sqlite backend opened by several threads at once', () => {
  it(`opens one new file from ${THREADS} threads at the same moment, ${FILES} times (${THREADS * FILES} opens), without a failure`, async () => {
    const built = new URL('../dist/index.js', import.meta.url);
    if (!existsSync(built)) throw new Error('The opener threads load the built package: run `pnpm build` in packages/persistence first.');
    const paths = Array.from({ length: FILES }, (_, file) => join(directory, `new-${file}.db`));
    const barrier = new SharedArrayBuffer(4);
    const reports = await Promise.all(Array.from({ length: THREADS }, () => runThread(paths, barrier)));
    const failures = reports.flatMap((report) => report.failures);
    const opens = reports.reduce((sum, report) => sum + report.opens, 0);
    console.log(`[sqlite-open] threads=${THREADS} files=${FILES} opens=${opens} failures=${failures.length}`, failures.slice(0, 3));
    expect(failures).toEqual([]);
    expect(opens).toBe(THREADS * FILES);
  });
});

describe('sqlite backend opening a file another connection keeps locked', () => {
  it('fails with STORE_FAILED once busyTimeoutMs has passed, and opens on the next call once the lock is gone', async () => {
    const { DatabaseSync } = process.getBuiltinModule('node:sqlite');
    const path = join(directory, 'locked.db');
    const holder = new DatabaseSync(path);
    holder.exec('BEGIN EXCLUSIVE');
    const store = createEventStore({ backend: sqliteBackend({ path, busyTimeoutMs: 50 }) });
    const error = await store.streamVersion('s').catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      name: 'BusError',
      code: 'STORE_FAILED',
      cause: expect.objectContaining({ errstr: 'database is locked' }),
    });
    holder.exec('ROLLBACK');
    holder.close();
    expect(await store.streamVersion('s')).toBe(-1);
    await store.close();
  });
});
