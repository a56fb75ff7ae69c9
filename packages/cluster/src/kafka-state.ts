/**
 * The replicated state on a compacted Kafka topic: each change is a record
 * keyed by scope and key (a delete is a tombstone), so compaction keeps the
 * latest value of every key. Each node reads the whole topic from the start
 * into memory and follows it; a write is a produce, and its version is the
 * record's offset + 1, so versions follow the log's order.
 */
import { BusError } from '@bus/core';
import type { Consumer, Producer } from '@platformatic/kafka';
import type { StateChange, StateStore } from './state-store.js';

/**
 * Options of {@link kafkaState}.
 *
 * @example
 * ```ts
 * kafkaState({ brokers: ['127.0.0.1:9092'], name: 'billing' });
 * ```
 */
export interface KafkaStateOptions {
  /** Bootstrap brokers, `host:port`. */
  readonly brokers: readonly string[];
  /** The state's topic is `<topicPrefix><name>.state`. */
  readonly name: string;
  /** Default `'bus-cluster.'`. */
  readonly topicPrefix?: string;
  /** Replication factor of the topic when it is created. Default: the broker's. */
  readonly replicationFactor?: number;
  /** Extra client options given to `@platformatic/kafka` (SASL, TLS). */
  readonly client?: Readonly<Record<string, unknown>>;
}

const SEPARATOR = '\u0000';

/**
 * A state store on a compacted Kafka topic, for `cluster({ state })`.
 *
 * @example
 * ```ts
 * createBus().use(cluster({ elector: kafkaElector({ brokers, name: 'api' }), state: kafkaState({ brokers, name: 'api' }), members: false }));
 * ```
 */
export function kafkaState(options: KafkaStateOptions): StateStore {
  const { brokers, name } = options ?? ({} as KafkaStateOptions);
  if (!Array.isArray(brokers) || brokers.length === 0) throw new BusError('CONFIG_INVALID', 'kafkaState() needs `brokers`.');
  if (typeof name !== 'string' || !/^[A-Za-z0-9._-]+$/.test(name)) {
    throw new BusError('CONFIG_INVALID', `kafkaState() needs a \`name\` of letters, digits, '.', '_' or '-', got '${String(name)}'.`);
  }
  const topic = `${options.topicPrefix ?? 'bus-cluster.'}${name}.state`;
  /** The latest change of every key read so far, by scope and key. */
  const latest = new Map<string, StateChange>();
  let read = 0;
  let producer: Producer<Buffer, Buffer, Buffer, Buffer> | undefined;
  let consumer: Consumer<Buffer, Buffer, Buffer, Buffer> | undefined;
  let stream: { close(): Promise<void> } | undefined;
  let failure: unknown;

  const opened = () => {
    if (producer === undefined) throw new BusError('BUS_NOT_STARTED', `the Kafka state '${name}' is not open: start the bus first.`);
    if (failure !== undefined) throw BusError.from(failure, 'TRANSPORT_FAILED');
    return producer;
  };

  return {
    async open() {
      const kafka = await import('@platformatic/kafka');
      const client = { bootstrapBrokers: [...brokers], clientId: `bus-cluster-state-${name}`, ...(options.client ?? {}) };
      const admin = new kafka.Admin(client);
      try {
        await admin.createTopics({
          topics: [topic],
          partitions: 1,
          replicas: options.replicationFactor ?? -1,
          configs: [{ name: 'cleanup.policy', value: 'compact' }],
        });
      } catch (error) {
        if (!kafka.findErrorBy(error as Error, 'apiId', 'TOPIC_ALREADY_EXISTS')) {
          await admin.close();
          throw BusError.from(error, 'TRANSPORT_FAILED');
        }
      }
      await admin.close();
      producer = new kafka.Producer<Buffer, Buffer, Buffer, Buffer>({ ...client, idempotent: true });
      // A group of its own: every node reads the whole topic.
      consumer = new kafka.Consumer<Buffer, Buffer, Buffer, Buffer>({
        ...client,
        groupId: `${topic}.${process.pid}.${Math.random().toString(36).slice(2, 10)}`,
        autocommit: false,
      });
      const end = Number((await consumer.listOffsets({ topics: [topic] })).get(topic)?.[0] ?? 0n);
      const messages = await consumer.consume({ topics: [topic], mode: kafka.MessagesStreamModes.EARLIEST, autocommit: false });
      messages.on('data', (message) => {
        const version = Number(message.offset) + 1;
        const id = message.key?.toString() ?? '';
        const cut = id.indexOf(SEPARATOR);
        if (cut < 0) return;
        const value =
          message.value === undefined || message.value === null || message.value.length === 0
            ? undefined
            : JSON.parse(message.value.toString());
        latest.set(id, { scope: id.slice(0, cut), key: id.slice(cut + 1), value, version });
        if (version > read) read = version;
      });
      messages.on('error', (error: unknown) => {
        failure = error;
      });
      stream = messages;
      // Loaded: everything written before this node started has been read.
      while (read < end && failure === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
      if (failure !== undefined) throw BusError.from(failure, 'TRANSPORT_FAILED');
    },
    async close() {
      await stream?.close().catch(() => undefined);
      await consumer?.close(true).catch(() => undefined);
      await producer?.close().catch(() => undefined);
      stream = undefined;
      consumer = undefined;
      producer = undefined;
    },
    async put(_cluster, scope, key, value) {
      const result = await opened().send({
        messages: [
          {
            topic,
            partition: 0,
            key: Buffer.from(`${scope}${SEPARATOR}${key}`),
            // A delete is a tombstone (no value): compaction drops the key.
            ...(value === undefined ? {} : { value: Buffer.from(JSON.stringify(value)) }),
          },
        ],
      });
      const offset = result.offsets?.find((o) => o.topic === topic)?.offset;
      if (offset === undefined) throw new BusError('TRANSPORT_FAILED', `the state write of '${name}' got no offset.`);
      return Number(offset) + 1;
    },
    async changesSince(_cluster, version) {
      opened();
      return [...latest.values()].filter((change) => change.version > version).sort((a, b) => a.version - b.version);
    },
  };
}
