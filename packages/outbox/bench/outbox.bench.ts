// The outbox against hand-written code doing the same work, in one run on one
// machine (Postgres: the local server; Kafka: the local broker):
//  - the write path: 100 publish(…, { tx }) in a transaction vs the same 100 INSERTs by hand;
//  - the relay, commit → acknowledged by Kafka: a table of committed rows drained by the
//    relay vs a hand loop (claim a batch, produce it with the raw client, delete it) at the
//    same batch size, for both stores;
//  - relay latency, commit → consumed, at 1,000 events/s.
// Run with `pnpm bench` (builds first; measures the built package). Prints BENCH_RESULT and
// BENCH_LATENCY lines; ops are events.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Bus, createBus } from '@bus/core';
import { kafka } from '@bus/kafka';
import { createBenchReport } from '@bus/scripts/bench';
import { readServicesEnv } from '@bus/scripts/services-env';
import { serialization } from '@bus/serialization';
import { type MessageToProduce, Producer } from '@platformatic/kafka';
import pg from 'pg';
import { type OutboxStore, outbox, postgresOutbox, sqliteOutbox } from '../dist/index.js';

const BATCH = 100;
const ROUNDS = Number(process.env.BUS_BENCH_OUTBOX_ROUNDS ?? 5);
const RELAY_EVENTS = Number(process.env.BUS_BENCH_OUTBOX_RELAY_EVENTS ?? 10_000);
const LATENCY_SECONDS = Number(process.env.BUS_BENCH_OUTBOX_LATENCY_SECONDS ?? 5);
const GOAL = '>= 0.8x';

const { kafkaBrokers, pgUrl } = readServicesEnv();
if (kafkaBrokers === undefined || pgUrl === undefined)
  throw new Error('the outbox bench needs BUS_KAFKA_BROKERS and BUS_PG_URL (pnpm services:up)');
const brokers = kafkaBrokers.split(',');
const prefix = `bench.outbox.${randomBytes(4).toString('hex')}`;
const order = {
  orderId: 'o-123456',
  customer: 'customer-42',
  lines: [{ sku: 'sku-1', qty: 2, price: 19.99 }],
  total: 39.98,
  currency: 'EUR',
};
const report = createBenchReport('@bus/outbox');
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/** One database for both subjects: the caller's transactions, a hand INSERT, a hand claim loop. */
interface Db {
  readonly name: 'postgres' | 'sqlite';
  store(table: string): OutboxStore;
  /** Runs `work` in a caller's transaction; `tx` is what publish takes. */
  inTx(
    work: (tx: unknown, insertByHand: (attributes: string, payload: Buffer, key: string) => Promise<void>) => Promise<void>,
  ): Promise<void>;
  /** The hand relay: claim a batch, give it to `send`, delete it; resolves to how many it sent (0: empty). */
  handRound(send: (rows: { attributes: string; payload: Buffer; key: string | null }[]) => Promise<void>): Promise<number>;
  truncate(): Promise<void>;
  close(): Promise<void>;
  readonly table: string;
}

async function postgresDb(table: string): Promise<Db> {
  const schema = `bench_outbox_${randomBytes(3).toString('hex')}`;
  const pool = new pg.Pool({ connectionString: pgUrl, max: 8 });
  const qualified = `"${schema}"."${table}"`;
  return {
    name: 'postgres',
    table,
    store: () => postgresOutbox({ pool, schema, tables: { outbox: table } }),
    inTx: async (work) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await work(client, async (attributes, payload, key) => {
          await client.query(
            `INSERT INTO ${qualified} (event_id, event_type, partition_key, attributes, payload, payload_kind) VALUES ($1, $2, $3, $4::jsonb, $5, 1)`,
            [randomUUID(), prefix, key, attributes, payload],
          );
        });
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    },
    handRound: async (send) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const { rows } = await client.query(
          `SELECT seq, attributes::text AS attributes, payload, partition_key FROM ${qualified} WHERE sent_at IS NULL ORDER BY seq LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`,
        );
        if (rows.length > 0) {
          await send(rows.map((row) => ({ attributes: row.attributes, payload: row.payload, key: row.partition_key })));
          await client.query(`DELETE FROM ${qualified} WHERE seq = ANY($1::bigint[])`, [rows.map((row) => row.seq)]);
        }
        await client.query('COMMIT');
        return rows.length;
      } finally {
        client.release();
      }
    },
    truncate: async () => {
      await pool.query(`TRUNCATE ${qualified}`);
    },
    close: async () => {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    },
  };
}

async function sqliteDb(table: string): Promise<Db> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-outbox-'));
  const file = path.join(dir, 'bench.db');
  const app = new DatabaseSync(file, { timeout: 5_000 });
  app.exec('PRAGMA journal_mode = WAL');
  app.exec('PRAGMA synchronous = NORMAL');
  let insert: ReturnType<DatabaseSync['prepare']> | undefined;
  return {
    name: 'sqlite',
    table,
    store: () => sqliteOutbox({ database: app, tables: { outbox: table } }),
    inTx: async (work) => {
      app.exec('BEGIN');
      try {
        await work(app, async (attributes, payload, key) => {
          insert ??= app.prepare(
            `INSERT INTO "${table}" (event_id, event_type, partition_key, attributes, payload, payload_kind, created_at, available_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)`,
          );
          const now = Date.now();
          insert.run(randomUUID(), prefix, key, attributes, payload, now, now);
        });
        app.exec('COMMIT');
      } catch (error) {
        app.exec('ROLLBACK');
        throw error;
      }
    },
    handRound: async (send) => {
      const rows = app
        .prepare(`SELECT seq, attributes, payload, partition_key FROM "${table}" WHERE sent_at IS NULL ORDER BY seq LIMIT ${BATCH}`)
        .all() as { seq: number; attributes: string; payload: Uint8Array; partition_key: string | null }[];
      if (rows.length === 0) return 0;
      await send(rows.map((row) => ({ attributes: row.attributes, payload: Buffer.from(row.payload), key: row.partition_key })));
      app.prepare(`DELETE FROM "${table}" WHERE seq IN (${rows.map((row) => row.seq).join(',')})`).run();
      return rows.length;
    },
    truncate: async () => {
      app.exec(`DELETE FROM "${table}"`);
    },
    close: async () => {
      app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The encoded envelope a hand-written service would store: the attributes as JSON, the data as JSON bytes. */
function handRow(): { attributes: string; payload: Buffer } {
  const attributes = {
    id: randomUUID(),
    source: 'urn:bench:hand',
    type: prefix,
    specversion: '1.0',
    time: new Date().toISOString(),
    partitionkey: order.customer,
    datacontenttype: 'application/json',
  };
  return { attributes: JSON.stringify(attributes), payload: Buffer.from(JSON.stringify(order)) };
}

async function writePath(db: Db): Promise<void> {
  const bus = createBus({ source: 'urn:bench:outbox' })
    .use(serialization())
    .use(outbox({ store: db.store(db.table), relay: false }));
  await bus.start();
  const ours = async () => {
    const started = performance.now();
    await db.inTx(async (tx) => {
      for (let i = 0; i < BATCH; i++) await bus.publish(prefix, order, { tx, key: order.customer });
    });
    return BATCH / ((performance.now() - started) / 1000);
  };
  const hand = async () => {
    const started = performance.now();
    await db.inTx(async (_tx, insertByHand) => {
      for (let i = 0; i < BATCH; i++) {
        const row = handRow();
        await insertByHand(row.attributes, row.payload, order.customer);
      }
    });
    return BATCH / ((performance.now() - started) / 1000);
  };
  for (let warm = 0; warm < 3; warm++) {
    await ours();
    await hand();
  }
  const oursRuns: number[] = [];
  const handRuns: number[] = [];
  for (let round = 0; round < ROUNDS * 4; round++) {
    oursRuns.push(await ours());
    handRuns.push(await hand());
  }
  report.report(
    `publish(…, { tx }) ×${BATCH} in one transaction: ${db.name}`,
    `the same ${BATCH} INSERTs by hand`,
    median(handRuns),
    median(oursRuns),
    { goal: GOAL },
  );
  await bus.stop();
  await db.truncate();
}

/** Commits `count` events in transactions of BATCH through a writer bus (the relay is elsewhere). */
/** Writes `count` rows in one transaction: they become visible to a relay at once, at its commit. */
async function fill(db: Db, writer: Bus, count: number, type: string): Promise<void> {
  await db.inTx(async (tx) => {
    for (let written = 0; written < count; written += BATCH) {
      await writer.publishBatch(
        Array.from({ length: BATCH }, (_, i) => ({
          type,
          data: { ...order, n: written + i },
          partitionkey: `customer-${(written + i) % 16}`,
        })),
        { tx },
      );
    }
  });
}

function headersOf(attributes: string): Map<Buffer, Buffer> {
  const parsed = JSON.parse(attributes) as Record<string, unknown>;
  const headers = new Map<Buffer, Buffer>();
  for (const [name, value] of Object.entries(parsed)) {
    if (name === 'datacontenttype') headers.set(Buffer.from('content-type'), Buffer.from(String(value)));
    else headers.set(Buffer.from(`ce_${name}`), Buffer.from(String(value)));
  }
  return headers;
}

async function relayThroughput(db: Db, producer: Producer<Buffer, Buffer, Buffer, Buffer>): Promise<void> {
  const type = `${prefix}.relay.${db.name}`;
  const relayBus = createBus({ source: 'urn:bench:outbox' })
    .use(serialization())
    .use(kafka({ brokers, groupId: prefix, batchSize: BATCH }))
    .use(outbox({ store: db.store(db.table), batchSize: BATCH, relay: false }));
  await relayBus.start();
  await relayBus.kafka.ensureTopics([type]);
  const writer = createBus({ source: 'urn:bench:outbox' })
    .use(serialization())
    .use(outbox({ store: db.store(db.table), relay: false }));
  await writer.start();

  // The relay under test runs (connected to the broker) before the rows exist, as the hand loop's producer does; a
  // round is timed from the commit of its rows to an empty table.
  const bus = createBus({ source: 'urn:bench:outbox' })
    .use(serialization())
    .use(kafka({ brokers, groupId: prefix, batchSize: BATCH, ensureTopics: false }))
    .use(outbox({ store: db.store(db.table), batchSize: BATCH, pollIntervalMs: 20 }));
  await bus.start();
  const viaRelay = async (): Promise<number> => {
    const sentBefore = (await bus.outbox.stats()).relay.sent;
    await fill(db, writer, RELAY_EVENTS, type);
    const started = performance.now();
    while ((await bus.outbox.stats()).relay.sent - sentBefore < RELAY_EVENTS) await sleep(2);
    return RELAY_EVENTS / ((performance.now() - started) / 1000);
  };
  const byHand = async (): Promise<number> => {
    await fill(db, writer, RELAY_EVENTS, type);
    const started = performance.now();
    let sent = 0;
    for (;;) {
      const n = await db.handRound(async (rows) => {
        const messages: MessageToProduce<Buffer, Buffer, Buffer, Buffer>[] = rows.map((row) => ({
          topic: type,
          ...(row.key === null ? {} : { key: Buffer.from(row.key) }),
          value: row.payload,
          headers: headersOf(row.attributes),
        }));
        await producer.send({ messages });
      });
      if (n === 0) break;
      sent += n;
    }
    return sent / ((performance.now() - started) / 1000);
  };
  await byHand();
  await viaRelay();
  const relayRuns: number[] = [];
  const handRuns: number[] = [];
  for (let round = 0; round < Math.max(3, Math.ceil(ROUNDS / 2)); round++) {
    handRuns.push(await byHand());
    relayRuns.push(await viaRelay());
  }
  report.report(
    `relay ${RELAY_EVENTS} committed rows → Kafka acks=all, batch ${BATCH}: ${db.name}`,
    'hand loop (claim, raw producer, delete)',
    median(handRuns),
    median(relayRuns),
    { goal: GOAL },
  );
  await bus.stop();
  await writer.stop();
  await relayBus.stop();
  await db.truncate();
}

async function relayLatency(db: Db): Promise<void> {
  const type = `${prefix}.latency.${db.name}`;
  const bus = createBus({ source: 'urn:bench:outbox' })
    .use(serialization())
    .use(kafka({ brokers, groupId: `${prefix}.latency` }))
    .use(outbox({ store: db.store(db.table), batchSize: BATCH }));
  const committedAt = new Map<number, number>();
  const samples: number[] = [];
  bus.subscribe(type, (event) => {
    const at = committedAt.get((event.data as { n: number }).n);
    if (at !== undefined) samples.push(performance.now() - at);
  });
  await bus.start();
  await bus.kafka.ensureTopics([type]);
  await bus.kafka.settled();
  // 1,000 events/s: a transaction of 5 events every 5 ms.
  const total = LATENCY_SECONDS * 1_000;
  const started = performance.now();
  for (let n = 0; n < total; n += 5) {
    const due = started + n;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const ns = [n, n + 1, n + 2, n + 3, n + 4];
    await db.inTx(async (tx) => {
      await bus.publishBatch(
        ns.map((k) => ({ type, data: { n: k }, partitionkey: `k${k % 16}` })),
        { tx },
      );
    });
    const now = performance.now();
    for (const k of ns) committedAt.set(k, now);
  }
  const rate = total / ((performance.now() - started) / 1000);
  const deadline = performance.now() + 30_000;
  while (samples.length < total && performance.now() < deadline) await sleep(20);
  await bus.stop();
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => Number((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN).toFixed(2));
  console.log(
    `BENCH_LATENCY ${JSON.stringify({ package: '@bus/outbox', name: `relay latency, commit → consumed from Kafka, at ${Math.round(rate)} events/s: ${db.name}`, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1), samples: samples.length })}`,
  );
  await db.truncate();
}

const producer = new Producer<Buffer, Buffer, Buffer, Buffer>({
  clientId: 'bus-bench-outbox-raw',
  bootstrapBrokers: brokers,
  idempotent: true,
});
for (const make of [postgresDb, sqliteDb]) {
  const db = await make('bench_outbox');
  try {
    await writePath(db);
    await relayThroughput(db, producer);
    await relayLatency(db);
  } finally {
    await db.close();
  }
}
await producer.close();
report.print();
