/**
 * Wildcard subscriptions on Kafka: whether a pattern is a wildcard for the
 * bus's router, and which existing topics a wildcard subscription reads.
 * Matching is the router's own (the transport never imports `@bus/topics`):
 * a topic is read when the router matches its event type against the pattern.
 */
import type { RouterFactory } from '@bus/core';

/** The words that are wildcards in `@bus/topics` patterns: `*` (one word) and `#` (zero or more). */
const WILDCARD_WORDS: ReadonlySet<string> = new Set(['*', '#']);

/** Stands in for a wildcard word when probing a router: any word would do, as long as it is not `*` or `#`. */
const PROBE_WORD = 'bus-wildcard-probe';

/**
 * Whether `pattern` has `*` or `#` as a whole word (`orders.*.created`, `audit.#`).
 *
 * @example
 * ```ts
 * hasWildcardWords('orders.*'); // true
 * hasWildcardWords('orders.created'); // false
 * ```
 */
export function hasWildcardWords(pattern: string): boolean {
  return pattern.split('.').some((word) => WILDCARD_WORDS.has(word));
}

/**
 * Whether `pattern` is a wildcard for routers made by `createRouter`: it has
 * `*` or `#` words, and the router matches the pattern with those words
 * replaced by a plain one (`orders.*` against `orders.bus-wildcard-probe`).
 * The default exact router does not, so there `orders.*` is a literal type;
 * the `@bus/topics` trie does.
 *
 * @example
 * ```ts
 * isWildcardPattern('orders.*', exactRouter); // false: a literal type
 * isWildcardPattern('orders.*', () => new TopicTrie()); // true
 * ```
 */
export function isWildcardPattern(pattern: string, createRouter: RouterFactory): boolean {
  const words = pattern.split('.');
  if (!words.some((word) => WILDCARD_WORDS.has(word))) return false;
  const router = createRouter<true>();
  router.add(pattern, true);
  const probe = words.map((word) => (WILDCARD_WORDS.has(word) ? PROBE_WORD : word)).join('.');
  return router.match(probe).length > 0;
}

/**
 * The topics of `listed` a wildcard subscription may read: never internal
 * topics (`__consumer_offsets`, any name starting with `__`), nor dead-letter
 * topics (a name ending in `.dlq`: `@bus/resilience` publishes `<type>.dlq`),
 * so `orders.#` does not read `orders.created.dlq`.
 *
 * @example
 * ```ts
 * readableTopics(['__consumer_offsets', 'orders.created', 'orders.created.dlq']); // ['orders.created']
 * ```
 */
export function readableTopics(listed: readonly string[]): string[] {
  return listed.filter((topic) => !topic.startsWith('__') && !topic.endsWith('.dlq'));
}

/**
 * The topics among `topics` whose event type (`typeOfTopic`) the subscription
 * matches, sorted. A topic whose type is `undefined` (or no string) is never matched.
 *
 * @example
 * ```ts
 * matchingTopics(['orders.eu.created', 'orders.eu.shipped'], (topic) => topic, (type) => type.endsWith('.created')); // ['orders.eu.created']
 * ```
 */
export function matchingTopics(
  topics: readonly string[],
  typeOfTopic: (topic: string) => string | undefined,
  matches: (type: string) => boolean,
): string[] {
  return topics
    .filter((topic) => {
      const type = typeOfTopic(topic);
      return typeof type === 'string' && type.length > 0 && matches(type);
    })
    .sort();
}
