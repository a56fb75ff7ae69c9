// Fault: the broker is away for 10 s — long enough for the consumer's group session to expire
// and the client to give up its own reconnects — while a publisher keeps publishing at a steady
// rate. After the restart, a subscriber that lived through the outage must resume by itself and
// end up with every event the transport acknowledged (issue 18: it used to stay silent for ever).
// Runs on a broker of its own (@bus/scripts/test-broker): the shared one is never stopped.
import { createBus } from '@bus/core';
import { describe, expect, it } from 'vitest';
import { kafka } from '../src/index.js';
import { jsonTestCodec } from './support/json-test-codec.js';
import { ownBroker } from './support/own-broker.js';
import { sleep, waitUntil } from './support/wait.js';

const OUTAGE_MS = 10_000;
/** How long the publisher goes on after the restart. */
const AFTER_MS = 5_000;
/** A pause between publishes: a steady trickle, about 100 events a second. */
const PACE_MS = 10;

const ownedBroker = ownBroker();

describe('a subscriber through a 10 s broker outage', () => {
  it('resumes by itself after the restart and consumes every acknowledged event', async () => {
    const broker = ownedBroker();
    const type = 'fault.broker-outage';
    const bus = createBus({ source: 'urn:bus:fault-outage' })
      .use(jsonTestCodec())
      // Publishes give up quickly during the outage (they are counted as rejected, not acknowledged).
      .use(
        kafka({
          brokers: [broker.address],
          groupId: 'fault-outage',
          ensureTopics: { partitions: 3, replicationFactor: 1 },
          retries: 2,
          retryDelayMs: 200,
        }),
      );
    const errors: string[] = [];
    bus.events.on('error', (error) => void errors.push(`${error.code}: ${error.message}`));
    const consumed = new Map<string, number>();
    let restartedAt = Number.POSITIVE_INFINITY;
    let resumedAt: number | undefined;
    bus.subscribe(
      type,
      (event) => {
        if (resumedAt === undefined && Date.now() >= restartedAt) resumedAt = Date.now();
        consumed.set(event.id, (consumed.get(event.id) ?? 0) + 1);
      },
      { group: 'fault-outage.consumers' },
    );
    await bus.start();
    await bus.kafka.ensureTopics([type]);
    await bus.kafka.settled();

    const acknowledged = new Set<string>();
    let rejected = 0;
    let publishing = true;
    const publisher = (async () => {
      for (let n = 0; publishing; n++) {
        try {
          acknowledged.add((await bus.publish(type, { n }, { key: `key-${n % 11}` })).id);
        } catch {
          rejected++;
        }
        await sleep(PACE_MS);
      }
    })();

    await waitUntil(
      () => consumed.size >= 200,
      60_000,
      () => `200 events consumed before the outage; got ${consumed.size}`,
    );
    const beforeOutage = acknowledged.size;
    await broker.stop();
    await sleep(OUTAGE_MS);
    await broker.start();
    restartedAt = Date.now();
    await sleep(AFTER_MS);
    publishing = false;
    await publisher;
    const afterRestart = acknowledged.size;

    const missing = () => [...acknowledged].filter((id) => !consumed.has(id)).length;
    await waitUntil(
      () => missing() === 0,
      90_000,
      () => `every acknowledged event consumed; ${missing()} of ${acknowledged.size} missing`,
    ).catch((error: unknown) => error);
    const lost = missing();
    const duplicates = [...consumed.values()].reduce((sum, copies) => sum + copies - 1, 0);
    const resumeSeconds = resumedAt === undefined ? 'never' : ((resumedAt - restartedAt) / 1000).toFixed(1);
    console.log(
      `[fault: broker outage] broker stopped ${OUTAGE_MS / 1000} s; acknowledged ${acknowledged.size} ` +
        `(${beforeOutage} before the stop, ${afterRestart - beforeOutage} during and after it), rejected ${rejected}; ` +
        `consumed ${consumed.size} distinct, lost ${lost}, duplicates ${duplicates}; resumed ${resumeSeconds} s after the restart; ` +
        `transport errors reported ${errors.length}`,
    );
    if (lost > 0) console.log(`[fault: broker outage] transport errors: ${[...new Set(errors)].join('\n')}`);
    await bus.stop();
    expect(afterRestart).toBeGreaterThan(beforeOutage);
    expect(lost).toBe(0);
    expect(resumedAt).toBeDefined();
  }, 240_000);
});
