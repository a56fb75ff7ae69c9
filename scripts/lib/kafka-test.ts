/**
 * Kafka test helpers every package shares: where the test broker is, unique names,
 * and deleting what a test created (topics, consumer groups).
 */
import { randomBytes } from 'node:crypto';
import { readServicesEnv } from '@bus/scripts/services-env';
import {
  Admin,
  Consumer,
  type Message,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  type MessageToProduce,
  Producer,
} from '@platformatic/kafka';

/** The brokers of the shared test broker (`BUS_KAFKA_BROKERS`, set by the test runner or `node scripts/services.mjs up`). */
export function testBrokers(): string[] {
  const { kafkaBrokers } = readServicesEnv();
  if (!kafkaBrokers) {
    throw new Error('BUS_KAFKA_BROKERS is not set: start the broker with `node scripts/services.mjs up` (pnpm test does it).');
  }
  return kafkaBrokers.split(',');
}

/** A prefix no other run uses: every topic and group of a test file starts with it (`test.<scope>.<label>.<random>`). */
export function uniquePrefix(label: string, scope = 'kafka'): string {
  return `test.${scope}.${label}.${randomBytes(4).toString('hex')}`;
}

/** Deletes every topic and consumer group whose name starts with `prefix`. */
export async function deleteByPrefix(prefix: string, brokers: string[] = testBrokers()): Promise<{ topics: number; groups: number }> {
  const admin = new Admin({ clientId: 'bus-kafka-test-cleanup', bootstrapBrokers: brokers });
  try {
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    const groups = [...(await admin.listGroups()).keys()].filter((group) => group.startsWith(prefix));
    if (groups.length > 0) await admin.deleteGroups({ groups }).catch(() => undefined); // a group still closing may refuse
    return { topics: topics.length, groups: groups.length };
  } finally {
    await admin.close();
  }
}

// Raw `@platformatic/kafka` clients, for tests that look at records as they are on the broker,
// or put records there that the bus did not produce.

export type RawMessage = Message<Buffer, Buffer, Buffer, Buffer>;

/** Creates `topics` (3 partitions) on the test broker. */
export async function createTopics(topics: string[], partitions = 3, brokers = testBrokers()): Promise<void> {
  const admin = new Admin({ clientId: 'bus-kafka-test-admin', bootstrapBrokers: brokers });
  try {
    await admin.createTopics({ topics, partitions, replicas: 1 });
  } finally {
    await admin.close();
  }
}

/** Produces records as they are (Buffers), with an idempotent producer. */
export async function produceRaw(records: MessageToProduce<Buffer, Buffer, Buffer, Buffer>[], brokers = testBrokers()): Promise<void> {
  const producer = new Producer<Buffer, Buffer, Buffer, Buffer>({
    clientId: 'bus-kafka-test-raw',
    bootstrapBrokers: brokers,
    idempotent: true,
  });
  try {
    await producer.send({ messages: records });
  } finally {
    await producer.close();
  }
}

/** Reads the first `count` records of `topic` from the beginning, in a throwaway group; rejects after `timeoutMs`. */
export async function readRecords(topic: string, count: number, timeoutMs = 20_000, brokers = testBrokers()): Promise<RawMessage[]> {
  const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
    clientId: 'bus-kafka-test-reader',
    groupId: `${topic}.reader.${randomBytes(3).toString('hex')}`,
    bootstrapBrokers: brokers,
    autocommit: false,
    maxWaitTime: 200,
    sessionTimeout: 6_000,
    heartbeatInterval: 500,
  });
  const stream = await consumer.consume({
    topics: [topic],
    mode: MessagesStreamModes.EARLIEST,
    fallbackMode: MessagesStreamFallbackModes.EARLIEST,
  });
  try {
    return await new Promise<RawMessage[]>((resolve, reject) => {
      const records: RawMessage[] = [];
      const timer = setTimeout(
        () => reject(new Error(`read ${records.length}/${count} records of ${topic} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      stream.on('data', (message: RawMessage) => {
        records.push(message);
        if (records.length === count) {
          clearTimeout(timer);
          resolve(records);
        }
      });
      stream.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  } finally {
    await stream.close();
    await consumer.close(true);
  }
}

/** A record's headers as a plain object of strings (what the CloudEvents SDK reads). */
export function headersOf(message: RawMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of message.headerEntries) headers[key.toString()] = value?.toString() ?? '';
  return headers;
}
