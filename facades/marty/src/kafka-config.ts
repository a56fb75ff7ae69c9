/**
 * `KafkaConfig` (enhanced_event_bus.py) and how it maps onto `@bus/kafka`'s
 * options: servers → brokers, SSL/SASL_* → tls/sasl, the group, where a new
 * group starts reading, the group timeouts.
 */

import type { KafkaOptions } from '@bus/kafka';
import { assignFields, type FieldsOf } from './fields.js';

/** `security_protocol` values. */
export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';

/** The fields of {@link KafkaConfig}, each optional in the constructor, with the Python default. */
export type KafkaConfigFields = FieldsOf<KafkaConfig>;

/**
 * Kafka connection settings of an {@link EnhancedEventBus}.
 *
 * @example
 * ```ts
 * const config = new KafkaConfig({ bootstrapServers: ['127.0.0.1:9092'], consumerGroupId: 'users' });
 * ```
 */
export class KafkaConfig {
  bootstrapServers: string[] = ['localhost:9092'];
  securityProtocol: SecurityProtocol = 'PLAINTEXT';
  /** `PLAIN`, `SCRAM-SHA-256`, `SCRAM-SHA-512`… (PLAIN when a SASL protocol is chosen without one). */
  saslMechanism: string | null = null;
  saslPlainUsername: string | null = null;
  saslPlainPassword: string | null = null;
  /** The consumer group of every subscription. */
  consumerGroupId = 'marty-enhanced-event-bus';
  /** Where a group without committed offsets starts. */
  autoOffsetReset: 'latest' | 'earliest' = 'latest';
  /** `true` and `false` both commit after a record is handled: never before, so nothing is lost. */
  enableAutoCommit = true;
  /** Records a type's consumer queues before fetching pauses (its handlers run them one at a time). */
  maxPollRecords = 500;
  sessionTimeoutMs = 30_000;
  heartbeatIntervalMs = 3_000;

  /** Every field is optional, with the Python default. */
  constructor(fields: KafkaConfigFields = {}) {
    assignFields(this, fields);
  }
}

/** The `@bus/kafka` options of a config (without the binding and topic naming, which the bus adds). */
export function kafkaOptionsOf(config: KafkaConfig): KafkaOptions {
  const { securityProtocol: protocol, consumerGroupId: groupId, sessionTimeoutMs, heartbeatIntervalMs } = config;
  const options: KafkaOptions = { brokers: config.bootstrapServers, groupId, clientId: groupId, startFrom: config.autoOffsetReset };
  const tls = protocol === 'SSL' || protocol === 'SASL_SSL' ? { tls: {} } : {};
  if (!protocol.startsWith('SASL_')) return { ...options, sessionTimeoutMs, heartbeatIntervalMs, ...tls };
  const [username, password] = [config.saslPlainUsername ?? undefined, config.saslPlainPassword ?? undefined];
  const sasl = { mechanism: config.saslMechanism ?? 'PLAIN', username, password } as NonNullable<KafkaOptions['sasl']>;
  return { ...options, sessionTimeoutMs, heartbeatIntervalMs, ...tls, sasl };
}
