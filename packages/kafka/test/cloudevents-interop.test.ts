// Interop with the official CloudEvents JavaScript SDK's Kafka binding, both
// directions and both content modes, through the real broker: what the bus
// produces, the SDK reads; what the SDK lays out, the bus delivers.
import { type Bus, createBus, type EventEnvelope } from '@bus/core';
import { CloudEvent, Kafka, type KafkaMessage } from 'cloudevents';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type CloudEventsMode, kafka, STRUCTURED_CONTENT_TYPE } from '../src/index.js';
import { jsonTestCodec } from './support/json-test-codec.js';
import { deleteByPrefix, testBrokers, uniquePrefix } from './support/kafka-env.js';
import { headersOf, produceRaw, readRecords } from './support/raw-kafka.js';
import { waitUntil } from './support/wait.js';

const brokers = testBrokers();
const prefix = uniquePrefix('interop');
const time = '2024-02-29T12:34:56.789Z';
const data = { order: 'o-1', lines: [{ sku: 'grüße-✓', qty: 2 }], total: 12.5, paid: false, note: null };

const buses: Bus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.stop()));
});
afterAll(() => deleteByPrefix(prefix), 60_000);

async function startedBus(mode: CloudEventsMode): Promise<Bus> {
  const bus = createBus({ source: 'urn:bus:interop' })
    .use(jsonTestCodec())
    .use(kafka({ brokers, groupId: prefix, mode, ensureTopics: { partitions: 3, replicationFactor: 1 } }));
  buses.push(bus);
  await bus.start();
  return bus;
}

describe.each(['binary', 'structured'] as const)('CloudEvents Kafka binding, %s mode, against the official SDK', (mode) => {
  it('produces records the SDK’s Kafka.toEvent reads back as the same event', async () => {
    const type = `${prefix}.bus-to-sdk.${mode}`;
    const bus = await startedBus(mode);
    const receipt = await bus.publish(type, data, {
      subject: 'order-1',
      key: 'order-1',
      time,
      correlationId: 'correlation-1',
      tenantId: 'tenant-1',
      priority: 5,
      extensions: { urgent: true },
    });

    const [record] = await readRecords(type, 1);
    if (record === undefined) throw new Error('no record');
    const headers = headersOf(record);
    expect(record.key?.toString(), 'the record key is the partitionkey').toBe('order-1');
    if (mode === 'binary') {
      expect(headers).toMatchObject({
        ce_id: receipt.id,
        ce_type: type,
        ce_source: 'urn:bus:interop',
        ce_specversion: '1.0',
        ce_time: time,
        ce_subject: 'order-1',
        ce_partitionkey: 'order-1',
        ce_priority: '5',
        ce_urgent: 'true',
        'content-type': 'application/json',
      });
      expect(headers).not.toHaveProperty('ce_datacontenttype');
      expect(JSON.parse(record.value.toString())).toEqual(data);
    } else {
      expect(headers).toEqual({ 'content-type': STRUCTURED_CONTENT_TYPE });
      expect(JSON.parse(record.value.toString())).toMatchObject({ id: receipt.id, priority: 5, urgent: true, data });
    }

    const kafkaMessage: KafkaMessage<Buffer> = { key: record.key?.toString() ?? '', value: record.value, headers, body: record.value };
    const event = Kafka.toEvent(kafkaMessage) as CloudEvent<unknown>;
    expect(event).toMatchObject({
      id: receipt.id,
      type,
      source: 'urn:bus:interop',
      specversion: '1.0',
      time,
      subject: 'order-1',
      datacontenttype: 'application/json',
      partitionkey: 'order-1',
      correlationid: 'correlation-1',
      tenantid: 'tenant-1',
      // Binary mode carries every attribute as a string header; the JSON of structured mode keeps types.
      priority: mode === 'binary' ? '5' : 5,
      urgent: mode === 'binary' ? 'true' : true,
    });
    expect(event.data).toEqual(data);
  });

  it('delivers an event the SDK laid out (Kafka.binary / Kafka.structured) with its envelope and data', async () => {
    const type = `${prefix}.sdk-to-bus.${mode}`;
    const bus = await startedBus('binary');
    const seen: EventEnvelope[] = [];
    const handle = bus.subscribe(type, (event) => void seen.push(event));
    await handle.ready;

    const sdkEvent = new CloudEvent({
      id: `sdk-${mode}`,
      source: 'urn:sdk:orders',
      type,
      subject: 'order-9',
      time,
      datacontenttype: 'application/json',
      data,
      partitionkey: 'order-9',
      tenantid: 'tenant-9',
      priority: 3,
    });
    const message = mode === 'binary' ? Kafka.binary(sdkEvent) : Kafka.structured(sdkEvent);
    const headers = new Map<Buffer, Buffer>();
    for (const [name, value] of Object.entries(message.headers)) {
      if (value !== undefined && value !== null) headers.set(Buffer.from(name), Buffer.from(String(value)));
    }
    // The SDK leaves the value as it is: a string in structured mode, the data itself in binary mode.
    const value = typeof message.value === 'string' ? Buffer.from(message.value) : Buffer.from(JSON.stringify(message.value));
    await produceRaw([{ topic: type, key: Buffer.from(String(message.key)), value, headers }]);

    await waitUntil(() => seen.length >= 1, 20_000, 'the SDK event to be delivered');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      id: `sdk-${mode}`,
      source: 'urn:sdk:orders',
      type,
      specversion: '1.0',
      time,
      subject: 'order-9',
      datacontenttype: 'application/json',
      partitionkey: 'order-9',
      tenantid: 'tenant-9',
      priority: 3,
    });
    expect(seen[0]?.data).toEqual(data);
  });
});
