// Fault: two buses share a consumer group (two instances of one service).
// They split the topic's partitions; when one stops while events keep
// coming, the other takes its partitions over from the last commit. Nothing
// is lost; whatever the leaving one had not committed comes again, counted.
import { type Bus, createBus, type PublishReceipt } from '@bus/core';
import { afterAll, describe, expect, it } from 'vitest';
import { kafka } from '../src/index.js';
import { jsonTestCodec } from './support/json-test-codec.js';
import { deleteByPrefix, testBrokers, uniquePrefix } from './support/kafka-env.js';
import { sleep, waitUntil } from './support/wait.js';

const brokers = testBrokers();
const prefix = uniquePrefix('takeover');
const EVENTS = 400;
const buses: Bus[] = [];

afterAll(async () => {
  await Promise.all(buses.map((bus) => bus.stop()));
  await deleteByPrefix(prefix);
}, 60_000);

function instance(source: string) {
  const bus = createBus({ source })
    .use(jsonTestCodec())
    .use(
      kafka({
        brokers,
        groupId: prefix,
        ensureTopics: { partitions: 4, replicationFactor: 1 },
        sessionTimeoutMs: 6_000,
        heartbeatIntervalMs: 250,
      }),
    );
  buses.push(bus);
  return bus;
}

describe('two buses in one consumer group', () => {
  it('share the partitions, and when one stops the other takes over without losing an event', async () => {
    const type = `${prefix}.invoices`;
    const group = `${prefix}.group.billing`;
    const publisher = instance('urn:bus:publisher');
    await publisher.start();
    await publisher.kafka.ensureTopics([type]);

    const byA: string[] = [];
    const byB: string[] = [];
    const a = instance('urn:bus:billing-a');
    const b = instance('urn:bus:billing-b');
    const slowly = (seen: string[]) => async (event: { id: string }) => {
      await sleep(2);
      seen.push(event.id);
    };
    a.subscribe(type, slowly(byA), { group });
    b.subscribe(type, slowly(byB), { group });
    await Promise.all([a.start(), b.start()]);
    await Promise.all([a.kafka.settled(), b.kafka.settled()]);
    const partitionsOfA = a.kafka.stats()[0]?.partitions ?? [];
    const partitionsOfB = b.kafka.stats()[0]?.partitions ?? [];
    expect(partitionsOfA.length).toBeGreaterThan(0);
    expect(partitionsOfB.length).toBeGreaterThan(0);
    expect([...partitionsOfA, ...partitionsOfB].sort()).toEqual([0, 1, 2, 3]);

    const receipts: PublishReceipt[] = [];
    const publishing = (async () => {
      for (let n = 0; n < EVENTS; n++) {
        receipts.push(await publisher.publish(type, { n }, { key: `customer-${n % 40}` }));
        if (n % 10 === 0) await sleep(5);
      }
    })();
    await waitUntil(
      () => byB.length >= 40,
      30_000,
      () => `B to handle some events; got ${byB.length}`,
    );
    const handledByBBeforeStop = byB.length;
    await b.stop();
    await publishing;

    const all = () => new Set([...byA, ...byB]);
    await waitUntil(
      () => all().size >= EVENTS,
      60_000,
      () => `all ${EVENTS} events handled; got ${all().size}`,
    );
    await a.kafka.settled();
    expect(a.kafka.stats()[0]?.partitions).toEqual([0, 1, 2, 3]);

    const lost = receipts.filter((receipt) => !all().has(receipt.id));
    const duplicates = byA.length + byB.length - all().size;
    console.log(
      `[fault: group takeover] published ${EVENTS}; A held partitions ${partitionsOfA}, B held ${partitionsOfB}; ` +
        `B handled ${handledByBBeforeStop} before stopping (${byB.length} in all), A handled ${byA.length}; distinct ${all().size}, lost ${lost.length}, duplicates ${duplicates}`,
    );
    expect(lost).toEqual([]);
    expect(all().size).toBe(EVENTS);
  });

  it('lose nothing when a second member joins while the first is consuming (a rebalance mid-stream)', async () => {
    const type = `${prefix}.payments`;
    const group = `${prefix}.group.payments`;
    const publisher = instance('urn:bus:publisher-2');
    await publisher.start();
    await publisher.kafka.ensureTopics([type]);

    const byA: string[] = [];
    const byB: string[] = [];
    const a = instance('urn:bus:payments-a');
    a.subscribe(
      type,
      async (event) => {
        await sleep(2);
        byA.push(event.id);
      },
      { group },
    );
    await a.start();
    const errors: string[] = [];
    a.events.on('error', (error) => void errors.push(error.message));

    const receipts: PublishReceipt[] = [];
    const publishing = (async () => {
      for (let n = 0; n < EVENTS; n++) {
        receipts.push(await publisher.publish(type, { n }, { key: `customer-${n % 40}` }));
        if (n % 10 === 0) await sleep(5);
      }
    })();
    await waitUntil(
      () => byA.length >= 50,
      30_000,
      () => `A to handle some events; got ${byA.length}`,
    );
    const b = instance('urn:bus:payments-b');
    b.subscribe(
      type,
      async (event) => {
        await sleep(2);
        byB.push(event.id);
      },
      { group },
    );
    await b.start();
    await publishing;

    const all = () => new Set([...byA, ...byB]);
    await waitUntil(
      () => all().size >= EVENTS,
      60_000,
      () => `all ${EVENTS} events handled; got ${all().size}`,
    );
    const lost = receipts.filter((receipt) => !all().has(receipt.id));
    const duplicates = byA.length + byB.length - all().size;
    console.log(
      `[fault: member joins mid-stream] published ${EVENTS}; A handled ${byA.length}, B handled ${byB.length}; distinct ${all().size}, lost ${lost.length}, duplicates ${duplicates}; A's transport errors: ${errors.length}`,
    );
    expect(lost).toEqual([]);
    expect(byB.length, 'the new member got a share').toBeGreaterThan(0);
  });
});
