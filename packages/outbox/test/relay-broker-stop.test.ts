// The relay through a Kafka outage, against a broker of the test's own (the
// shared one must never stop): the broker is stopped for 10 s while writers
// keep committing. Rows wait in the table, nothing is lost or dead-lettered,
// and the relay resumes by itself when the broker is back.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBus } from '@bus/core';
import { kafka } from '@bus/kafka';
import { TestBroker } from '@bus/scripts/test-broker';
import { serialization } from '@bus/serialization';
import { waitFor } from '@bus/transport-tests';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outbox, postgresOutbox } from '../src/index.js';
import { requirePostgresUrl } from './support/store-env.js';

const EVENTS = 2_000;
const PER_TX = 20;
const OUTAGE_MS = 10_000;

const schema = `bus_outbox_outage_${process.pid}_${randomBytes(3).toString('hex')}`;
const pool = new pg.Pool({ connectionString: requirePostgresUrl(), max: 6 });
let broker: TestBroker;

beforeAll(async () => {
  broker = await TestBroker.create();
  await broker.start();
}, 120_000);
afterAll(async () => {
  await broker?.destroy();
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
}, 60_000);

describe('outbox relay while the Kafka broker is stopped', () => {
  it(`keeps every committed event through a ${OUTAGE_MS / 1000} s broker stop and resumes by itself`, async () => {
    const type = `outbox.outage.${randomBytes(3).toString('hex')}`;
    const brokers = [broker.address];
    const store = postgresOutbox({ pool, schema });
    const bus = createBus({ source: 'urn:bus:outbox-outage' })
      .use(serialization())
      // The transport gives up quickly; retrying is the outbox's job, on the row.
      .use(
        kafka({ brokers, groupId: 'outbox-outage', ensureTopics: { partitions: 3, replicationFactor: 1 }, retries: 2, retryDelayMs: 200 }),
      )
      .use(outbox({ store, pollIntervalMs: 100, retry: { maxAttempts: 1_000, initialDelayMs: 100, maxDelayMs: 1_000 } }));
    const errors: string[] = [];
    bus.events.on('error', (error) => void errors.push(error.code));
    const consumed = new Map<number, number>();
    bus.subscribe(type, (event) => {
      const { n } = event.data as { n: number };
      consumed.set(n, (consumed.get(n) ?? 0) + 1);
    });
    await bus.start();
    await bus.kafka.ensureTopics([type]);
    await bus.kafka.settled();

    let written = 0;
    const write = async (count: number) => {
      for (let end = written + count; written < end; ) {
        const first = written;
        written += PER_TX;
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          await bus.publishBatch(
            Array.from({ length: PER_TX }, (_, i) => ({ type, data: { n: first + i }, partitionkey: `k${(first + i) % 7}` })),
            { tx: client },
          );
          await client.query('COMMIT');
        } finally {
          client.release();
        }
        await sleep(20);
      }
    };

    await write(EVENTS / 4);
    await waitFor(() => consumed.size >= EVENTS / 8, 60_000);
    await broker.stop();
    const stoppedAt = Date.now();
    await write(EVENTS / 2); // committed while the broker is down
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt)));
    const during = await bus.outbox.stats();
    await broker.start();
    const restartedAt = Date.now();
    await write(EVENTS / 4);
    // What reached the broker, read by a consumer group that starts after the outage; and the
    // live subscriber, which lived through the outage, must have resumed and got them all too
    // (issue 18: a @bus/kafka consumer used to stay silent after a 10 s broker stop).
    const checker = createBus({ source: 'urn:bus:outbox-outage-check' })
      .use(serialization())
      .use(kafka({ brokers, groupId: `outbox-outage-check-${randomBytes(3).toString('hex')}` }));
    const inKafka = new Map<number, number>();
    checker.subscribe(type, (event) => {
      const { n } = event.data as { n: number };
      inKafka.set(n, (inKafka.get(n) ?? 0) + 1);
    });
    let last = during;
    await waitFor(
      async () => {
        last = await bus.outbox.stats();
        return last.pending === 0;
      },
      120_000,
      { message: () => `the outbox drained; outbox ${JSON.stringify(last)}; errors ${[...new Set(errors)].join(', ')}` },
    );
    await checker.start();
    await waitFor(() => inKafka.size >= EVENTS, 60_000, { message: () => `${EVENTS} in Kafka, got ${inKafka.size}` });
    const recoveredMs = Date.now() - restartedAt;
    // Not thrown here, so a shortfall is printed with the figures below and then fails the test.
    await waitFor(() => consumed.size >= EVENTS, 60_000).catch(() => undefined);
    const liveRecoveredMs = Date.now() - restartedAt;
    await waitFor(async () => (await bus.outbox.stats()).pending === 0, 30_000);
    const after = await bus.outbox.stats();
    const lost = Array.from({ length: EVENTS }, (_, n) => n).filter((n) => !inKafka.has(n)).length;
    const duplicates = [...inKafka.values()].reduce((sum, copies) => sum + copies - 1, 0);
    console.log(
      `[outbox outage] events ${EVENTS}, broker stopped ${OUTAGE_MS} ms, pending at the end of the outage ${during.pending} ` +
        `(oldest ${during.oldestPendingAgeMs} ms), the table drained and all read back ${recoveredMs} ms after the restart, the live subscriber had ${consumed.size} of ${EVENTS} ${liveRecoveredMs} ms after the restart, lost ${lost}, duplicates ${duplicates}, ` +
        `send retries ${after.relay.retried}, dead ${after.dead}`,
    );
    expect(during.pending).toBeGreaterThan(0);
    expect(lost).toBe(0);
    expect(consumed.size).toBe(EVENTS);
    expect(after.dead).toBe(0);
    expect(after.pending).toBe(0);
    await checker.stop();
    await bus.stop();
  }, 300_000);
});
