// 50 writers on 5 streams, spread over 5 worker threads, each thread with its own SQLite
// connection to one file. node:sqlite is synchronous, so writers within one thread only
// interleave between appends; the threads append truly in parallel, and SQLite's locks
// (BEGIN IMMEDIATE, WAL, busy_timeout) are what keeps them apart.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { createEventStore, sqliteBackend } from '../src/index.js';

const directory = mkdtempSync(join(tmpdir(), 'bus-persistence-sqlite-threads-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const THREADS = 5;
const WRITERS = 50;
const STREAMS = 5;
const APPENDS_PER_WRITER = 4;

interface Report {
  conflicts: string[];
  failures: string[];
}

function runThread(path: string, writerIds: number[]): Promise<Report> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./support/sqlite-writer.ts', import.meta.url), {
      workerData: { path, writerIds, streams: STREAMS, appendsPerWriter: APPENDS_PER_WRITER },
    });
    worker.once('message', (report: Report) => resolve(report));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`writer thread exited with code ${code}`));
    });
  });
}

describe('sqlite backend under writers on several threads', () => {
  it(`keeps every update of ${WRITERS} writers on ${STREAMS} streams across ${THREADS} connections: contiguous versions, every conflict typed`, async () => {
    const built = new URL('../dist/index.js', import.meta.url);
    if (!existsSync(built)) throw new Error('The writer threads load the built package: run `pnpm build` in packages/persistence first.');
    const path = join(directory, 'accounts.db');
    // Make the tables once, so the threads race on appends rather than on setup.
    const setup = createEventStore({ backend: sqliteBackend({ path }) });
    expect(await setup.streamVersion('account-0')).toBe(-1);
    await setup.close();

    const ids = Array.from({ length: WRITERS }, (_, id) => id);
    const reports = await Promise.all(
      Array.from({ length: THREADS }, (_, thread) =>
        runThread(
          path,
          ids.filter((id) => id % THREADS === thread),
        ),
      ),
    );
    expect(reports.flatMap((report) => report.failures)).toEqual([]);
    const conflicts = reports.flatMap((report) => report.conflicts);
    expect(conflicts.length).toBeGreaterThan(0);
    expect(new Set(conflicts)).toEqual(new Set(['CONCURRENCY_CONFLICT']));

    const store = createEventStore({ backend: sqliteBackend({ path }) });
    const seen = new Set<string>();
    for (let s = 0; s < STREAMS; s++) {
      const records = await store.readStream<{ writer: number; n: number; balance: number }>(`account-${s}`);
      expect(records.map((record) => record.version)).toEqual(records.map((_, index) => index));
      expect(records.map((record) => record.event.data.balance)).toEqual(records.map((_, index) => index + 1));
      for (const record of records) seen.add(`${record.event.data.writer}/${record.event.data.n}`);
    }
    expect(seen.size).toBe(WRITERS * APPENDS_PER_WRITER);
    const log = await store.readAll();
    expect(log).toHaveLength(WRITERS * APPENDS_PER_WRITER);
    const positions = log.map((record) => record.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    await store.close();
  });
});
