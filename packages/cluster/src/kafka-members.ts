/**
 * Membership on a compacted Kafka topic: a heartbeat is a record keyed by the
 * node's id, a clean leave a tombstone. The topic stamps records with the
 * broker's clock (LogAppendTime), and a node is live when its last heartbeat
 * is younger than the timeout measured against the newest heartbeat read — so
 * no two machines' clocks are ever compared.
 */
import { BusError } from '@bus/core';
import { CompactedTopic } from './compacted-topic.js';
import type { ClusterMember, MemberStore } from './member-store.js';
import type { ClusterNode } from './node-identity.js';

/**
 * Options of {@link kafkaMembers}.
 *
 * @example
 * ```ts
 * kafkaMembers({ brokers: ['127.0.0.1:9092'], name: 'billing' });
 * ```
 */
export interface KafkaMembersOptions {
  /** Bootstrap brokers, `host:port`. */
  readonly brokers: readonly string[];
  /** The heartbeats' topic is `<topicPrefix><name>.members`. */
  readonly name: string;
  /** Default `'bus-cluster.'`. */
  readonly topicPrefix?: string;
  /** Replication factor of the topic when it is created. Default: the broker's. */
  readonly replicationFactor?: number;
  /** Extra client options given to `@platformatic/kafka` (SASL, TLS). */
  readonly client?: Readonly<Record<string, unknown>>;
}

/**
 * A member store on a compacted Kafka topic, for `cluster({ members })`.
 *
 * @example
 * ```ts
 * createBus().use(cluster({ elector: kafkaElector({ brokers, name: 'api' }), members: kafkaMembers({ brokers, name: 'api' }) }));
 * ```
 */
export function kafkaMembers(options: KafkaMembersOptions): MemberStore {
  const { brokers, name } = options ?? ({} as KafkaMembersOptions);
  if (!Array.isArray(brokers) || brokers.length === 0) throw new BusError('CONFIG_INVALID', 'kafkaMembers() needs `brokers`.');
  if (typeof name !== 'string' || !/^[A-Za-z0-9._-]+$/.test(name)) {
    throw new BusError('CONFIG_INVALID', `kafkaMembers() needs a \`name\` of letters, digits, '.', '_' or '-', got '${String(name)}'.`);
  }
  const topic = new CompactedTopic({
    brokers,
    topic: `${options.topicPrefix ?? 'bus-cluster.'}${name}.members`,
    replicationFactor: options.replicationFactor,
    client: options.client,
    configs: { 'message.timestamp.type': 'LogAppendTime' },
  });
  return {
    open: () => topic.open(),
    close: () => topic.close(),
    async heartbeat(_cluster, node) {
      // Read back before the round lists the members: the newest heartbeat is this node's own.
      await topic.reached(await topic.put(node.id, Buffer.from(JSON.stringify(node))));
    },
    async live(_cluster, liveWithinMs) {
      const members: ClusterMember[] = [];
      for (const record of topic.latest.values()) {
        if (record.value === undefined || record.timestamp <= topic.newestTimestamp - liveWithinMs) continue;
        members.push({ ...(JSON.parse(record.value.toString()) as ClusterNode), seenAt: record.timestamp });
      }
      return members.sort((a, b) => a.startedAt - b.startedAt || a.id.localeCompare(b.id));
    },
    async leave(_cluster, nodeId) {
      await topic.put(nodeId, undefined);
    },
  };
}
