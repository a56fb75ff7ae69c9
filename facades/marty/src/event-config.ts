/**
 * `EventConfig` and `EventPublisherConfig` (config.py) of the legacy
 * `EventPublisher`, with `EventConfig.fromEnv()` reading the environment
 * table of the contract; `kafkaOptionsOfEventConfig` maps them onto
 * `@bus/kafka`'s options.
 */

import type { KafkaCompression, KafkaOptions } from '@bus/kafka';
import { assignFields, type FieldsOf } from './fields.js';
import { KafkaConfig, kafkaOptionsOf, type SecurityProtocol } from './kafka-config.js';

/** The fields of {@link EventConfig}, each optional in the constructor, with the Python default. */
export type EventConfigFields = FieldsOf<EventConfig>;

/**
 * Configuration of the legacy {@link EventPublisher}.
 *
 * @example
 * ```ts
 * const config = new EventConfig({ kafkaBrokers: ['127.0.0.1:9092'], serviceName: 'users' });
 * const fromEnv = EventConfig.fromEnv(); // KAFKA_BROKERS, EVENT_TOPIC_PREFIX, SERVICE_NAME, …
 * ```
 */
export class EventConfig {
  kafkaBrokers = ['localhost:9092'];
  kafkaSecurityProtocol = 'PLAINTEXT';
  kafkaSaslMechanism: string | null = null;
  kafkaSaslUsername: string | null = null;
  kafkaSaslPassword: string | null = null;
  topicPrefix = 'mmf';
  auditTopic = 'audit.events';
  notificationTopic = 'notification.events';
  /** Keeps its `{service}`, `{aggregate}` and `{event_type}` placeholders. */
  domainTopicPattern = '{service}.{aggregate}.{event_type}';
  producerAcks = 'all';
  producerRetries = 3;
  producerTimeoutMs = 30_000;
  producerBatchSize = 16_384;
  producerLingerMs = 10;
  producerCompressionType = 'snappy';
  useOutboxPattern = true;
  outboxTableName = 'event_outbox';
  outboxPollIntervalSeconds = 30;
  outboxBatchSize = 100;
  serviceName = 'unknown';
  serviceVersion = '1.0.0';
  enableTracing = true;
  enableMetrics = true;
  deadLetterTopic = 'dead.letter.queue';

  /** Every field is optional, with the Python default. */
  constructor(fields: EventConfigFields = {}) {
    assignFields(this, fields);
  }

  /**
   * A config from the environment: `KAFKA_BROKERS` (comma-separated), `KAFKA_SECURITY_PROTOCOL`,
   * `KAFKA_SASL_MECHANISM`, `KAFKA_SASL_USERNAME`, `KAFKA_SASL_PASSWORD`, `EVENT_TOPIC_PREFIX`, `SERVICE_NAME`,
   * `SERVICE_VERSION`, `USE_OUTBOX_PATTERN`, `ENABLE_EVENT_TRACING`, `ENABLE_EVENT_METRICS`. A boolean is true only
   * if its lowercased value is `"true"`.
   */
  static fromEnv(env: Readonly<Record<string, string | undefined>> = process.env): EventConfig {
    const flag = (name: string) => (env[name] ?? 'true').toLowerCase() === 'true';
    return new this({
      kafkaBrokers: (env.KAFKA_BROKERS ?? 'localhost:9092').split(',').map((broker) => broker.trim()),
      kafkaSecurityProtocol: env.KAFKA_SECURITY_PROTOCOL ?? 'PLAINTEXT',
      kafkaSaslMechanism: env.KAFKA_SASL_MECHANISM ?? null,
      kafkaSaslUsername: env.KAFKA_SASL_USERNAME ?? null,
      kafkaSaslPassword: env.KAFKA_SASL_PASSWORD ?? null,
      topicPrefix: env.EVENT_TOPIC_PREFIX ?? 'mmf',
      serviceName: env.SERVICE_NAME ?? 'unknown',
      serviceVersion: env.SERVICE_VERSION ?? '1.0.0',
      useOutboxPattern: flag('USE_OUTBOX_PATTERN'),
      enableTracing: flag('ENABLE_EVENT_TRACING'),
      enableMetrics: flag('ENABLE_EVENT_METRICS'),
    });
  }
}

/**
 * The pydantic twin of {@link EventConfig}: the same fields. Its `env_prefix` never took effect in Python, so it
 * reads no environment here either; use `EventConfig.fromEnv()`.
 *
 * @example
 * ```ts
 * const config = new EventPublisherConfig({ serviceName: 'users', topicPrefix: 'acme' });
 * ```
 */
export class EventPublisherConfig extends EventConfig {}

const COMPRESSIONS: readonly string[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/** The `@bus/kafka` options of an {@link EventConfig}: its brokers, TLS/SASL, retries, timeout, linger and compression. */
export function kafkaOptionsOfEventConfig(config: EventConfig): KafkaOptions {
  const kafka = new KafkaConfig({
    bootstrapServers: config.kafkaBrokers,
    securityProtocol: config.kafkaSecurityProtocol.toUpperCase() as SecurityProtocol,
    saslMechanism: config.kafkaSaslMechanism,
    saslPlainUsername: config.kafkaSaslUsername,
    saslPlainPassword: config.kafkaSaslPassword,
    consumerGroupId: config.serviceName,
  });
  const compression = (COMPRESSIONS.includes(config.producerCompressionType) ? config.producerCompressionType : 'none') as KafkaCompression;
  const producer = { retries: config.producerRetries, requestTimeoutMs: config.producerTimeoutMs, lingerMs: config.producerLingerMs };
  return { ...kafkaOptionsOf(kafka), ...producer, compression };
}
