// The relay's crash guarantee, against the real Postgres and the real Kafka
// broker: relay processes are killed with SIGKILL at random points while
// concurrent writers commit 10,000 events. Every committed event reaches Kafka
// (0 lost); duplicates are bounded by what was in flight when a relay died,
// and every duplicate carries the same CloudEvents id; per key, the first
// copies arrive in commit order.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBus } from '@bus/core';
import { kafka } from '@bus/kafka';
import { readRecords } from '@bus/scripts/kafka-test';
import { readServicesEnv } from '@bus/scripts/services-env';
import { serialization } from '@bus/serialization';
import { waitFor } from '@bus/transport-tests';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { outbox, postgresOutbox } from '../src/index.js';
import { requirePostgresUrl } from './support/store-env.js';

const EVENTS = 10_000;
const PER_TX = 10;
const WRITERS = 4;
const KEYS = 4;
const MIN_KILLS = 20;
const BATCH_SIZE = 50;

const pgUrl = requirePostgresUrl();
const brokers = readServicesEnv().kafkaBrokers?.split(',');
const schema = `bus_outbox_crash_${process.pid}_${randomBytes(3).toString('hex')}`;
const table = 'crash_outbox';
const type = `outbox.crash.${randomBytes(4).toString('hex')}`;
const admin = new pg.Pool({ connectionString: pgUrl, max: WRITERS + 2 });
const children = new Set<ChildProcess>();

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
});

function startRelay(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(import.meta.dirname, 'faults', 'relay-child.ts')], {
    env: {
      ...process.env,
      PG_URL: pgUrl,
      PG_SCHEMA: schema,
      BROKERS: brokers?.join(','),
      OUTBOX_TABLE: table,
      BATCH_SIZE: String(BATCH_SIZE),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code, signal) => reject(new Error(`relay child exited before ready (${code ?? signal})`)));
  });
}

describe('outbox relay killed with SIGKILL', () => {
  it(`loses no committed event of ${EVENTS} with at least ${MIN_KILLS} relay kills`, async () => {
    if (brokers === undefined) throw new Error('BUS_KAFKA_BROKERS is not set: start the services (pnpm services:up).');
    const tables = { outbox: table, deadLetters: `${table}_dead`, inbox: `${table}_inbox`, version: `${table}_version` };
    const store = postgresOutbox({ pool: admin, schema, tables });
    const writer = createBus({ source: 'urn:bus:outbox-crash' })
      .use(serialization())
      .use(outbox({ store, relay: false }));
    await writer.start();

    // The consumer: every copy of every event that reached Kafka.
    const copies = new Map<number, string[]>();
    const arrival: { n: number; key: string }[] = [];
    const consumer = createBus({ source: 'urn:bus:outbox-crash-check' })
      .use(serialization())
      .use(
        kafka({
          brokers,
          groupId: `outbox-crash-check-${randomBytes(3).toString('hex')}`,
          ensureTopics: { partitions: 4, replicationFactor: 1 },
        }),
      );
    consumer.subscribe(type, (event) => {
      const { n, key } = event.data as { n: number; key: string };
      const seen = copies.get(n);
      if (seen === undefined) {
        copies.set(n, [event.id]);
        arrival.push({ n, key });
      } else seen.push(event.id);
    });
    await consumer.start();
    await consumer.kafka.ensureTopics([type]);
    await consumer.kafka.settled();

    // Each round: a relay starts, writers commit their share of the events (10 per
    // transaction) while it relays, and the relay is killed at a random point.
    let next = 0;
    const committed = new Set<number>();
    const perRound = EVENTS / MIN_KILLS;
    const write = (until: number) =>
      Promise.all(
        Array.from({ length: WRITERS }, async (_, w) => {
          while (next < until) {
            const first = next;
            next += PER_TX;
            const client = await admin.connect();
            try {
              await client.query('BEGIN');
              const ns = Array.from({ length: PER_TX }, (_, i) => first + i);
              await writer.publishBatch(
                // Each writer has keys of its own, so that a key's commit order is its n order.
                ns.map((n) => ({ type, data: { n, key: `w${w}k${n % KEYS}` }, partitionkey: `w${w}k${n % KEYS}` })),
                { tx: client },
              );
              await client.query('COMMIT');
              for (const n of ns) committed.add(n);
            } finally {
              client.release();
            }
          }
        }),
      );
    let kills = 0;
    let relayedBeforeKills = 0;
    for (let round = 1; round <= MIN_KILLS; round++) {
      const relay = await startRelay();
      const writing = write(round * perRound);
      // Killed while it relays: once the consumer saw a random part of this round's events (the relay then
      // has a batch in flight or just sent), or after 4 s at most.
      const target = copies.size + 1 + Math.floor(Math.random() * perRound);
      await waitFor(() => copies.size >= target, 4_000, { intervalMs: 2 }).catch(() => undefined);
      relay.kill('SIGKILL');
      await new Promise((resolve) => relay.once('exit', resolve));
      kills++;
      await writing;
    }
    relayedBeforeKills = copies.size;
    const pendingAfterKills = (await store.stats()).pending;

    // A last relay drains what is left.
    const last = await startRelay();
    await waitFor(async () => (await store.stats()).pending === 0, 120_000, { message: 'the last relay to drain the table' });
    await waitFor(() => copies.size >= committed.size, 120_000, { message: () => `${committed.size} events consumed, got ${copies.size}` });
    await sleep(1_000); // late duplicates, if any, still count
    last.kill('SIGTERM');
    await new Promise((resolve) => last.once('exit', resolve));

    const lost = [...committed].filter((n) => !copies.has(n));
    let duplicates = 0;
    let idMismatches = 0;
    for (const ids of copies.values()) {
      duplicates += ids.length - 1;
      if (new Set(ids).size !== 1) idMismatches++;
    }
    const outOfOrder = keysOutOfOrder(arrival);
    // The topic's own log, read back from the broker: tells a relay that wrote a key out of order
    // from a consumer that delivered it out of order.
    const totalCopies = [...copies.values()].reduce((sum, ids) => sum + ids.length, 0);
    const log = (await readRecords(consumer.kafka.topicFor(type), totalCopies, 60_000, brokers)).map((record) => {
      const { n, key } = JSON.parse(record.value.toString()) as { n: number; key: string };
      return { n, key, partition: record.partition, offset: record.offset, timestamp: Number(record.timestamp) };
    });
    log.sort((a, b) => a.partition - b.partition || Number(a.offset - b.offset));
    const inLog = new Set<number>();
    const firstInLog = log.filter((entry) => !inLog.has(entry.n) && inLog.add(entry.n) !== undefined);
    const logOutOfOrder = keysOutOfOrder(firstInLog);
    for (const line of orderBreaks(firstInLog).slice(0, 10)) console.log(`[outbox crash] out of order in the log: ${line}`);
    console.log(
      `[outbox crash] events committed ${committed.size}, relay kills ${kills} (SIGKILL), consumed before the last kill ${relayedBeforeKills}, pending then ${pendingAfterKills}, ` +
        `consumed ${copies.size}, lost ${lost.length}, duplicates ${duplicates} (bound ${kills * BATCH_SIZE}), ` +
        `duplicates with another id ${idMismatches}, keys whose first copies arrived out of order ${outOfOrder} (in the topic's log ${logOutOfOrder})`,
    );
    expect(committed.size).toBe(EVENTS);
    expect(kills).toBeGreaterThanOrEqual(MIN_KILLS);
    expect(lost).toEqual([]);
    expect(duplicates).toBeLessThanOrEqual(kills * BATCH_SIZE);
    expect(idMismatches).toBe(0);
    // Per-key order under kills: a key's first copies are in commit order, in the topic's log (what the
    // relay wrote) and as the consumer received them. CI runs before e2806aa saw 3–9 keys out of order here,
    // traced to the Postgres claim reading clock_timestamp() per row while a dead relay's lease ended
    // mid-scan; the claim now reads one instant after its lock.
    expect(logOutOfOrder, 'keys out of order in the topic log').toBe(0);
    expect(outOfOrder, 'keys whose first copies arrived out of order').toBe(0);
    expect((await store.stats()).dead).toBe(0);
    await consumer.stop();
    await writer.stop();
  }, 600_000);
});

/** Each place where a key's `n` went down in the log: the two records, with offsets and producer timestamps. */
function orderBreaks(log: readonly { n: number; key: string; partition: number; offset: bigint; timestamp: number }[]): string[] {
  const last = new Map<string, (typeof log)[number]>();
  const breaks: string[] = [];
  for (const entry of log) {
    const before = last.get(entry.key);
    if (before !== undefined && before.n > entry.n)
      breaks.push(
        `key ${entry.key}: n ${before.n} at ${before.partition}/${before.offset} (t ${before.timestamp}) before n ${entry.n} at ${entry.partition}/${entry.offset} (t ${entry.timestamp})`,
      );
    last.set(entry.key, entry);
  }
  return breaks;
}

/** Keys whose first copies did not arrive in increasing `n` (each key belongs to one writer, which commits in `n` order). */
function keysOutOfOrder(arrival: readonly { n: number; key: string }[]): number {
  const last = new Map<string, number>();
  const bad = new Set<string>();
  for (const { n, key } of arrival) {
    if ((last.get(key) ?? -1) > n) bad.add(key);
    last.set(key, n);
  }
  return bad.size;
}
