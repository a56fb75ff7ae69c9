// Event-store throughput per backend against the raw driver doing the same
// writes and reads, in one run on one machine: append (batches of 1 and 100)
// and readAll. The raw baselines write the same rows to tables with the same
// columns and indexes (or the same lines to a file), so the ratio is the cost
// of the library, not of the schema. Run with `pnpm bench` (builds first;
// measures the built package).
// Prints one `BENCH_RESULT {...}` line per comparison; ops are events.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createEventId, type EventEnvelope } from '@bus/core';
import { readServicesEnv } from '@bus/scripts/services-env';
import pg from 'pg';
import { createEventStore, type EventStore, jsonlBackend, memoryBackend, postgresBackend, sqliteBackend } from '../dist/index.js';

const PHASE_MS = Number(process.env.BUS_BENCH_TIME_MS ?? 1200);
const STREAMS = 50;
/** How many events the read comparisons read, per pass. */
const READ_EVENTS = 20_000;
const GOAL = '>= 0.8x raw';

interface Subject {
  /** Appends `events` to `stream`. */
  append(stream: string, events: EventEnvelope[]): Promise<unknown>;
  /** Reads the whole log in pages; returns how many events it read. */
  readAll(): Promise<number>;
  close(): Promise<void>;
}

function envelope(n: number): EventEnvelope {
  return {
    id: createEventId(),
    source: 'bench',
    type: 'account.deposited',
    specversion: '1.0',
    time: new Date().toISOString(),
    subject: `account-${n % STREAMS}`,
    data: { amount: n, currency: 'EUR', note: 'a deposit of a few words' },
  };
}

/** Runs `round` (which reports how many events it handled) for about `ms`; events per second. */
async function measure(ms: number, round: () => Promise<number>): Promise<{ events: number; elapsed: number }> {
  let events = 0;
  const started = performance.now();
  while (performance.now() - started < ms) events += await round();
  return { events, elapsed: performance.now() - started };
}

let counter = 0;
/** One append of `batch` events to the next stream. */
function appendRound(subject: Subject, batch: number): () => Promise<number> {
  return async () => {
    const events = Array.from({ length: batch }, () => envelope(counter++));
    await subject.append((events[0] as EventEnvelope).subject as string, events);
    return batch;
  };
}

/** Ours and the raw baseline in alternating phases (to even out drift), events per second each. */
async function compare(name: string, baselineName: string, ours: () => Promise<number>, raw: () => Promise<number>): Promise<void> {
  const totals = { ours: { events: 0, elapsed: 0 }, raw: { events: 0, elapsed: 0 } };
  await measure(100, ours); // warm up
  await measure(100, raw);
  for (let phase = 0; phase < 2; phase++) {
    const a = await measure(PHASE_MS / 2, ours);
    const b = await measure(PHASE_MS / 2, raw);
    totals.ours.events += a.events;
    totals.ours.elapsed += a.elapsed;
    totals.raw.events += b.events;
    totals.raw.elapsed += b.elapsed;
  }
  const opsPerSec = (totals.ours.events / totals.ours.elapsed) * 1000;
  const baselineOpsPerSec = (totals.raw.events / totals.raw.elapsed) * 1000;
  const result = {
    package: '@bus/persistence',
    name,
    opsPerSec: Math.round(opsPerSec),
    baseline: baselineName,
    baselineOpsPerSec: Math.round(baselineOpsPerSec),
    ratio: Number((opsPerSec / baselineOpsPerSec).toFixed(3)),
    goal: GOAL,
  };
  console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
}

function storeSubject(store: EventStore): Subject {
  return {
    append: (stream, events) => store.append(stream, events),
    readAll: async () => {
      let read = 0;
      let fromPosition = 1;
      for (;;) {
        const page = await store.readAll({ fromPosition, limit: 1000 });
        read += page.length;
        if (page.length < 1000) return read;
        fromPosition = (page.at(-1)?.position ?? 0) + 1;
      }
    },
    close: () => store.close(),
  };
}

/** Collects garbage between phases when it can, so one phase does not pay for another's. */
const collectGarbage: () => void = (() => {
  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  return gc ?? (() => undefined);
})();

/** Fills a subject with `count` events, in appends of 500 (not timed). */
async function fill(subject: Subject, count: number): Promise<void> {
  for (let n = 0; n < count; n += 500) await appendRound(subject, 500)();
}

/**
 * The append comparisons on one pair of stores, then the read comparison on a
 * fresh pair holding the same number of events (so both read equal logs).
 */
async function run(backend: string, make: () => Promise<[ours: Subject, raw: Subject]>, rawName: string): Promise<void> {
  const [ours, raw] = await make();
  collectGarbage();
  await compare(`${backend}: append, batch 1`, rawName, appendRound(ours, 1), appendRound(raw, 1));
  collectGarbage();
  await compare(`${backend}: append, batch 100`, rawName, appendRound(ours, 100), appendRound(raw, 100));
  await ours.close();
  await raw.close();
  const [readOurs, readRaw] = await make();
  await fill(readOurs, READ_EVENTS);
  await fill(readRaw, READ_EVENTS);
  collectGarbage();
  const readName = backend === 'jsonl' ? 'open + readAll (from the files)' : 'readAll';
  await compare(
    `${backend}: ${readName}`,
    rawName,
    () => readOurs.readAll(),
    () => readRaw.readAll(),
  );
  await readOurs.close();
  await readRaw.close();
}

// ── memory ──────────────────────────────────────────────────────────────

/** The least a memory log must do: number versions and positions, index ids; async like any store API. */
function rawMemoryLog(): Subject {
  const log: { stream: string; version: number; position: number; event: EventEnvelope }[] = [];
  const streams = new Map<string, number>();
  const ids = new Set<string>();
  const readPage = async (from: number) => log.slice(from, from + 1000);
  return {
    append: async (stream, events) => {
      let version = streams.get(stream) ?? -1;
      for (const event of events) {
        ids.add(event.id);
        log.push({ stream, version: ++version, position: log.length + 1, event });
      }
      streams.set(stream, version);
    },
    // Pages through an async call, as any store API does (the backends behind it do I/O).
    readAll: async () => {
      let read = 0;
      for (let from = 0; from < log.length; from += 1000) read += (await readPage(from)).length;
      return read;
    },
    close: async () => undefined,
  };
}

// ── sqlite ──────────────────────────────────────────────────────────────

/** node:sqlite with the same table and indexes, one transaction per append, prepared statements. */
function rawSqlite(path: string): Subject {
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL');
  db.exec(`CREATE TABLE raw_events (
    position INTEGER PRIMARY KEY AUTOINCREMENT, stream TEXT NOT NULL, version INTEGER NOT NULL, id TEXT NOT NULL,
    type TEXT NOT NULL, stored_at INTEGER NOT NULL, envelope TEXT NOT NULL, UNIQUE (stream, version), UNIQUE (id));
    CREATE INDEX raw_events_type ON raw_events (type, position); CREATE INDEX raw_events_stored_at ON raw_events (stored_at)`);
  const head = db.prepare('SELECT max(version) AS version FROM raw_events WHERE stream = ?');
  const insert = db.prepare('INSERT INTO raw_events (stream, version, id, type, stored_at, envelope) VALUES (?, ?, ?, ?, ?, ?)');
  const page = db.prepare(
    'SELECT position, stream, version, stored_at, envelope FROM raw_events WHERE position >= ? ORDER BY position LIMIT 1000',
  );
  return {
    append: async (stream, events) => {
      db.exec('BEGIN IMMEDIATE');
      let version = ((head.get(stream) as { version: number | null }).version ?? -1) as number;
      const storedAt = Date.now();
      for (const event of events) insert.run(stream, ++version, event.id, event.type, storedAt, JSON.stringify(event));
      db.exec('COMMIT');
    },
    readAll: async () => {
      let read = 0;
      let from = 1;
      for (;;) {
        const rows = page.all(from) as { position: number; envelope: string }[];
        for (const row of rows) JSON.parse(row.envelope);
        read += rows.length;
        if (rows.length < 1000) return read;
        from = (rows.at(-1)?.position ?? 0) + 1;
      }
    },
    close: async () => db.close(),
  };
}

// ── postgres ────────────────────────────────────────────────────────────

/** pg with the same table and indexes, one statement per append (autocommit), the batch as arrays. */
async function rawPostgres(pool: pg.Pool, schema: string, name: string): Promise<Subject> {
  const table = `"${schema}".${name}`;
  await pool.query(`CREATE TABLE ${table} (
    position bigserial PRIMARY KEY, tx xid8 NOT NULL, stream text NOT NULL, version bigint NOT NULL, id text NOT NULL,
    type text NOT NULL, stored_at bigint NOT NULL, envelope jsonb NOT NULL, UNIQUE (stream, version), UNIQUE (id));
    CREATE INDEX ON ${table} (type, position); CREATE INDEX ON ${table} (stored_at)`);
  const insert = `INSERT INTO ${table} (tx, stream, version, id, type, stored_at, envelope)
    SELECT pg_current_xact_id(), $1, coalesce((SELECT max(version) FROM ${table} WHERE stream = $1), -1) + i.n, i.id, i.type, $2, i.envelope::jsonb
    FROM unnest($3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS i(id, type, envelope, n)`;
  return {
    append: async (stream, events) => {
      await pool.query(insert, [
        stream,
        Date.now(),
        events.map((event) => event.id),
        events.map((event) => event.type),
        events.map((event) => JSON.stringify(event)),
      ]);
    },
    readAll: async () => {
      let read = 0;
      let from = 1;
      for (;;) {
        const { rows } = await pool.query(
          `SELECT position, stream, version, stored_at, envelope::text AS envelope FROM ${table} WHERE position >= $1 ORDER BY position LIMIT 1000`,
          [from],
        );
        for (const row of rows) JSON.parse(row.envelope);
        read += rows.length;
        if (rows.length < 1000) return read;
        from = Number(rows.at(-1)?.position ?? 0) + 1;
      }
    },
    close: async () => undefined,
  };
}

// ── jsonl ───────────────────────────────────────────────────────────────

/** fs.appendFile of the same lines per append; reads parse every line of every file. */
function rawJsonl(directory: string): Subject {
  const file = join(directory, 'events.jsonl');
  let position = 0;
  const versions = new Map<string, number>();
  return {
    append: async (stream, events) => {
      let version = versions.get(stream) ?? -1;
      const storedAt = new Date().toISOString();
      let text = '';
      for (const event of events) text += `${JSON.stringify({ position: ++position, stream, version: ++version, storedAt, event })}\n`;
      versions.set(stream, version);
      await appendFile(file, text);
    },
    readAll: async () => {
      let read = 0;
      for (const name of await readdir(directory)) {
        const text = await readFile(join(directory, name), 'utf8');
        for (const line of text.split('\n')) {
          if (line.length > 0) {
            JSON.parse(line);
            read++;
          }
        }
      }
      return read;
    },
    close: async () => undefined,
  };
}

/** The JSON Lines store, read from its files (as a reopen does), not from its in-memory index. */
function jsonlSubject(directory: string): Subject {
  const writer = createEventStore({ backend: jsonlBackend({ directory }) });
  const subject = storeSubject(writer);
  return {
    append: subject.append,
    readAll: async () => {
      const reader = createEventStore({ backend: jsonlBackend({ directory }) });
      const read = await storeSubject(reader).readAll();
      await reader.close();
      return read;
    },
    close: subject.close,
  };
}

// ── main ────────────────────────────────────────────────────────────────

const directory = mkdtempSync(join(tmpdir(), 'bus-persistence-bench-'));
let made = 0;
try {
  await run('memory', async () => [storeSubject(createEventStore({ backend: memoryBackend() })), rawMemoryLog()], 'raw Map log');
  await run(
    'sqlite',
    async () => {
      const n = ++made;
      return [
        storeSubject(createEventStore({ backend: sqliteBackend({ path: join(directory, `store-${n}.db`) }) })),
        rawSqlite(join(directory, `raw-${n}.db`)),
      ];
    },
    'raw node:sqlite',
  );
  await run(
    'jsonl',
    async () => {
      const n = ++made;
      const ours = join(directory, `jsonl-${n}`);
      const raw = join(directory, `raw-jsonl-${n}`);
      await mkdir(ours);
      await mkdir(raw);
      return [jsonlSubject(ours), rawJsonl(raw)];
    },
    'raw fs.appendFile',
  );

  const { pgUrl } = readServicesEnv();
  if (pgUrl === undefined) {
    console.error('postgres: skipped, BUS_PG_URL is not set');
  } else {
    const schema = `bus_bench_${randomBytes(4).toString('hex')}`;
    const pool = new pg.Pool({ connectionString: pgUrl, max: 4 });
    try {
      await pool.query(`CREATE SCHEMA "${schema}"`);
      await run(
        'postgres',
        async () => {
          const n = ++made;
          const ours = storeSubject(createEventStore({ backend: postgresBackend({ pool, schema, tablePrefix: `bus${n}_` }) }));
          return [ours, await rawPostgres(pool, schema, `raw${n}_events`)];
        },
        'raw pg',
      );
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    }
  }
} finally {
  rmSync(directory, { recursive: true, force: true });
}
