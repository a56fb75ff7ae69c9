/**
 * `kafka(options)`: the plugin that makes Kafka the bus's transport, and adds
 * `bus.kafka` for the few things only a Kafka transport can do.
 */
import { definePlugin, type Plugin } from '@bus/core';
import { type KafkaOptions, resolveKafkaOptions } from './kafka-options.js';
import { type KafkaTransport, kafkaTransport } from './kafka-transport.js';

/**
 * What {@link kafka} adds to the bus.
 *
 * @example
 * ```ts
 * const bus = createBus().use(json()).use(kafka({ brokers, groupId: 'billing' }));
 * await bus.start();
 * await bus.kafka.settled();
 * ```
 */
export interface KafkaExtension {
  /**
   * Kafka controls: the topic of a type, creating and deleting topics, waiting for consumer groups
   * to settle, subscription stats, and looking for new topics for wildcard subscriptions now.
   */
  readonly kafka: Pick<KafkaTransport, 'topicFor' | 'ensureTopics' | 'deleteTopics' | 'settled' | 'stats' | 'refreshTopics'>;
}

/**
 * Makes Kafka the bus's transport: events are produced by an idempotent
 * `acks=all` producer as CloudEvents (binary mode by default) to the topic of
 * their type, keyed by `partitionkey` (else `subject`); each subscription is a
 * consumer group member that commits a record only after its handler
 * finished, redelivers failures, and dead-letters what keeps failing. With
 * `@bus/topics` as the bus's router, a wildcard pattern (`orders.*.created`)
 * reads every existing topic it matches, and picks up new ones as they
 * appear (`topicRefreshMs`). Data must be bytes when sent: use a serialization plugin.
 *
 * @param options - brokers, the consumer group prefix, and tuning; see {@link KafkaOptions}.
 * @example
 * ```ts
 * import { createBus } from '@bus/core';
 * import { kafka } from '@bus/kafka';
 * import { serialization } from '@bus/serialization';
 *
 * const bus = createBus({ source: 'billing' })
 *   .use(serialization())
 *   .use(kafka({ brokers: process.env.BUS_KAFKA_BROKERS ?? '127.0.0.1:9092', groupId: 'billing' }));
 * bus.subscribe('orders.created', async (event) => invoice(event.data), { group: 'billing' });
 * await bus.start();
 * ```
 */
export function kafka(options: KafkaOptions): Plugin<KafkaExtension> {
  resolveKafkaOptions(options); // bad options fail here, not at use()
  return definePlugin({
    name: 'kafka',
    setup(kernel) {
      const transport = kafkaTransport(options);
      kernel.setTransport(transport);
      return {
        kafka: {
          topicFor: (type: string) => transport.topicFor(type),
          ensureTopics: (types: readonly string[]) => transport.ensureTopics(types),
          deleteTopics: (types: readonly string[]) => transport.deleteTopics(types),
          settled: (timeoutMs?: number) => transport.settled(timeoutMs),
          stats: () => transport.stats(),
          refreshTopics: () => transport.refreshTopics(),
        },
      };
    },
  });
}
