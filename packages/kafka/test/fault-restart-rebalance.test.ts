// Fault: the broker restarts and a consumer group rebalances as it comes back (a third member joins) while
// handlers are in flight. After the rebalance has settled, no key — so no partition, a key lives on one — is
// handled by two members at once; every event is handled; and a graceful stop commits what was handled, so a new
// member of the group afterwards receives nothing. Runs on a broker of its own (@bus/scripts/test-broker).
import { type Bus, createBus } from '@bus/core';
import { describe, expect, it } from 'vitest';
import { type KafkaExtension, kafka } from '../src/index.js';
import { jsonTestCodec } from './support/json-test-codec.js';
import { ownBroker } from './support/own-broker.js';
import { sleep, waitUntil } from './support/wait.js';

const EVENTS = 3_000;
const KEYS = 30;
const HANDLE_MS = 40;

const ownedBroker = ownBroker();

interface Handling {
  readonly member: string;
  readonly key: number;
  readonly n: number;
  readonly start: number;
  end: number;
}

describe('a broker restart during a rebalance, with handlers in flight', () => {
  it('never has two members on one key after the rebalance, handles every event, and commits on a graceful stop', async () => {
    const broker = ownedBroker();
    const type = 'fault.restart-rebalance';
    const group = 'fault-restart-rebalance.group';
    const handlings: Handling[] = [];
    const member = async (name: string): Promise<Bus & KafkaExtension> => {
      const bus = createBus({ source: `urn:bus:${name}` })
        .use(jsonTestCodec())
        .use(
          kafka({
            brokers: [broker.address],
            groupId: 'fault-restart-rebalance',
            ensureTopics: { partitions: 6, replicationFactor: 1 },
            sessionTimeoutMs: 6_000,
            heartbeatIntervalMs: 500,
            retries: 10,
            retryDelayMs: 300,
          }),
        );
      bus.events.on('error', () => undefined); // the restart makes transport errors; the figures below are the check
      bus.subscribe<{ n: number }>(
        type,
        async (event) => {
          const handling: Handling = {
            member: name,
            key: event.data.n % KEYS,
            n: event.data.n,
            start: Date.now(),
            end: Number.POSITIVE_INFINITY,
          };
          handlings.push(handling);
          await sleep(HANDLE_MS);
          handling.end = Date.now();
        },
        { group },
      );
      await bus.start();
      return bus;
    };

    const publisher = createBus({ source: 'urn:bus:fault-restart-rebalance' })
      .use(jsonTestCodec())
      .use(kafka({ brokers: [broker.address], groupId: 'fault-restart-rebalance', ensureTopics: { partitions: 6, replicationFactor: 1 } }));
    await publisher.start();
    await publisher.kafka.ensureTopics([type]);
    const a = await member('a');
    const b = await member('b');
    for (let from = 0; from < EVENTS; from += 100) {
      await publisher.publishBatch(
        Array.from({ length: 100 }, (_, i) => ({ type, data: { n: from + i }, partitionkey: `k${(from + i) % KEYS}` })),
      );
    }
    await publisher.stop();
    await waitUntil(() => handlings.length >= 200, 60_000, 'handlers in flight on both members');

    // The broker goes away with handlers in flight and comes back; a third member joins at once, while the two
    // find their group again: the group rebalances with handlers in flight (a bus refuses to start without a broker).
    await broker.stop();
    await sleep(1_000);
    await broker.start();
    const c = await member('c');
    await waitUntil(() => handlings.some((handling) => handling.member === 'c'), 60_000, 'the third member to get partitions');
    const settledAt = Date.now();

    const distinct = () => new Set(handlings.map((handling) => handling.n)).size;
    await waitUntil(
      () => distinct() >= EVENTS && handlings.every((handling) => handling.end !== Number.POSITIVE_INFINITY),
      120_000,
      () => `every event handled; ${distinct()}`,
    );
    await Promise.all([a.stop(), b.stop(), c.stop()]);

    // After the rebalance settled: no two members handling one key at the same time.
    let overlaps = 0;
    const after = handlings.filter((handling) => handling.start >= settledAt);
    for (const one of after) {
      for (const other of after) {
        if (one.key === other.key && one.member !== other.member && one.start < other.end && other.start < one.end) overlaps++;
      }
    }
    const duplicates = handlings.length - distinct();

    // A graceful stop committed what was handled: a new member of the group gets nothing.
    const late: number[] = [];
    const d = createBus({ source: 'urn:bus:d' })
      .use(jsonTestCodec())
      .use(kafka({ brokers: [broker.address], groupId: 'fault-restart-rebalance', ensureTopics: false }));
    d.subscribe<{ n: number }>(type, (event) => void late.push(event.data.n), { group });
    await d.start();
    await sleep(4_000);
    await d.stop();

    const byMember = (name: string) => handlings.filter((handling) => handling.member === name).length;
    console.log(
      `[fault: restart during rebalance] ${EVENTS} events, ${KEYS} keys, 6 partitions; handled ${handlings.length} (a ${byMember('a')}, b ${byMember('b')}, c ${byMember('c')}), ` +
        `distinct ${distinct()}, duplicates ${duplicates}; after the rebalance ${after.length} handlings, two members on one key at once ${overlaps / 2}; ` +
        `a new member after the graceful stop got ${late.length}`,
    );
    expect(distinct()).toBe(EVENTS);
    expect(after.length).toBeGreaterThan(0);
    expect(overlaps).toBe(0);
    expect(late).toEqual([]);
  }, 300_000);
});
