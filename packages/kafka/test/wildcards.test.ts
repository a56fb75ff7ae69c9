// Wildcard subscriptions on the real broker: with @bus/topics as the bus's
// router, a pattern reads the existing topics it matches, and a topic that
// appears later is picked up by the refresh (periodic, or at once when this
// bus sends to it) without losing the events of the topics already read.
// Without @bus/topics a '*' is a literal, which is no topic name.
import { type Bus, type BusError, createBus, type EventEnvelope, exactRouter } from '@bus/core';
import { TopicTrie, topics } from '@bus/topics';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type KafkaOptions, kafka } from '../src/index.js';
import { isWildcardPattern, matchingTopics, readableTopics } from '../src/wildcard-topics.js';
import { jsonTestCodec } from './support/json-test-codec.js';
import { deleteByPrefix, testBrokers, uniquePrefix } from './support/kafka-env.js';
import { createTopics } from './support/raw-kafka.js';
import { sleep, waitUntil } from './support/wait.js';

const brokers = testBrokers();
const prefix = uniquePrefix('wildcards');
const buses: Bus[] = [];

afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.stop({ timeoutMs: 2_000 })));
});
afterAll(() => deleteByPrefix(prefix), 60_000);

type Numbered = { n: number };

/** A started bus with the JSON codec, Kafka, and (unless `wildcardRouter` is false) @bus/topics. */
async function startedBus(options: Partial<KafkaOptions> = {}, wildcardRouter = true) {
  let bus = createBus({ source: 'urn:bus:wildcards' }).use(jsonTestCodec());
  if (wildcardRouter) bus = bus.use(topics());
  const withKafka = bus.use(
    kafka({ brokers, groupId: prefix, ensureTopics: { partitions: 1, replicationFactor: 1 }, heartbeatIntervalMs: 250, ...options }),
  );
  buses.push(withKafka);
  await withKafka.start();
  return withKafka;
}

const typesOf = (events: readonly EventEnvelope[]): string[] => events.map((event) => event.type).sort();

describe('which topics a pattern reads', () => {
  it('is a wildcard only for a router that treats * and # as wildcards', () => {
    const trie = <T>() => new TopicTrie<T>();
    expect(isWildcardPattern('orders.*.created', trie)).toBe(true);
    expect(isWildcardPattern('audit.#', trie)).toBe(true);
    expect(isWildcardPattern('#', trie)).toBe(true);
    expect(isWildcardPattern('orders.created', trie)).toBe(false);
    expect(isWildcardPattern('orders.*.created', exactRouter)).toBe(false);
  });

  it('never reads internal or dead-letter topics, and matches topic names as types by default', () => {
    const listed = ['__consumer_offsets', 'audit', 'audit.login.failed', 'audit.login.failed.dlq', 'auditor', 'orders'];
    const readable = readableTopics(listed);
    expect(readable).toEqual(['audit', 'audit.login.failed', 'auditor', 'orders']);
    const router = new TopicTrie<true>();
    router.add('audit.#', true);
    const matches = (type: string) => router.match(type).length > 0;
    expect(matchingTopics(readable, (topic) => topic, matches)).toEqual(['audit', 'audit.login.failed']);
    // typeOfTopic inverts a prefixing topicFor; undefined leaves a topic out.
    const typeOf = (topic: string) => (topic.startsWith('prod.') ? topic.slice(5) : undefined);
    expect(matchingTopics(['prod.audit.login', 'audit.login', 'prod.orders'], typeOf, matches)).toEqual(['prod.audit.login']);
  });
});

describe('wildcard subscriptions', () => {
  it('orders.*.created reads orders.eu.created and orders.us.created, not orders.eu.shipped', async () => {
    const base = `${prefix}.orders`;
    const bus = await startedBus();
    // Topics that exist before the subscription: the first listing finds them.
    await bus.kafka.ensureTopics([`${base}.eu.created`, `${base}.us.created`, `${base}.eu.shipped`]);
    const seen: EventEnvelope[] = [];
    const handle = bus.subscribe(`${base}.*.created`, (event) => void seen.push(event));
    await handle.ready;
    await bus.kafka.settled();
    expect(bus.kafka.stats()[0]).toMatchObject({
      topic: `${base}.*.created`,
      topics: [`${base}.eu.created`, `${base}.us.created`],
      partitions: [],
      assignments: { [`${base}.eu.created`]: [0], [`${base}.us.created`]: [0] },
    });

    await bus.publish(`${base}.eu.created`, { n: 1 });
    await bus.publish(`${base}.eu.shipped`, { n: 2 });
    await bus.publish(`${base}.us.created`, { n: 3 });
    await waitUntil(() => seen.length >= 2, 20_000, 'the two created events');
    await sleep(200);
    expect(typesOf(seen)).toEqual([`${base}.eu.created`, `${base}.us.created`]);
  });

  it('audit.# reads audit and audit.login.failed, created after the subscription by this bus, and not auditor', async () => {
    const base = `${prefix}.audit`;
    // A long refresh period: only the bus's own first send to a topic can make it look again in time.
    const bus = await startedBus({ topicRefreshMs: 60_000 });
    const seen: EventEnvelope<Numbered>[] = [];
    const handle = bus.subscribe<Numbered>(`${base}.#`, (event) => void seen.push(event));
    await handle.ready;
    expect(bus.kafka.stats()[0]?.topics).toEqual([]); // nothing matches yet: it waits, joined to nothing

    await bus.publish(`${base}`, { n: 1 });
    await bus.publish(`${base}.login.failed`, { n: 2 });
    await bus.publish(`${prefix}.auditor`, { n: 3 });
    await waitUntil(
      () => seen.length >= 2,
      20_000,
      () => `audit and audit.login.failed; got ${typesOf(seen)}`,
    );
    await sleep(200);
    expect(typesOf(seen)).toEqual([base, `${base}.login.failed`]);
    expect(bus.kafka.stats()[0]?.topics).toEqual([base, `${base}.login.failed`]);
  });

  it('picks up a topic another service creates after the subscription, from its first event, losing none of the topics it reads', async () => {
    const base = `${prefix}.late`;
    const consumer = await startedBus({ topicRefreshMs: 200 });
    const publisher = await startedBus();
    await consumer.kafka.ensureTopics([`${base}.first`]);
    const seen: EventEnvelope<Numbered>[] = [];
    const handle = consumer.subscribe<Numbered>(`${base}.*`, async (event) => {
      await sleep(10); // a backlog of about 600 ms: the refresh finds the new topic while it is being handled
      seen.push(event);
    });
    await handle.ready;

    await publisher.publishBatch(Array.from({ length: 40 }, (_, n) => ({ type: `${base}.first`, data: { n }, partitionkey: 'one-key' })));
    await publisher.publish(`${base}.second`, { n: 1000 }); // creates the topic: the consumer only finds it by its refresh
    await publisher.publishBatch(
      Array.from({ length: 20 }, (_, n) => ({ type: `${base}.first`, data: { n: 40 + n }, partitionkey: 'one-key' })),
    );

    const ofFirst = () => seen.filter((event) => event.type === `${base}.first`).map((event) => event.data.n);
    await waitUntil(
      () => seen.some((event) => event.type === `${base}.second`) && ofFirst().length >= 60,
      20_000,
      () => `the new topic's event and 60 of the first; got ${seen.length}`,
    );
    await sleep(200);
    expect(ofFirst(), 'the topic already read: every event once, in key order').toEqual(Array.from({ length: 60 }, (_, n) => n));
    const second = seen.findIndex((event) => event.type === `${base}.second`);
    expect(second, 'the new topic was read while the backlog of the first was handled').toBeLessThan(seen.length - 1);
    expect(consumer.kafka.stats()[0]?.topics).toEqual([`${base}.first`, `${base}.second`]);
  });

  it("with startFrom 'latest', skips what the topics it starts with held, but reads a topic found later from its beginning", async () => {
    const base = `${prefix}.latest`;
    const consumer = await startedBus({ topicRefreshMs: 60_000, startFrom: 'latest' });
    const publisher = await startedBus();
    await publisher.publish(`${base}.old`, { n: 0 }); // before the subscription: skipped
    const seen: EventEnvelope<Numbered>[] = [];
    const handle = consumer.subscribe<Numbered>(`${base}.*`, (event) => void seen.push(event));
    await handle.ready;
    await consumer.kafka.settled();

    await publisher.publish(`${base}.new`, { n: 1 }); // a new topic, before this consumer looks again
    await publisher.publish(`${base}.old`, { n: 2 });
    await consumer.kafka.refreshTopics();
    await consumer.kafka.settled();
    await waitUntil(() => seen.length >= 2, 20_000, 'the events published after the subscription');
    await sleep(200);
    expect(seen.map((event) => event.data.n).sort()).toEqual([1, 2]);
  });

  it('shares the matching topics between the members of a group, each partition held once', async () => {
    const base = `${prefix}.shared`;
    const group = `${prefix}.group.shared`;
    await createTopics([`${base}.a`, `${base}.b`], 2);
    const [one, two] = [await startedBus(), await startedBus()];
    const byOne: EventEnvelope[] = [];
    const byTwo: EventEnvelope[] = [];
    const handles = [
      one.subscribe(`${base}.*`, (event) => void byOne.push(event), { group }),
      two.subscribe(`${base}.*`, (event) => void byTwo.push(event), { group }),
    ];
    await Promise.all(handles.map((handle) => handle.ready));
    await Promise.all([one.kafka.settled(), two.kafka.settled()]);
    const held = [...one.kafka.stats(), ...two.kafka.stats()].flatMap(({ assignments }) =>
      Object.entries(assignments).flatMap(([topic, partitions]) => partitions.map((partition) => `${topic}:${partition}`)),
    );
    expect(held.sort()).toEqual([`${base}.a:0`, `${base}.a:1`, `${base}.b:0`, `${base}.b:1`]);

    const receipts = await one.publishBatch(Array.from({ length: 20 }, (_, n) => ({ type: `${base}.${n % 2 ? 'a' : 'b'}`, data: { n } })));
    await waitUntil(() => byOne.length + byTwo.length >= 20, 20_000, 'every event, once across the group');
    await sleep(200);
    expect([...byOne, ...byTwo].map((event) => event.id).sort()).toEqual(receipts.map((receipt) => receipt.id).sort());
  });

  it('drops a topic deleted under it, reads nothing when none is left, and reads a new one after', async () => {
    const base = `${prefix}.deleted`;
    const bus = await startedBus({ topicRefreshMs: 300 });
    const errors: BusError[] = [];
    bus.events.on('error', (error) => void errors.push(error));
    await bus.kafka.ensureTopics([`${base}.a`, `${base}.b`]);
    const seen: EventEnvelope[] = [];
    const handle = bus.subscribe(`${base}.*`, (event) => void seen.push(event));
    await handle.ready;
    const topicsRead = () => bus.kafka.stats()[0]?.topics ?? [];

    await bus.kafka.deleteTopics([`${base}.b`]);
    await waitUntil(() => topicsRead().length === 1, 20_000, 'the deleted topic to be dropped');
    await bus.publish(`${base}.a`, { n: 1 });
    await waitUntil(() => seen.length === 1, 20_000, 'the event of the topic left');

    await bus.kafka.deleteTopics([`${base}.a`]);
    await waitUntil(() => topicsRead().length === 0, 20_000, 'the last topic to be dropped');
    await bus.kafka.settled(); // with nothing to read, it left its group
    await bus.publish(`${base}.c`, { n: 2 });
    await waitUntil(() => seen.length === 2, 20_000, 'the event of a topic created after');
    expect(topicsRead()).toEqual([`${base}.c`]);
    expect(errors).toEqual([]);
  });

  it('reads the one topic topicFor maps the pattern itself to, filtered by type, as types sharing a topic do', async () => {
    const shared = `${prefix}.one-topic`;
    const bus = await startedBus({ topicFor: () => shared });
    const seen: EventEnvelope[] = [];
    const handle = bus.subscribe(`${prefix}.x.*`, (event) => void seen.push(event));
    await handle.ready;
    expect(bus.kafka.stats()[0]).toMatchObject({ topic: shared, topics: [shared], partitions: [0] });
    for (const type of ['x.a', 'y.a', 'x.b']) await bus.publish(`${prefix}.${type}`, { type });
    await waitUntil(() => seen.length >= 2, 20_000, 'the two x events');
    await sleep(200);
    expect(typesOf(seen)).toEqual([`${prefix}.x.a`, `${prefix}.x.b`]);
  });

  it('without @bus/topics takes * literally, which is no topic: INVALID_SUBSCRIPTION suggesting @bus/topics', async () => {
    const bus = await startedBus({}, false);
    bus.events.on('error', () => undefined);
    const handle = bus.subscribe(`${prefix}.orders.*`, () => undefined);
    await expect(handle.ready).rejects.toMatchObject({
      code: 'INVALID_SUBSCRIPTION',
      message: expect.stringMatching(/matches types exactly.*@bus\/topics/),
    });
  });
});
