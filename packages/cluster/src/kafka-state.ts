/**
 * The replicated state on a compacted Kafka topic: each change is a record
 * keyed by scope and key (a delete is a tombstone), so compaction keeps the
 * latest value of every key. Each node reads the whole topic from the start
 * into memory and follows it; a write is a produce, and its version is the
 * record's offset + 1, so versions follow the log's order.
 */
import { BusError } from '@bus/core';
import { CompactedTopic } from './compacted-topic.js';
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
  const topic = new CompactedTopic({
    brokers,
    topic: `${options.topicPrefix ?? 'bus-cluster.'}${name}.state`,
    replicationFactor: options.replicationFactor,
    client: options.client,
  });

  return {
    open: () => topic.open(),
    close: () => topic.close(),
    // A delete is a tombstone: compaction drops the key.
    put: (_cluster, scope, key, value) =>
      topic.put(`${scope}${SEPARATOR}${key}`, value === undefined ? undefined : Buffer.from(JSON.stringify(value))),
    async changesSince(_cluster, version) {
      const changes: StateChange[] = [];
      for (const [id, record] of topic.latest) {
        const cut = id.indexOf(SEPARATOR);
        if (record.version <= version || cut < 0) continue;
        const value = record.value === undefined ? undefined : JSON.parse(record.value.toString());
        changes.push({ scope: id.slice(0, cut), key: id.slice(cut + 1), value, version: record.version });
      }
      return changes.sort((a, b) => a.version - b.version);
    },
  };
}
