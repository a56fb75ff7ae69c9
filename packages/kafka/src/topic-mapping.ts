/**
 * Event type → Kafka topic. By default the type is the topic: `orders.created`
 * is a legal topic name, and one topic per type keeps consumers from reading
 * records they would only skip. Names are checked against Kafka's rules
 * (https://kafka.apache.org/documentation/#topicconfigs: `[a-zA-Z0-9._-]`, at most 249).
 */
import { BusError, type BusErrorCode } from '@bus/core';

/**
 * Maps an event type (or an exact subscription pattern) to the topic its
 * records go to. Several types may share a topic: subscriptions then skip the
 * records of other types (and commit past them).
 *
 * @example
 * ```ts
 * const byAggregate: TopicMapper = (type) => type.split('.')[0] ?? type; // orders.created → orders
 * ```
 */
export type TopicMapper = (type: string) => string;

/**
 * The default {@link TopicMapper}: the event type itself.
 *
 * @example
 * ```ts
 * defaultTopicFor('orders.created'); // 'orders.created'
 * ```
 */
export const defaultTopicFor: TopicMapper = (type) => type;

const LEGAL_TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;

/**
 * Whether `topic` is a legal Kafka topic name.
 *
 * @example
 * ```ts
 * isLegalTopic('orders.created'); // true
 * isLegalTopic('orders.*');       // false: a wildcard is no topic
 * ```
 */
export function isLegalTopic(topic: unknown): topic is string {
  return typeof topic === 'string' && LEGAL_TOPIC.test(topic) && topic !== '.' && topic !== '..';
}

/**
 * A {@link TopicMapper} that checks what it returns and remembers it (the
 * mapping runs once per type, not once per event). An illegal result is a
 * `BusError` with `code`, saying which type mapped to what.
 */
export function checkedTopicMapper(topicFor: TopicMapper): (type: string, code: BusErrorCode, eventId?: string) => string {
  const cache = new Map<string, string>();
  return (type, code, eventId) => {
    const known = cache.get(type);
    if (known !== undefined) return known;
    let topic: unknown;
    try {
      topic = topicFor(type);
    } catch (error) {
      throw BusError.from(error, code, { eventId });
    }
    if (!isLegalTopic(topic)) {
      throw new BusError(
        code,
        `'${type}' maps to ${JSON.stringify(topic)}, which is not a legal Kafka topic name (letters, digits, '.', '_' and '-', at most 249). ` +
          'Give kafka({ topicFor }) that returns a legal name.',
        { eventId },
      );
    }
    if (cache.size >= 10_000) cache.clear(); // types are few in practice; this only bounds a runaway
    cache.set(type, topic);
    return topic;
  };
}
