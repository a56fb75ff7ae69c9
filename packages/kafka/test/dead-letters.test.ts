// Dead letters: a record that cannot be decoded, or whose deliveries are
// exhausted, goes to the dead-letter topic with the failure in its headers,
// is reported on bus.events, and the subscription carries on with the next.
import { type BusError, createBus, type DeadLetteredEvent, definePlugin, type EventEnvelope } from '@bus/core';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { DEAD_LETTER_HEADERS, type KafkaOptions, kafka } from '../src/index.js';
import { jsonTestCodec } from './support/json-test-codec.js';
import { deleteByPrefix, testBrokers, uniquePrefix } from './support/kafka-env.js';
import { headersOf, produceRaw, readRecords } from './support/raw-kafka.js';
import { waitUntil } from './support/wait.js';

const brokers = testBrokers();
const prefix = uniquePrefix('dead-letters');
const stops: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});
afterAll(() => deleteByPrefix(prefix), 60_000);

type Numbered = { n: number };

async function startedBus(options: Partial<KafkaOptions> = {}) {
  const bus = createBus({ source: 'urn:bus:dead-letters' })
    .use(jsonTestCodec())
    .use(kafka({ brokers, groupId: prefix, ensureTopics: { partitions: 1, replicationFactor: 1 }, redeliveryDelayMs: 10, ...options }));
  stops.push(() => bus.stop());
  const failures: BusError[] = [];
  const errors: BusError[] = [];
  const deadLettered: DeadLetteredEvent[] = [];
  const dropped: EventEnvelope[] = [];
  bus.events.on('failed', (error) => void failures.push(error));
  bus.events.on('error', (error) => void errors.push(error));
  bus.events.on('deadLettered', (entry) => void deadLettered.push(entry));
  bus.events.on('dropped', (entry) => void dropped.push(entry.event));
  await bus.start();
  return { bus, failures, errors, deadLettered, dropped };
}

describe('dead letters', () => {
  it('sends a record whose deliveries are exhausted to <topic>.dlq with the failure in its headers, and carries on', async () => {
    const type = `${prefix}.exhausted`;
    const { bus, failures, deadLettered } = await startedBus({ maxDeliveries: 3 });
    const handled: number[] = [];
    const handle = bus.subscribe<Numbered>(type, (event) => {
      if (event.data.n === 2) throw new Error('event 2 is poison');
      handled.push(event.data.n);
    });
    await handle.ready;
    const receipts = [];
    for (const n of [1, 2, 3]) receipts.push(await bus.publish(type, { n }, { key: 'one-key' }));

    await waitUntil(() => handled.length === 2 && deadLettered.length === 1, 20_000, 'events 1 and 3 handled and 2 dead-lettered');
    expect(handled).toEqual([1, 3]);
    expect(failures.map((failure) => failure.eventId)).toEqual([receipts[1]?.id, receipts[1]?.id, receipts[1]?.id]);
    expect(deadLettered[0]).toMatchObject({ attempts: 3, event: { id: receipts[1]?.id }, error: { code: 'HANDLER_FAILED' } });

    const [record] = await readRecords(`${type}.dlq`, 1);
    if (record === undefined) throw new Error('no dead letter');
    expect(headersOf(record)).toMatchObject({
      ce_id: receipts[1]?.id,
      ce_type: type,
      [DEAD_LETTER_HEADERS.errorCode]: 'HANDLER_FAILED',
      [DEAD_LETTER_HEADERS.errorMessage]: 'event 2 is poison',
      [DEAD_LETTER_HEADERS.topic]: type,
      [DEAD_LETTER_HEADERS.partition]: '0',
      [DEAD_LETTER_HEADERS.offset]: '1',
      [DEAD_LETTER_HEADERS.attempts]: '3',
      [DEAD_LETTER_HEADERS.group]: `${prefix}.${type}`,
    });
    expect(record.key?.toString()).toBe('one-key');
    expect(JSON.parse(record.value.toString())).toEqual({ n: 2 });
  });

  it('sends a record that is no CloudEvent to the dead-letter topic at once, reports DECODE_FAILED, and carries on', async () => {
    const type = `${prefix}.undecodable`;
    const { bus, errors } = await startedBus({ deadLetterTopic: (topic) => `${topic}.poison` });
    const seen: EventEnvelope[] = [];
    const handle = bus.subscribe(type, (event) => void seen.push(event));
    await handle.ready;
    await produceRaw([
      {
        topic: type,
        key: Buffer.from('k'),
        value: Buffer.from('not a cloudevent'),
        headers: new Map([[Buffer.from('origin'), Buffer.from('legacy')]]),
      },
    ]);
    const after = await bus.publish(type, { n: 1 }, { key: 'k' });

    await waitUntil(() => seen.length === 1, 20_000, 'the valid event after the bad record');
    expect(seen[0]?.id).toBe(after.id);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      code: 'DECODE_FAILED',
      details: { topic: type, partition: 0, offset: '0', deadLetterTopic: `${type}.poison` },
    });

    const [record] = await readRecords(`${type}.poison`, 1);
    if (record === undefined) throw new Error('no dead letter');
    expect(record.value.toString()).toBe('not a cloudevent');
    expect(headersOf(record)).toMatchObject({
      origin: 'legacy',
      [DEAD_LETTER_HEADERS.errorCode]: 'DECODE_FAILED',
      [DEAD_LETTER_HEADERS.attempts]: '0',
    });
  });

  it('with dead letters off, reports an exhausted record as dropped and moves past it', async () => {
    const type = `${prefix}.dropped`;
    const { bus, dropped } = await startedBus({ deadLetterTopic: false, maxDeliveries: 1 });
    const handled: number[] = [];
    const handle = bus.subscribe<Numbered>(type, (event) => {
      if (event.data.n === 1) throw new Error('fails');
      handled.push(event.data.n);
    });
    await handle.ready;
    const failing = await bus.publish(type, { n: 1 }, { key: 'k' });
    await bus.publish(type, { n: 2 }, { key: 'k' });
    await waitUntil(() => handled.length === 1 && dropped.length === 1, 20_000, 'event 2 handled and event 1 dropped');
    expect(dropped[0]?.id).toBe(failing.id);
  });

  it('logs a skipped record and a transport error when plugins only observe them (kernel.observe), until the application listens', async () => {
    const type = `${prefix}.observed`;
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const observed: string[] = [];
    const bus = createBus({ source: 'urn:bus:dead-letters', logger })
      .use(
        definePlugin({
          name: 'counter',
          setup(kernel) {
            kernel.observe('dropped', ({ error }) => void observed.push(`dropped:${error.code}`));
            kernel.observe('error', (error) => void observed.push(`error:${error.code}`));
          },
        }),
      )
      .use(jsonTestCodec())
      .use(
        kafka({
          brokers,
          groupId: prefix,
          ensureTopics: { partitions: 1, replicationFactor: 1 },
          deadLetterTopic: false,
          maxDeliveries: 1,
        }),
      );
    stops.push(() => bus.stop());
    await bus.start();
    const handled: number[] = [];
    const handle = bus.subscribe<Numbered>(type, (event) => {
      if (event.data.n === 1) throw new Error('fails');
      handled.push(event.data.n);
    });
    await handle.ready;
    await produceRaw([{ topic: type, key: Buffer.from('k'), value: Buffer.from('not a cloudevent'), headers: new Map() }]);
    const failing = await bus.publish(type, { n: 1 }, { key: 'k' });
    await bus.publish(type, { n: 2 }, { key: 'k' });
    await waitUntil(() => handled.length === 1, 20_000, 'event 2 handled after the bad record and the dropped event 1');

    expect(observed).toEqual(['error:DECODE_FAILED', 'dropped:HANDLER_FAILED']);
    expect(logger.error).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'DECODE_FAILED' }),
      expect.stringContaining('Skipped record'),
    );
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'HANDLER_FAILED', eventId: failing.id }),
      expect.stringContaining(`dropped event ${failing.id}`),
    );
  });
});
