/**
 * `KafkaConfig` (enhanced_event_bus.py) and how it maps onto `@bus/kafka`'s
 * options: servers → brokers, SSL/SASL_* → tls/sasl, the group, where a new
 * group starts reading, the group timeouts.
 */
import type { KafkaOptions } from '@bus/kafka';

/** `security_protocol` values. */
export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';

/** The fields of {@link KafkaConfig}, each with the Python default. */
export interface KafkaConfigFields {
  /** Default `['localhost:9092']`. */
  bootstrapServers: string[];
  /** Default `'PLAINTEXT'`. */
  securityProtocol: SecurityProtocol;
  /** `PLAIN`, `SCRAM-SHA-256`, `SCRAM-SHA-512`… Default `null` (PLAIN when a SASL protocol is chosen). */
  saslMechanism: string | null;
  /** Default `null`. */
  saslPlainUsername: string | null;
  /** Default `null`. */
  saslPlainPassword: string | null;
  /** The consumer group of every subscription. Default `'marty-enhanced-event-bus'`. */
  consumerGroupId: string;
  /** Where a group without committed offsets starts. Default `'latest'`. */
  autoOffsetReset: 'latest' | 'earliest';
  /** `true` (the default) and `false` both commit after a record is handled: never before, so nothing is lost. */
  enableAutoCommit: boolean;
  /** Records a type's consumer queues before fetching pauses (its handlers run them one at a time). Default 500. */
  maxPollRecords: number;
  /** Default 30 000. */
  sessionTimeoutMs: number;
  /** Default 3 000. */
  heartbeatIntervalMs: number;
}

/**
 * Kafka connection settings of an {@link EnhancedEventBus}.
 *
 * @example
 * ```ts
 * const config = new KafkaConfig({ bootstrapServers: ['127.0.0.1:9092'], consumerGroupId: 'users' });
 * ```
 */
export class KafkaConfig implements KafkaConfigFields {
  bootstrapServers: string[] = ['localhost:9092'];
  securityProtocol: SecurityProtocol = 'PLAINTEXT';
  saslMechanism: string | null = null;
  saslPlainUsername: string | null = null;
  saslPlainPassword: string | null = null;
  consumerGroupId = 'marty-enhanced-event-bus';
  autoOffsetReset: 'latest' | 'earliest' = 'latest';
  enableAutoCommit = true;
  maxPollRecords = 500;
  sessionTimeoutMs = 30_000;
  heartbeatIntervalMs = 3_000;

  /** Every field is optional, with the Python default. */
  constructor(fields: Partial<KafkaConfigFields> = {}) {
    Object.assign(this, fields);
  }
}

/** The `@bus/kafka` options of a config (without the binding and topic naming, which the bus adds). */
export function kafkaOptionsOf(config: KafkaConfigFields): KafkaOptions {
  const protocol = config.securityProtocol;
  const sasl =
    protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL'
      ? ({
          mechanism: config.saslMechanism ?? 'PLAIN',
          username: config.saslPlainUsername ?? undefined,
          password: config.saslPlainPassword ?? undefined,
        } as NonNullable<KafkaOptions['sasl']>)
      : undefined;
  return {
    brokers: config.bootstrapServers,
    groupId: config.consumerGroupId,
    clientId: config.consumerGroupId,
    startFrom: config.autoOffsetReset,
    sessionTimeoutMs: config.sessionTimeoutMs,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    ...(protocol === 'SSL' || protocol === 'SASL_SSL' ? { tls: {} } : {}),
    ...(sasl === undefined ? {} : { sasl }),
  };
}
