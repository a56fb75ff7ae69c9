// Fault: the broker stops (an orderly SIGTERM) and comes back on the same
// ports and data while publishers keep publishing with acks=all. Every
// publish the transport acknowledged must be on the broker afterwards; the
// idempotent producer must not write any record twice; a subscriber that
// lived through the restart ends up with every acknowledged event. Runs on a broker of
// its own (test/support/broker.ts): the shared one is never stopped.
import { createBus } from '@bus/core';
import { describe, expect, it } from 'vitest';
import { decodeCloudEvent, kafka } from '../src/index.js';
import { jsonTestCodec } from './support/json-test-codec.js';
import { ownBroker } from './support/own-broker.js';
import { readRecords } from './support/raw-kafka.js';
import { sleep, waitUntil } from './support/wait.js';

const EVENTS = 600;
const PUBLISHERS = 6;

const ownedBroker = ownBroker();

describe('a broker restart while publishing', () => {
  it('loses no acknowledged event and writes none twice', async () => {
    const broker = ownedBroker();
    const type = 'fault.broker-restart';
    const bus = createBus({ source: 'urn:bus:fault' })
      .use(jsonTestCodec())
      .use(
        kafka({
          brokers: [broker.address],
          groupId: 'fault',
          ensureTopics: { partitions: 3, replicationFactor: 1 },
          retries: 60,
          retryDelayMs: 250,
        }),
      );
    const errors: string[] = [];
    bus.events.on('error', (error) => void errors.push(`${error.code}: ${error.message}`));
    // A subscriber on the same broker lives through the restart too: it must end up with every acknowledged event.
    const consumed: string[] = [];
    bus.subscribe(type, (event) => void consumed.push(event.id), { group: 'fault.consumers' });
    await bus.start();
    await bus.kafka.ensureTopics([type]);
    await bus.kafka.settled();

    const acknowledged = new Set<string>();
    const rejected: string[] = [];
    let next = 0;
    const publisher = async (): Promise<void> => {
      while (next < EVENTS) {
        const n = next++;
        try {
          const receipt = await bus.publish(type, { n }, { key: `key-${n % 17}` });
          acknowledged.add(receipt.id);
        } catch (error) {
          rejected.push(`${n}: ${(error as Error).message}`);
        }
        await sleep(5);
      }
    };
    const publishing = Promise.all(Array.from({ length: PUBLISHERS }, publisher));

    await waitUntil(() => acknowledged.size >= EVENTS / 4, 60_000, 'a quarter of the events to be acknowledged');
    const stoppedAt = acknowledged.size;
    const downStarted = Date.now();
    await broker.stop();
    await sleep(1_000); // publishers keep trying against a broker that is gone
    await broker.start();
    const downMs = Date.now() - downStarted;
    await publishing;
    const everyAck = () => [...acknowledged].every((id) => consumed.includes(id));
    await waitUntil(everyAck, 60_000, () => `the subscriber to get every acknowledged event; it has ${new Set(consumed).size}`);
    await bus.stop();

    const records = await readRecords(type, acknowledged.size, 60_000, [broker.address]);
    // Give a duplicate, if any, the chance to show up beyond the count awaited.
    const more = await readRecords(type, acknowledged.size + 1, 3_000, [broker.address]).catch(() => records);
    const ids = more.map((record) => decodeCloudEvent(record).id);
    const found = new Set(ids);
    const lost = [...acknowledged].filter((id) => !found.has(id));
    const duplicates = ids.length - found.size;
    const consumedDuplicates = consumed.length - new Set(consumed).size;
    console.log(
      `[fault: broker restart] published ${EVENTS} by ${PUBLISHERS} publishers; broker stopped after ${stoppedAt} acks and was back ${downMs} ms later; ` +
        `acknowledged ${acknowledged.size}, rejected ${rejected.length}, on the broker ${ids.length} (${found.size} distinct), lost ${lost.length}, duplicates ${duplicates}; ` +
        `the subscriber got ${new Set(consumed).size} distinct (${consumedDuplicates} delivered twice); transport errors reported: ${errors.length}`,
    );
    expect(lost).toEqual([]);
    expect(duplicates).toBe(0);
    expect(acknowledged.size + rejected.length).toBe(EVENTS);
    expect(acknowledged.size).toBeGreaterThan(stoppedAt);
  });
});
