// Fault: the partition leader is killed (SIGKILL) five times while 100,000 events are produced with acks=all and
// the idempotent producer, on a 3-node KRaft cluster of its own (replication factor 3, min.insync.replicas 2;
// @bus/scripts/test-broker's TestCluster). Each killed node comes back before the next kill. Every publish the
// transport acknowledged must be in the topic afterwards (acknowledged − consumed = ∅); duplicates are counted and
// printed (the idempotent producer should write none). The figures are printed.
import { createBus } from '@bus/core';
import { TestCluster } from '@bus/scripts/test-broker';
import { Admin, Consumer } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafka } from '../src/index.js';
import { jsonTestCodec } from './support/json-test-codec.js';
import { headersOf, readRecords } from './support/raw-kafka.js';
import { sleep, waitUntil } from './support/wait.js';

const EVENTS = 100_000;
const KILLS = 5;
const IN_FLIGHT = 1_000;

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await TestCluster.create(3);
  await cluster.start();
}, 180_000);
afterAll(() => cluster?.destroy(), 120_000);

/** The node that leads `partition` of `topic` now, asked of any node that is up. */
async function leaderOf(topic: string, partition: number): Promise<number> {
  const up = cluster.nodes.filter((node) => node.running).map((node) => node.address);
  const admin = new Admin({ clientId: 'fault-leader-probe', bootstrapBrokers: up, retries: 2 });
  try {
    const metadata = await admin.metadata({ topics: [topic] });
    const leader = metadata.topics.get(topic)?.partitions[partition]?.leader;
    if (leader === undefined || leader < 0) throw new Error(`no leader for ${topic}/${partition}`);
    return leader;
  } finally {
    await admin.close().catch(() => undefined);
  }
}

/** How many records the topic holds: the sum of its partitions' end offsets. */
async function recordCount(topic: string): Promise<number> {
  const consumer = new Consumer({ clientId: 'fault-leader-count', groupId: `${topic}.count`, bootstrapBrokers: cluster.brokers });
  try {
    const offsets = await consumer.listOffsets({ topics: [topic] });
    return (offsets.get(topic) ?? []).reduce((sum, end) => sum + Number(end), 0);
  } finally {
    await consumer.close(true);
  }
}

describe('partition leader killed during a produce', () => {
  it(`loses no acknowledged event of ${EVENTS} through ${KILLS} SIGKILLs of the leader`, async () => {
    const type = 'fault.leader-kill';
    const bus = createBus({ source: 'urn:bus:fault-leader-kill' })
      .use(jsonTestCodec())
      .use(
        kafka({
          brokers: cluster.brokers,
          groupId: 'fault-leader-kill',
          ensureTopics: { partitions: 3, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } },
          retries: 20,
          retryDelayMs: 250,
        }),
      );
    const errors: string[] = [];
    bus.events.on('error', (error) => void errors.push(`${error.code}: ${error.message}`));
    await bus.start();
    await bus.kafka.ensureTopics([type]);

    const acknowledged = new Set<string>();
    let rejected = 0;
    let next = 0;
    const started = Date.now();
    const produce = async () => {
      while (next < EVENTS) {
        const n = next++;
        try {
          const receipt = await bus.publish(type, { n }, { key: `k${n % 64}` });
          acknowledged.add(receipt.id);
        } catch {
          rejected++;
        }
      }
    };
    const producing = Promise.all(Array.from({ length: IN_FLIGHT }, produce));

    const kills: string[] = [];
    for (let kill = 1; kill <= KILLS; kill++) {
      await waitUntil(
        () => acknowledged.size + rejected >= (kill * EVENTS) / (KILLS + 1) || next >= EVENTS,
        300_000,
        'the produce to progress',
      );
      if (next >= EVENTS) break;
      const leader = await leaderOf(type, kill % 3);
      const node = cluster.nodes[leader - 1];
      if (node === undefined) throw new Error(`no node ${leader}`);
      await node.kill();
      kills.push(`node ${leader} at ${acknowledged.size} acknowledged`);
      await sleep(3_000);
      await node.start();
    }
    await producing;
    const produceMs = Date.now() - started;
    await bus.stop();

    const total = await recordCount(type);
    const records = await readRecords(type, total, 180_000, cluster.brokers);
    const copies = new Map<string, number>();
    for (const record of records) {
      const id = headersOf(record).ce_id as string;
      copies.set(id, (copies.get(id) ?? 0) + 1);
    }
    const lost = [...acknowledged].filter((id) => !copies.has(id));
    const duplicates = [...copies.values()].reduce((sum, count) => sum + count - 1, 0);
    console.log(
      `[fault leader-kill] ${EVENTS} events in ${produceMs} ms, ${kills.length} SIGKILLs of the leader (${kills.join('; ')}), ` +
        `acknowledged ${acknowledged.size}, rejected ${rejected}, records in the topic ${total}, lost ${lost.length}, duplicates ${duplicates}, ` +
        `transport errors ${errors.length}`,
    );
    expect(kills).toHaveLength(KILLS);
    expect(acknowledged.size + rejected).toBe(EVENTS);
    expect(lost).toEqual([]);
    // Unacknowledged publishes may or may not have landed; every record is one of the produced events.
    expect(copies.size).toBeLessThanOrEqual(EVENTS);
  }, 900_000);
});
