// The plain-value binding through the real broker: the record value is the
// event data alone, no headers; records without headers (as a legacy
// producer writes them) are consumed as events of the topic's type.
import { type Bus, createBus, type EventEnvelope } from '@bus/core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type ConsumedRecord, kafka, plainValueBinding } from '../src/index.js';
import { jsonTestCodec } from './support/json-test-codec.js';
import { deleteByPrefix, testBrokers, uniquePrefix } from './support/kafka-env.js';
import { headersOf, produceRaw, readRecords } from './support/raw-kafka.js';
import { waitUntil } from './support/wait.js';

const brokers = testBrokers();
const prefix = uniquePrefix('plain');
const topicFor = (type: string): string => type.replaceAll('.', '_').toLowerCase();

const buses: Bus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.stop()));
});
afterAll(() => deleteByPrefix(prefix.replaceAll('.', '_')), 60_000);

async function startedBus(options: Parameters<typeof plainValueBinding>[0] = {}): Promise<Bus> {
  const bus = createBus({ source: 'urn:bus:plain' })
    .use(jsonTestCodec())
    .use(
      kafka({
        brokers,
        groupId: prefix,
        topicFor,
        binding: plainValueBinding(options),
        ensureTopics: { partitions: 2, replicationFactor: 1 },
      }),
    );
  buses.push(bus);
  await bus.start();
  return bus;
}

describe('plainValueBinding()', () => {
  it('produces the data bytes as the whole value, keyed by the partition key, with no headers', async () => {
    const type = `${prefix}.User.Created`;
    const bus = await startedBus();
    await bus.publish(type, { user: 'u-1' }, { key: 'u-1', priority: 3 });
    const [record] = await readRecords(topicFor(type), 1);
    if (record === undefined) throw new Error('no record');
    expect(record.topic).toBe(topicFor(type));
    expect(record.key?.toString()).toBe('u-1');
    expect(headersOf(record)).toEqual({});
    expect(JSON.parse(record.value.toString())).toEqual({ user: 'u-1' });
  });

  it('consumes records without headers as events of the subscribed type, with attributes read from the value', async () => {
    const type = `${prefix}.legacy.written`;
    const seen: ConsumedRecord[] = [];
    const bus = await startedBus({
      attributes: (record) => {
        seen.push(record);
        const value = JSON.parse(String(record.value)) as { id?: string; priority?: number };
        return { id: value.id, priority: value.priority };
      },
    });
    const got: EventEnvelope[] = [];
    bus.subscribe(type, (event) => void got.push(event));
    await produceRaw([
      { topic: topicFor(type), key: Buffer.from('k'), value: Buffer.from(JSON.stringify({ id: 'py-1', priority: 4, n: 1 })) },
      { topic: topicFor(type), value: Buffer.from(JSON.stringify({ n: 2 })) },
    ]);
    await waitUntil(
      () => got.length === 2,
      30_000,
      () => `2 events, got ${got.length}`,
    );
    const byN = got.sort((a, b) => (a.data as { n: number }).n - (b.data as { n: number }).n);
    expect(byN[0]).toMatchObject({
      id: 'py-1',
      type,
      priority: 4,
      specversion: '1.0',
      source: `kafka:${topicFor(type)}`,
      data: { id: 'py-1', n: 1 },
    });
    expect(byN[1]?.id, 'without an id in the value, the id is topic-partition-offset').toMatch(new RegExp(`^${topicFor(type)}-\\d+-\\d+$`));
    expect(byN[1]?.priority).toBeUndefined();
    expect(typeof byN[1]?.time).toBe('string');
    expect(seen.every((record) => record.type === type && record.topic === topicFor(type))).toBe(true);
  });

  it('round-trips between two buses and still reads a CloudEvents record on the same topic', async () => {
    const type = `${prefix}.mixed.sent`;
    const consumer = await startedBus();
    const got: EventEnvelope[] = [];
    consumer.subscribe(type, (event) => void got.push(event));
    const producer = await startedBus();
    await producer.publish(type, { from: 'plain' });
    await produceRaw([
      {
        topic: topicFor(type),
        value: Buffer.from(JSON.stringify({ from: 'cloudevents' })),
        headers: new Map([
          [Buffer.from('ce_specversion'), Buffer.from('1.0')],
          [Buffer.from('ce_id'), Buffer.from('ce-1')],
          [Buffer.from('ce_source'), Buffer.from('urn:other')],
          [Buffer.from('ce_type'), Buffer.from(type)],
          [Buffer.from('content-type'), Buffer.from('application/json')],
        ]),
      },
    ]);
    await waitUntil(
      () => got.length === 2,
      30_000,
      () => `2 events, got ${got.length}`,
    );
    expect(got.map((event) => (event.data as { from: string }).from).sort()).toEqual(['cloudevents', 'plain']);
    expect(got.find((event) => event.id === 'ce-1')?.source).toBe('urn:other');
  });

  it('refuses non-byte data with ENCODE_FAILED, and a bad attributes hook with PLUGIN_INVALID', async () => {
    const binding = plainValueBinding();
    expect(() =>
      binding.encode({ id: 'e-1', type: 't', source: 's', specversion: '1.0', data: { not: 'bytes' } }, () => undefined),
    ).toThrow(expect.objectContaining({ code: 'ENCODE_FAILED', eventId: 'e-1' }));
    expect(() => plainValueBinding({ attributes: 'nope' as never })).toThrow(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
    expect(() => kafka({ brokers, groupId: 'g', binding: {} as never })).toThrow(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
  });

  it('a record with no headers on a topic of unknown type, or a throwing hook, is a DECODE_FAILED', () => {
    const base = { topic: 't', partition: 0, offset: 1n, value: Buffer.from('{}') };
    expect(() => plainValueBinding().decode({ ...base, type: undefined })).toThrow(expect.objectContaining({ code: 'DECODE_FAILED' }));
    const throwing = plainValueBinding({
      attributes: () => {
        throw new Error('bad json');
      },
    });
    expect(() => throwing.decode({ ...base, type: 'x' })).toThrow(expect.objectContaining({ code: 'DECODE_FAILED' }));
  });
});
