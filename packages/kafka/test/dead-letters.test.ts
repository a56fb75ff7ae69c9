// Failures on Kafka: the transport only redelivers (until the record is handled) and hands over the records it
// cannot decode; the retry budget and the dead letters are @bus/resilience's, in the same record as on the
// in-memory transport. With resilience, a poison event and an undecodable record both end in `<type>.dlq` (the
// sink resilience picks on a durable transport) as DeadLetterMessages; without it, a failed record is redelivered
// until it succeeds and an undecodable one is reported and skipped.
import {
  type Bus,
  type BusError,
  createBus,
  type DeadLetteredEvent,
  definePlugin,
  type EventEnvelope,
  memoryTransport,
  type Plugin,
} from '@bus/core';
import { type DeadLetter, type DeadLetterMessage, memoryDeadLetterSink, resilience } from '@bus/resilience';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { type KafkaOptions, kafka } from '../src/index.js';
import { jsonTestCodec } from './support/json-test-codec.js';
import { deleteByPrefix, testBrokers, uniquePrefix } from './support/kafka-env.js';
import { produceRaw } from './support/raw-kafka.js';
import { waitUntil } from './support/wait.js';

const brokers = testBrokers();
const prefix = uniquePrefix('dead-letters');
const stops: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});
afterAll(() => deleteByPrefix(prefix), 60_000);

type Numbered = { n: number };
const FAST_RETRIES = { retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 5 } } as const;

function kafkaPlugin(options: Partial<KafkaOptions> = {}): Plugin {
  return kafka({ brokers, groupId: prefix, ensureTopics: { partitions: 1, replicationFactor: 1 }, redeliveryDelayMs: 10, ...options });
}

/** Starts `bus`, recording its failures, errors and dead letters. */
async function started<B extends Bus>(bus: B) {
  stops.push(() => bus.stop());
  const failures: BusError[] = [];
  const errors: BusError[] = [];
  const deadLettered: DeadLetteredEvent[] = [];
  bus.events.on('failed', (error) => void failures.push(error));
  bus.events.on('error', (error) => void errors.push(error));
  bus.events.on('deadLettered', (entry) => void deadLettered.push(entry));
  await bus.start();
  return { bus, failures, errors, deadLettered };
}
const plainBus = () => started(createBus({ source: 'urn:bus:dead-letters' }).use(jsonTestCodec()).use(kafkaPlugin()));
const resilientBus = () =>
  started(createBus({ source: 'urn:bus:dead-letters' }).use(jsonTestCodec()).use(kafkaPlugin()).use(resilience(FAST_RETRIES)));

describe('dead letters on Kafka', () => {
  it('refuses the options of the old Kafka-only retry loop, pointing to resilience', () => {
    for (const removed of [{ maxDeliveries: 3 }, { deadLetterTopic: false }] as const) {
      expect(() => kafka({ brokers, groupId: prefix, ...removed } as unknown as KafkaOptions)).toThrow(
        expect.objectContaining({ code: 'PLUGIN_INVALID', message: expect.stringContaining('resilience(') }),
      );
    }
  });

  it('with resilience: a poison event is tried maxAttempts times, dead-lettered once to <type>.dlq as a DeadLetterMessage, and the partition carries on', async () => {
    const type = `${prefix}.exhausted`;
    const { bus, failures, deadLettered } = await resilientBus();
    const handled: number[] = [];
    const dlq: EventEnvelope<DeadLetterMessage>[] = [];
    await bus.subscribe<DeadLetterMessage>(`${type}.dlq`, (event) => void dlq.push(event), { resilience: false }).ready;
    let attempts = 0;
    await bus.subscribe<Numbered>(type, (event) => {
      if (event.data.n === 2) {
        attempts++;
        throw new Error('event 2 is poison');
      }
      handled.push(event.data.n);
    }).ready;
    const receipts = [];
    for (const n of [1, 2, 3]) receipts.push(await bus.publish(type, { n }, { key: 'one-key' }));

    await waitUntil(() => handled.length === 2 && dlq.length === 1, 30_000, 'events 1 and 3 handled and 2 in the .dlq topic');
    // One budget: resilience's three attempts, no Kafka redelivery on top (its dead-lettering acked the record).
    expect(attempts).toBe(3);
    expect(failures).toHaveLength(0);
    expect(handled).toEqual([1, 3]);
    expect(deadLettered).toHaveLength(1);
    expect(deadLettered[0]).toMatchObject({ attempts: 3, event: { id: receipts[1]?.id }, error: { code: 'HANDLER_FAILED' } });
    const letter = dlq[0];
    expect(letter).toMatchObject({ type: `${type}.dlq`, causationid: receipts[1]?.id, partitionkey: 'one-key' });
    // The CloudEvents Kafka binding carries extension attributes as header strings.
    expect(String(letter?.deadletter)).toBe('true');
    expect(letter?.data).toMatchObject({
      event: { id: receipts[1]?.id, type, data: { n: 2 } },
      error: { code: 'HANDLER_FAILED', message: 'event 2 is poison' },
      attempts: 3,
      subscription: { pattern: type },
    });
    expect(letter?.data.raw).toBeUndefined();
  });

  it('with resilience: a record that is no CloudEvent is dead-lettered at once with its bytes, cannot be redriven, and the partition carries on', async () => {
    const type = `${prefix}.undecodable`;
    const { bus, errors, deadLettered } = await resilientBus();
    const seen: EventEnvelope[] = [];
    const dlq: EventEnvelope<DeadLetterMessage>[] = [];
    await bus.subscribe<DeadLetterMessage>(`${type}.dlq`, (event) => void dlq.push(event), { resilience: false }).ready;
    await bus.subscribe(type, (event) => void seen.push(event)).ready;
    await produceRaw([
      {
        topic: type,
        key: Buffer.from('k'),
        value: Buffer.from('not a cloudevent'),
        headers: new Map([[Buffer.from('origin'), Buffer.from('legacy')]]),
      },
    ]);
    const after = await bus.publish(type, { n: 1 }, { key: 'k' });

    await waitUntil(() => seen.length === 1 && dlq.length === 1, 30_000, 'the valid event after the bad record, and its dead letter');
    expect(seen[0]?.id).toBe(after.id);
    expect(errors).toEqual([]);
    expect(deadLettered).toMatchObject([{ attempts: 0, error: { code: 'DECODE_FAILED' }, event: { id: `undecodable:${type}/0@0` } }]);
    const raw = dlq[0]?.data.raw;
    expect(raw).toMatchObject({ transport: 'kafka', position: `${type}/0@0`, key: Buffer.from('k').toString('base64') });
    expect(Buffer.from(raw?.value ?? '', 'base64').toString()).toBe('not a cloudevent');
    expect(Buffer.from(raw?.headers.origin ?? '', 'base64').toString()).toBe('legacy');
    expect(dlq[0]?.data).toMatchObject({ attempts: 0, error: { code: 'DECODE_FAILED' }, event: { type } });

    const [kept] = await bus.deadLetters.list({ code: 'DECODE_FAILED' });
    const report = await bus.deadLetters.redrive(kept?.id as string);
    expect(report.redriven).toEqual([]);
    expect(report.failures).toMatchObject([{ error: { code: 'DECODE_FAILED', message: expect.stringContaining('never decoded') } }]);
    expect(await bus.deadLetters.list({ code: 'DECODE_FAILED' })).toHaveLength(1);
  });

  it('without resilience: a failed record is redelivered until it is handled, holding its partition, and nothing is dead-lettered', async () => {
    const type = `${prefix}.redelivered`;
    const { bus, failures, deadLettered } = await plainBus();
    const handled: number[] = [];
    let tries = 0;
    await bus.subscribe<Numbered>(type, (event) => {
      if (event.data.n === 1 && ++tries <= 7) throw new Error(`try ${tries} fails`);
      handled.push(event.data.n);
    }).ready;
    const failing = await bus.publish(type, { n: 1 }, { key: 'k' });
    await bus.publish(type, { n: 2 }, { key: 'k' });
    await waitUntil(() => handled.length === 2, 30_000, 'both events handled');
    // More than the old default budget of 5: the transport keeps no budget of its own.
    expect(tries).toBe(8);
    expect(handled).toEqual([1, 2]);
    expect(failures.map((failure) => failure.eventId)).toEqual(Array(7).fill(failing.id));
    expect(deadLettered).toEqual([]);
  });

  it('without resilience: reports an undecodable record on error (logged while only observed) and moves past it', async () => {
    const type = `${prefix}.observed`;
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const observed: string[] = [];
    const bus = createBus({ source: 'urn:bus:dead-letters', logger })
      .use(
        definePlugin({
          name: 'counter',
          setup(kernel) {
            kernel.observe('error', (error) => void observed.push(`error:${error.code}`));
          },
        }),
      )
      .use(jsonTestCodec())
      .use(kafkaPlugin());
    stops.push(() => bus.stop());
    await bus.start();
    const handled: number[] = [];
    await bus.subscribe<Numbered>(type, (event) => void handled.push(event.data.n)).ready;
    await produceRaw([{ topic: type, key: Buffer.from('k'), value: Buffer.from('not a cloudevent'), headers: new Map() }]);
    await bus.publish(type, { n: 1 }, { key: 'k' });
    await waitUntil(() => handled.length === 1, 20_000, 'the event after the bad record');

    expect(observed).toEqual(['error:DECODE_FAILED']);
    expect(logger.error).toHaveBeenCalledWith(
      expect.objectContaining({
        code: 'DECODE_FAILED',
        err: expect.objectContaining({ details: { position: `${type}/0@0`, subscription: type } }),
      }),
      expect.stringContaining(`Skipped kafka message ${type}/0@0`),
    );
  });
});

describe('one dead-letter record on every transport', () => {
  /** The dead letter of a poison event on a bus with `transport`, resilience and a memory sink: what does not vary by run. */
  async function poisonLetter(transport: Plugin, type: string): Promise<Record<string, unknown>> {
    const sink = memoryDeadLetterSink();
    const bus = createBus({ source: 'urn:bus:dead-letters' })
      .use(jsonTestCodec())
      .use(transport)
      .use(resilience({ ...FAST_RETRIES, deadLetter: sink }));
    stops.push(() => bus.stop());
    let deadLettered = 0;
    bus.events.on('deadLettered', () => void deadLettered++);
    await bus.start();
    await bus.subscribe<Numbered>(
      type,
      () => {
        throw new Error('poison');
      },
      { name: 'billing' },
    ).ready;
    await bus.publish(type, { n: 7 }, { key: 'k', subject: 'order-7' });
    await waitUntil(() => deadLettered === 1, 30_000, 'the dead letter');
    const letters = await sink.list();
    expect(letters).toHaveLength(1);
    const letter = letters[0] as DeadLetter;
    const { id: _id, time: _time, event, subscription, error, ...rest } = letter;
    return {
      ...rest,
      error: { code: error.code, message: error.message, retryable: error.retryable },
      event: { type: event.type, data: event.data, subject: event.subject, partitionkey: event.partitionkey, source: event.source },
      subscription: { name: subscription.name, pattern: subscription.pattern },
    };
  }

  it('a poison event ends in the same sink with the same record on the in-memory transport and on Kafka', async () => {
    const type = `${prefix}.same-record`;
    const inMemory = await poisonLetter(definePlugin({ name: 'memory', setup: (kernel) => kernel.setTransport(memoryTransport()) }), type);
    const onKafka = await poisonLetter(kafkaPlugin({ groupId: `${prefix}-same` }), type);
    expect(onKafka).toEqual(inMemory);
    expect(onKafka).toMatchObject({ attempts: 3, error: { code: 'HANDLER_FAILED', message: 'poison' }, subscription: { name: 'billing' } });
  });
});
