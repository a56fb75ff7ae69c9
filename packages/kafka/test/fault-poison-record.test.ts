// Fault: one record of bad bytes among 10,000 on one partition. With @bus/resilience it is dead-lettered once,
// with its bytes, and the partition keeps flowing: the 9,999 events after and before it are handled once each,
// in order. The figures are printed.
import { createBus } from '@bus/core';
import { resilience } from '@bus/resilience';
import { afterAll, describe, expect, it } from 'vitest';
import { kafka } from '../src/index.js';
import { jsonTestCodec } from './support/json-test-codec.js';
import { deleteByPrefix, testBrokers, uniquePrefix } from './support/kafka-env.js';
import { produceRaw } from './support/raw-kafka.js';
import { waitUntil } from './support/wait.js';

const brokers = testBrokers();
const prefix = uniquePrefix('poison-record');
afterAll(() => deleteByPrefix(prefix), 60_000);

const EVENTS = 10_000;

describe('a poison record among many on one partition', () => {
  it(`dead-letters the one bad record of ${EVENTS} once and handles the others once each, in order`, async () => {
    const type = `${prefix}.orders`;
    const bus = createBus({ source: 'urn:bus:fault-poison' })
      .use(jsonTestCodec())
      .use(kafka({ brokers, groupId: prefix, ensureTopics: { partitions: 1, replicationFactor: 1 } }))
      .use(resilience({ retry: { maxAttempts: 3, initialDelayMs: 1 } }));
    let deadLettered = 0;
    bus.events.on('deadLettered', () => void deadLettered++);
    const handled: number[] = [];
    await bus.start();
    await bus.subscribe<{ n: number }>(type, (event) => void handled.push(event.data.n)).ready;

    const started = Date.now();
    const half = EVENTS / 2;
    // 5,000 events in one publishBatch: over 1 MB, sent as several produce requests (the broker's max.message.bytes).
    const publishRange = (from: number, to: number) =>
      bus.publishBatch(Array.from({ length: to - from }, (_, i) => ({ type, data: { n: from + i }, partitionkey: 'one' })));
    await publishRange(0, half);
    await produceRaw(
      [{ topic: type, key: Buffer.from('one'), value: Buffer.from('\u0000\u00ffnot an event'), headers: new Map() }],
      brokers,
    );
    await publishRange(half, EVENTS - 1);

    await waitUntil(
      () => handled.length >= EVENTS - 1 && deadLettered >= 1,
      120_000,
      () => `${handled.length} handled, ${deadLettered} dead-lettered`,
    );
    const ms = Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // a late duplicate would show
    const letters = await bus.deadLetters.list({ code: 'DECODE_FAILED' });
    const inOrder = handled.every((n, i) => i === 0 || n > (handled[i - 1] as number));
    console.log(
      `[fault poison-record] ${EVENTS} records on one partition, 1 of bad bytes at offset ${half}: handled ${handled.length} (distinct ${new Set(handled).size}, in order ${inOrder}), dead-lettered ${deadLettered} (${letters[0]?.raw?.position}), ${ms} ms`,
    );
    expect(handled).toHaveLength(EVENTS - 1);
    expect(inOrder).toBe(true);
    expect(deadLettered).toBe(1);
    expect(letters).toHaveLength(1);
    expect(letters[0]?.raw?.position).toBe(`${type}/0@${half}`);
    await bus.stop();
  }, 180_000);
});
