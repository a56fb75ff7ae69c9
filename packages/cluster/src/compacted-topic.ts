/**
 * A compacted Kafka topic followed into memory: every node reads it from its
 * start into a map of the latest record per key and keeps following it;
 * writes are produces. The Kafka state and the Kafka membership both sit on it.
 */
import { BusError } from '@bus/core';
import type { Consumer, Producer } from '@platformatic/kafka';

/** The latest record of one key. */
export interface CompactedRecord {
  /** The value, `undefined` for a tombstone. */
  readonly value: Buffer | undefined;
  /** The offset + 1: grows in the log's order. */
  readonly version: number;
  /** The record's timestamp (the broker's clock when the topic uses LogAppendTime). */
  readonly timestamp: number;
}

/** Connection options of a compacted topic. */
export interface CompactedTopicOptions {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly replicationFactor?: number | undefined;
  readonly client?: Readonly<Record<string, unknown>> | undefined;
  /** Extra topic configs when it is created. */
  readonly configs?: Readonly<Record<string, string>>;
}

/** One node's view of a compacted topic. */
export class CompactedTopic {
  /** The latest record of every key read so far. */
  readonly latest = new Map<string, CompactedRecord>();
  /** The greatest record timestamp read so far. */
  newestTimestamp = 0;
  #producer: Producer<Buffer, Buffer, Buffer, Buffer> | undefined;
  #consumer: Consumer<Buffer, Buffer, Buffer, Buffer> | undefined;
  #stream: { close(): Promise<void> } | undefined;
  #failure: unknown;
  #read = 0;

  constructor(private readonly options: CompactedTopicOptions) {}

  /** Creates the topic if missing, reads it to its current end, and keeps following it. */
  async open(): Promise<void> {
    const { topic } = this.options;
    const kafka = await import('@platformatic/kafka');
    const client = { bootstrapBrokers: [...this.options.brokers], clientId: `bus-cluster-${topic}`, ...(this.options.client ?? {}) };
    const admin = new kafka.Admin(client);
    try {
      await admin.createTopics({
        topics: [topic],
        partitions: 1,
        replicas: this.options.replicationFactor ?? -1,
        configs: Object.entries({ 'cleanup.policy': 'compact', ...(this.options.configs ?? {}) }).map(([name, value]) => ({ name, value })),
      });
    } catch (error) {
      if (!kafka.findErrorBy(error as Error, 'apiId', 'TOPIC_ALREADY_EXISTS')) {
        await admin.close();
        throw BusError.from(error, 'TRANSPORT_FAILED');
      }
    }
    await admin.close();
    this.#producer = new kafka.Producer<Buffer, Buffer, Buffer, Buffer>({ ...client, idempotent: true });
    // A group of its own: every node reads the whole topic.
    const consumer = new kafka.Consumer<Buffer, Buffer, Buffer, Buffer>({
      ...client,
      groupId: `${topic}.${process.pid}.${Math.random().toString(36).slice(2, 10)}`,
      autocommit: false,
    });
    this.#consumer = consumer;
    const end = Number((await consumer.listOffsets({ topics: [topic] })).get(topic)?.[0] ?? 0n);
    const messages = await consumer.consume({ topics: [topic], mode: kafka.MessagesStreamModes.EARLIEST, autocommit: false });
    messages.on('data', (message) => {
      const version = Number(message.offset) + 1;
      const timestamp = Number(message.timestamp);
      const value = message.value === undefined || message.value === null || message.value.length === 0 ? undefined : message.value;
      this.latest.set(message.key?.toString() ?? '', { value, version, timestamp });
      if (timestamp > this.newestTimestamp) this.newestTimestamp = timestamp;
      if (version > this.#read) this.#read = version;
    });
    messages.on('error', (error: unknown) => {
      this.#failure = error;
    });
    this.#stream = messages;
    while (this.#read < end && this.#failure === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
    this.#check();
  }

  /** Writes `value` (`undefined`: a tombstone) under `key`; resolves to its version. */
  async put(key: string, value: Buffer | undefined): Promise<number> {
    const producer = this.#check();
    const result = await producer.send({
      messages: [{ topic: this.options.topic, partition: 0, key: Buffer.from(key), ...(value === undefined ? {} : { value }) }],
    });
    const offset = result.offsets?.find((o) => o.topic === this.options.topic)?.offset;
    if (offset === undefined) throw new BusError('TRANSPORT_FAILED', `the write to '${this.options.topic}' got no offset.`);
    return Number(offset) + 1;
  }

  /** Waits until this node has read `version`. */
  async reached(version: number): Promise<void> {
    while (this.#read < version) {
      this.#check();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async close(): Promise<void> {
    await this.#stream?.close().catch(() => undefined);
    await this.#consumer?.close(true).catch(() => undefined);
    await this.#producer?.close().catch(() => undefined);
    this.#stream = undefined;
    this.#consumer = undefined;
    this.#producer = undefined;
  }

  #check(): Producer<Buffer, Buffer, Buffer, Buffer> {
    if (this.#failure !== undefined) throw BusError.from(this.#failure, 'TRANSPORT_FAILED');
    if (this.#producer === undefined)
      throw new BusError('BUS_NOT_STARTED', `the topic '${this.options.topic}' is not open: start the bus first.`);
    return this.#producer;
  }
}
