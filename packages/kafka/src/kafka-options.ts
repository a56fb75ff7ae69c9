/**
 * The options of the Kafka transport, their defaults, and the checks that turn
 * a bad option into a `BusError` at construction instead of a failure at start.
 */
import { BusError } from '@bus/core';
import type { ConnectionOptions, SASLOptions } from '@platformatic/kafka';
import type { EnsureTopicsOptions } from './admin.js';
import type { CloudEventsMode } from './cloudevents-binding.js';
import { cloudEventsBinding, type KafkaBinding } from './record-binding.js';
import { defaultTopicFor, type TopicMapper } from './topic-mapping.js';

/**
 * A producer compression codec.
 *
 * @example
 * ```ts
 * const compression: KafkaCompression = 'zstd';
 * ```
 */
export type KafkaCompression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/**
 * Where a consumer group with no committed offset for a partition starts
 * reading it: the oldest record kept, or the end (only what comes next).
 *
 * @example
 * ```ts
 * kafka({ brokers, groupId: 'dashboard', startFrom: 'latest' satisfies StartFrom });
 * ```
 */
export type StartFrom = 'earliest' | 'latest';

/**
 * Options of {@link kafka} and {@link kafkaTransport}. Only `brokers` and
 * `groupId` are required.
 *
 * @example
 * ```ts
 * const options: KafkaOptions = {
 *   brokers: ['127.0.0.1:9092'],
 *   clientId: 'billing',
 *   groupId: 'billing',
 *   ensureTopics: { partitions: 6, replicationFactor: 3 },
 *   compression: 'zstd',
 * };
 * ```
 */
export interface KafkaOptions {
  /** Bootstrap brokers, `host:port`: an array or a comma-separated string. */
  readonly brokers: string | readonly string[];
  /** The client id the broker sees (suffixed `-producer`, `-admin`, `-consumer`). Default `'bus'`. */
  readonly clientId?: string;
  /**
   * The service's consumer group prefix. A subscription without a `group`
   * joins the group `<groupId>.<pattern>` (`<groupId>.<pattern>.<n>` for the
   * n-th subscription of one pattern on one bus), so two instances of a
   * service with the same `groupId` share the work of each subscription, and
   * each subscription still receives every event. A subscription's `group`
   * is used as the Kafka group id as it is.
   */
  readonly groupId: string;
  /** Maps an event type (or an exact subscription pattern) to its topic. Default: the type itself. */
  readonly topicFor?: TopicMapper;
  /**
   * The event type a topic holds: the inverse of `topicFor`, used to decide
   * which existing topics a wildcard subscription reads (a topic is read when
   * the subscription's pattern matches its type). Return `undefined` for a
   * topic no wildcard subscription should read. Default: the topic name itself,
   * the inverse of the default `topicFor`; with another `topicFor` and no
   * `typeOfTopic`, wildcards are matched against topic names as if they were types.
   */
  readonly typeOfTopic?: (topic: string) => string | undefined;
  /** The CloudEvents content mode of produced records. Default `'binary'`; both modes are read. */
  readonly mode?: CloudEventsMode;
  /**
   * How events are laid out in records and read back. Default
   * `cloudEventsBinding(mode)`; `plainValueBinding()` sends the data alone (no
   * headers) and reads records without headers.
   */
  readonly binding?: KafkaBinding;
  /**
   * Creates missing topics on first use (and `types` at start). Default `{}`:
   * create with the broker's default partitions and replication. `false`: use
   * existing topics only (subscribing to a missing one fails).
   */
  readonly ensureTopics?: EnsureTopicsOptions | false;

  /** Producer compression. Default `'none'`. */
  readonly compression?: KafkaCompression;
  /** How long a lone publish waits for others to share its produce request, in ms. Default 0 (the end of the tick). */
  readonly lingerMs?: number;
  /** Most records per produce request (one `publishBatch` is never split). Default 1000. */
  readonly batchSize?: number;

  /** Where a group with no committed offset starts reading a partition. Default `'earliest'`. */
  readonly startFrom?: StartFrom;
  /**
   * How often wildcard subscriptions list the broker's topics to find new (or
   * deleted) matching topics, in ms. Default 5 000. A topic this transport
   * sends to for the first time is looked for at once, without waiting.
   */
  readonly topicRefreshMs?: number;
  /** Records a subscription holds unfinished before it pauses fetching (backpressure); resumes at half. Default 1000. */
  readonly maxInFlight?: number;
  /**
   * Wait before redelivering a record whose delivery failed, in ms, by
   * redelivery (1 = after the first failure). Default 100 ms doubling up to
   * 5 s. A failed record is redelivered until it is handled: the retry budget
   * and the dead letters are `@bus/resilience`'s (its dead-lettering acks the
   * record), so install it on any bus whose handlers can fail for good.
   */
  readonly redeliveryDelayMs?: number | ((attempt: number) => number);
  /** The group session timeout: a member silent for this long is replaced. Default 30 000 ms. */
  readonly sessionTimeoutMs?: number;
  /** How often members heartbeat, which is also how soon they notice a rebalance. Default 1 000 ms. */
  readonly heartbeatIntervalMs?: number;
  /** How long a rebalance waits for members to rejoin. Default: `sessionTimeoutMs`. */
  readonly rebalanceTimeoutMs?: number;
  /** How long a fetch waits for records before answering empty. Default 500 ms. */
  readonly maxWaitTimeMs?: number;
  /** How long unsubscribe and stop wait for handlers in flight before closing without committing them. Default 30 000 ms. */
  readonly closeTimeoutMs?: number;

  /** SASL authentication, passed to the client as it is. */
  readonly sasl?: SASLOptions;
  /** TLS options (Node's `tls.connect` options), passed to the client; `true`-ish object enables TLS. */
  readonly tls?: ConnectionOptions['tls'];
  /** TCP connect timeout, in ms. Default 5 000. */
  readonly connectTimeoutMs?: number;
  /** Request timeout, in ms. Default 5 000 (a fetch adds `maxWaitTimeMs`). */
  readonly requestTimeoutMs?: number;
  /** Retries of a failed send (1 s apart by default): 30 by default, riding out a broker restart. Other requests retry 3 times. */
  readonly retries?: number;
  /** Wait between retries, in ms. Default 1 000. */
  readonly retryDelayMs?: number;
}

/** The options with every default applied. */
export interface ResolvedKafkaOptions {
  readonly brokers: string[];
  readonly clientId: string;
  readonly groupId: string;
  readonly topicFor: TopicMapper;
  readonly typeOfTopic: (topic: string) => string | undefined;
  readonly mode: CloudEventsMode;
  readonly binding: KafkaBinding;
  readonly ensureTopics: EnsureTopicsOptions | false;
  readonly compression: KafkaCompression;
  readonly lingerMs: number;
  readonly batchSize: number;
  readonly startFrom: StartFrom;
  readonly topicRefreshMs: number;
  readonly maxInFlight: number;
  readonly redeliveryDelayMs: (attempt: number) => number;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly maxWaitTimeMs: number;
  readonly closeTimeoutMs: number;
  readonly sasl: SASLOptions | undefined;
  readonly tls: ConnectionOptions['tls'] | undefined;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly sendRetries: number;
  readonly retries: number;
  readonly retryDelayMs: number;
}

const COMPRESSIONS: readonly KafkaCompression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/** Checks `options` and fills in the defaults; a bad option is a `PLUGIN_INVALID` that names it. */
export function resolveKafkaOptions(options: KafkaOptions): ResolvedKafkaOptions {
  if (typeof options !== 'object' || options === null) invalid('kafka(options) needs an options object with `brokers` and `groupId`.');
  const brokers = (typeof options.brokers === 'string' ? options.brokers.split(',') : [...(options.brokers ?? [])])
    .map((broker) => (typeof broker === 'string' ? broker.trim() : ''))
    .filter((broker) => broker.length > 0);
  if (brokers.length === 0) invalid("kafka({ brokers }) needs at least one 'host:port' (e.g. process.env.BUS_KAFKA_BROKERS).");
  for (const broker of brokers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(broker) && !/^\[[0-9a-fA-F:.]+\]:\d{1,5}$/.test(broker)) {
      invalid(`kafka({ brokers }): '${broker}' is not 'host:port'.`);
    }
  }
  if (typeof options.groupId !== 'string' || !/^\S+$/.test(options.groupId)) {
    invalid('kafka({ groupId }) must be a non-empty string without spaces: the consumer group prefix of this service.');
  }
  const clientId = options.clientId ?? 'bus';
  if (typeof clientId !== 'string' || !/^\S+$/.test(clientId)) invalid('kafka({ clientId }) must be a non-empty string without spaces.');
  if (options.topicFor !== undefined && typeof options.topicFor !== 'function') invalid('kafka({ topicFor }) must be a function.');
  if (options.typeOfTopic !== undefined && typeof options.typeOfTopic !== 'function') {
    invalid('kafka({ typeOfTopic }) must be a function of the topic name, returning the event type or undefined.');
  }
  const mode = options.mode ?? 'binary';
  if (mode !== 'binary' && mode !== 'structured') invalid("kafka({ mode }) is 'binary' or 'structured'.");
  const binding = options.binding ?? cloudEventsBinding(mode);
  if (typeof binding !== 'object' || binding === null || typeof binding.encode !== 'function' || typeof binding.decode !== 'function') {
    invalid('kafka({ binding }) is cloudEventsBinding(mode), plainValueBinding(), or an object with encode and decode.');
  }
  const compression = options.compression ?? 'none';
  if (!COMPRESSIONS.includes(compression)) invalid(`kafka({ compression }) is one of ${COMPRESSIONS.join(', ')}.`);
  const startFrom = options.startFrom ?? 'earliest';
  if (startFrom !== 'earliest' && startFrom !== 'latest') invalid("kafka({ startFrom }) is 'earliest' or 'latest'.");
  const sessionTimeoutMs = positive(options.sessionTimeoutMs, 'sessionTimeoutMs') ?? 30_000;
  const heartbeatIntervalMs = positive(options.heartbeatIntervalMs, 'heartbeatIntervalMs') ?? Math.min(1_000, sessionTimeoutMs / 3);
  const rebalanceTimeoutMs = positive(options.rebalanceTimeoutMs, 'rebalanceTimeoutMs') ?? sessionTimeoutMs;
  if (heartbeatIntervalMs > sessionTimeoutMs || rebalanceTimeoutMs < sessionTimeoutMs) {
    invalid('kafka(): heartbeatIntervalMs must not exceed sessionTimeoutMs, and rebalanceTimeoutMs must be at least sessionTimeoutMs.');
  }
  const ensureTopics = options.ensureTopics ?? {};
  if (ensureTopics !== false && (typeof ensureTopics !== 'object' || ensureTopics === null)) {
    invalid('kafka({ ensureTopics }) is false or { partitions, replicationFactor, configs, types }.');
  }
  for (const removed of ['maxDeliveries', 'deadLetterTopic'] as const) {
    if (removed in options) {
      invalid(
        `kafka({ ${removed} }) is gone: retries and dead letters are @bus/resilience's, on every transport — use resilience({ retry: { maxAttempts } }) (its dead letters go to '<type>.dlq' on Kafka), and resilience({ deadLetter: false }) to keep none.`,
      );
    }
  }
  const retries = nonNegative(options.retries, 'retries');
  return {
    brokers,
    clientId,
    groupId: options.groupId,
    topicFor: options.topicFor ?? defaultTopicFor,
    typeOfTopic: options.typeOfTopic ?? defaultTopicFor,
    mode,
    binding,
    ensureTopics,
    compression,
    lingerMs: nonNegative(options.lingerMs, 'lingerMs') ?? 0,
    batchSize: positive(options.batchSize, 'batchSize') ?? 1000,
    startFrom,
    topicRefreshMs: positive(options.topicRefreshMs, 'topicRefreshMs') ?? 5_000,
    maxInFlight: positive(options.maxInFlight, 'maxInFlight') ?? 1000,
    redeliveryDelayMs: redeliveryDelay(options.redeliveryDelayMs),
    sessionTimeoutMs,
    heartbeatIntervalMs,
    rebalanceTimeoutMs,
    maxWaitTimeMs: nonNegative(options.maxWaitTimeMs, 'maxWaitTimeMs') ?? 500,
    closeTimeoutMs: nonNegative(options.closeTimeoutMs, 'closeTimeoutMs') ?? 30_000,
    sasl: options.sasl,
    tls: options.tls,
    connectTimeoutMs: positive(options.connectTimeoutMs, 'connectTimeoutMs') ?? 5_000,
    requestTimeoutMs: positive(options.requestTimeoutMs, 'requestTimeoutMs') ?? 5_000,
    sendRetries: retries ?? 30,
    retries: retries ?? 3,
    retryDelayMs: nonNegative(options.retryDelayMs, 'retryDelayMs') ?? 1_000,
  };
}

function redeliveryDelay(option: KafkaOptions['redeliveryDelayMs']): (attempt: number) => number {
  if (option === undefined) return (attempt) => Math.min(100 * 2 ** (attempt - 1), 5_000);
  if (typeof option === 'function') return option;
  const fixed = nonNegative(option, 'redeliveryDelayMs') ?? 0;
  return () => fixed;
}

function positive(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) invalid(`kafka({ ${name} }) must be a positive number.`);
  return value;
}

function nonNegative(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) invalid(`kafka({ ${name} }) must be a number >= 0.`);
  return value;
}

function invalid(message: string): never {
  throw new BusError('PLUGIN_INVALID', message);
}
