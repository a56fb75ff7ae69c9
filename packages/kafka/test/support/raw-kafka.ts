/**
 * Raw `@platformatic/kafka` clients for tests that look at records as they
 * are on the broker, or put records there that the bus did not produce.
 */
import { randomBytes } from 'node:crypto';
import {
  Admin,
  Consumer,
  type Message,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  type MessageToProduce,
  Producer,
} from '@platformatic/kafka';
import { testBrokers } from './kafka-env.js';

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
