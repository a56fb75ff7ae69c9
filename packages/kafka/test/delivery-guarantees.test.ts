// At-least-once delivery as the Kafka transport promises it: offsets are
// committed only after the handler finished, an unfinished record comes back
// to the group after a restart, fetching pauses past maxInFlight, and what
// cannot be sent is a typed error.
import { type Bus, createBus, type EventEnvelope } from '@bus/core';
import { Admin } from '@platformatic/kafka';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type KafkaOptions, kafka } from '../src/index.js';
import { jsonTestCodec } from './support/json-test-codec.js';
import { deleteByPrefix, testBrokers, uniquePrefix } from './support/kafka-env.js';
import { sleep, waitUntil } from './support/wait.js';

const brokers = testBrokers();
const prefix = uniquePrefix('guarantees');
const buses: Bus[] = [];

afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.stop({ timeoutMs: 2_000 })));
});
afterAll(() => deleteByPrefix(prefix), 60_000);

type Numbered = { n: number };

async function startedBus(options: Partial<KafkaOptions> = {}, codec = true) {
  let bus = createBus({ source: 'urn:bus:guarantees' });
  if (codec) bus = bus.use(jsonTestCodec());
  const withKafka = bus.use(kafka({ brokers, groupId: prefix, ensureTopics: { partitions: 1, replicationFactor: 1 }, ...options }));
  buses.push(withKafka);
  await withKafka.start();
  return withKafka;
}

/** The group's committed offset of partition 0 of `topic` (-1 when none). */
async function committedOffset(group: string, topic: string): Promise<bigint> {
  const admin = new Admin({ clientId: 'bus-kafka-test-offsets', bootstrapBrokers: brokers });
  try {
    const [offsets] = await admin.listConsumerGroupOffsets({ groups: [group] });
    return offsets?.topics.find((entry) => entry.name === topic)?.partitions.find((p) => p.partitionIndex === 0)?.committedOffset ?? -1n;
  } finally {
    await admin.close();
  }
}

describe('commits after the handler', () => {
  it('commits a record only once its handler finished, in offset order', async () => {
    const type = `${prefix}.commit-after-handler`;
    const group = `${prefix}.group.commit-after-handler`;
    const bus = await startedBus();
    const gate = Promise.withResolvers<void>();
    const started: number[] = [];
    const handled: number[] = [];
    const handle = bus.subscribe<Numbered>(
      type,
      async (event) => {
        started.push(event.data.n);
        if (event.data.n === 2) await gate.promise;
        handled.push(event.data.n);
      },
      { group },
    );
    await handle.ready;
    for (const n of [1, 2, 3]) await bus.publish(type, { n }, { key: 'one-key' });

    await waitUntil(() => started.includes(2), 20_000, 'the handler of event 2 to start');
    // Record 1 (offset 0) is handled and committed; record 2 (offset 1) is in its handler: the group stays at 1.
    await expectEventually(() => committedOffset(group, type), 1n);
    await sleep(300);
    expect(await committedOffset(group, type)).toBe(1n);
    expect(handled).toEqual([1]);

    gate.resolve();
    await waitUntil(() => handled.length === 3, 20_000, 'events 2 and 3 to be handled');
    expect(handled).toEqual([1, 2, 3]);
    await expectEventually(() => committedOffset(group, type), 3n);
  });

  it('re-delivers an unfinished record to the group after a stop that could not wait for it, and not the finished ones', async () => {
    const type = `${prefix}.restart`;
    const group = `${prefix}.group.restart`;
    const first = await startedBus({ closeTimeoutMs: 300 });
    first.events.on('error', () => undefined); // BUS_STOP_TIMEOUT: expected, the handler never finishes
    const firstSeen: number[] = [];
    const handle = first.subscribe<Numbered>(
      type,
      async (event) => {
        firstSeen.push(event.data.n);
        if (event.data.n === 2) await new Promise(() => undefined); // stuck for good, as a crashed handler would be
      },
      { group },
    );
    await handle.ready;
    for (const n of [1, 2, 3]) await first.publish(type, { n }, { key: 'one-key' });
    await waitUntil(() => firstSeen.includes(2), 20_000, 'the stuck handler to start');
    await first.stop({ timeoutMs: 300 });

    const second = await startedBus();
    const secondSeen: number[] = [];
    const again = second.subscribe<Numbered>(type, (event) => void secondSeen.push(event.data.n), { group });
    await again.ready;
    await waitUntil(
      () => secondSeen.length >= 2,
      20_000,
      () => `events 2 and 3 again; got ${secondSeen}`,
    );
    expect(secondSeen).toEqual([2, 3]);
  });
});

describe('where a new group starts', () => {
  it("with startFrom 'latest' skips what came before the group, and commits its start position at once", async () => {
    const type = `${prefix}.latest`;
    const group = `${prefix}.group.latest`;
    const bus = await startedBus({ startFrom: 'latest' });
    await bus.kafka.ensureTopics([type]);
    await bus.publish(type, { n: 0 });
    const seen: number[] = [];
    const handle = bus.subscribe<Numbered>(type, (event) => void seen.push(event.data.n), { group });
    await handle.ready;
    // Pinned at the end: a member dying before its first commit cannot make the next one skip ahead.
    await expectEventually(() => committedOffset(group, type), 1n);
    await bus.publish(type, { n: 1 });
    await waitUntil(() => seen.length >= 1, 20_000, 'the event published after the group started');
    await sleep(200);
    expect(seen).toEqual([1]);
  });

  it("by default ('earliest') reads what was published before the group first started", async () => {
    const type = `${prefix}.earliest`;
    const bus = await startedBus();
    await bus.publish(type, { n: 0 });
    const seen: number[] = [];
    const handle = bus.subscribe<Numbered>(type, (event) => void seen.push(event.data.n));
    await handle.ready;
    await waitUntil(() => seen.length >= 1, 20_000, 'the event published before the subscription');
    expect(seen).toEqual([0]);
  });
});

describe('backpressure', () => {
  it('pauses fetching once maxInFlight records are unfinished, and delivers everything in order after', async () => {
    const type = `${prefix}.backpressure`;
    const bus = await startedBus({ maxInFlight: 8 });
    const gate = Promise.withResolvers<void>();
    const handled: number[] = [];
    const handle = bus.subscribe<Numbered>(type, async (event) => {
      await gate.promise;
      handled.push(event.data.n);
    });
    await handle.ready;
    await bus.publishBatch(Array.from({ length: 100 }, (_, n) => ({ type, data: { n }, partitionkey: 'one-key' })));

    await waitUntil(() => bus.kafka.stats()[0]?.paused === true, 20_000, 'fetching to pause');
    await sleep(300);
    const [stats] = bus.kafka.stats();
    expect(stats).toMatchObject({ topic: type, paused: true, inFlight: 8, partitions: [0] });

    gate.resolve();
    await waitUntil(
      () => handled.length === 100,
      20_000,
      () => `100 events; got ${handled.length}`,
    );
    expect(handled).toEqual(Array.from({ length: 100 }, (_, n) => n));
    expect(bus.kafka.stats()[0]).toMatchObject({ paused: false, inFlight: 0 });
  });
});

describe('topics', () => {
  it('delivers only the subscription’s own type when several types share a topic', async () => {
    const shared = `${prefix}.shared`;
    const typeA = `${prefix}.shared.a`;
    const typeB = `${prefix}.shared.b`;
    const bus = await startedBus({ topicFor: () => shared });
    const ofA: EventEnvelope[] = [];
    const ofB: EventEnvelope[] = [];
    const handles = [bus.subscribe(typeA, (event) => void ofA.push(event)), bus.subscribe(typeB, (event) => void ofB.push(event))];
    await Promise.all(handles.map((handle) => handle.ready));
    await bus.publish(typeA, { n: 1 });
    await bus.publish(typeB, { n: 2 });
    await bus.publish(typeA, { n: 3 });

    await waitUntil(() => ofA.length >= 2 && ofB.length >= 1, 20_000, 'both subscriptions to get their events');
    await sleep(200);
    expect(ofA.map((event) => event.data)).toEqual([{ n: 1 }, { n: 3 }]);
    expect(ofB.map((event) => event.data)).toEqual([{ n: 2 }]);
    expect(bus.kafka.topicFor(typeA)).toBe(shared);
  });
});

describe('publishing', () => {
  it('rejects data that is not bytes with ENCODE_FAILED telling to add a serialization plugin', async () => {
    const bus = await startedBus({}, false);
    await expect(bus.publish(`${prefix}.no-codec`, { n: 1 })).rejects.toMatchObject({
      code: 'ENCODE_FAILED',
      message: expect.stringMatching(/serialization plugin/),
    });
  });

  it('sends publishBatch as one produce request, keyed per event', async () => {
    const type = `${prefix}.batch`;
    const bus = await startedBus();
    const seen: EventEnvelope[] = [];
    const handle = bus.subscribe(type, (event) => void seen.push(event));
    await handle.ready;
    const receipts = await bus.publishBatch(Array.from({ length: 20 }, (_, n) => ({ type, data: { n }, partitionkey: `k-${n % 3}` })));
    await waitUntil(() => seen.length === 20, 20_000, 'the batch');
    expect(seen.map((event) => event.id)).toEqual(receipts.map((receipt) => receipt.id));
  });
});

async function expectEventually(read: () => Promise<bigint>, expected: bigint, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (last !== expected && Date.now() < deadline) {
    await sleep(100);
    last = await read();
  }
  expect(last).toBe(expected);
}
