/**
 * The reference semantics of topic matching, written to be obviously right
 * rather than fast: {@link TopicTrie} is tested against it.
 */
import { ANY_WORDS, ONE_WORD, parsePattern, WORD_SEPARATOR } from './topic-pattern.js';

/**
 * Whether the event type `topic` matches `pattern`, AMQP topic style: words
 * are separated by dots, `*` matches exactly one word, `#` matches zero or
 * more words, and any other word matches only itself. So `a.#` matches `a`,
 * `#` matches every type, and `a.#.b` matches `a.b`.
 *
 * The type's words are taken literally: a `*` in a type is just a word. A type
 * may contain empty words (`a..b` has three words, the middle one empty): `*`
 * and `#` match them like any other word, and no literal pattern word can.
 * Throws `INVALID_SUBSCRIPTION` for an invalid pattern (see {@link parsePattern}).
 *
 * @example
 * ```ts
 * matchTopic('orders.*.created', 'orders.eu.created'); // true
 * matchTopic('orders.*', 'orders.eu.created'); // false
 * matchTopic('audit.#', 'audit'); // true
 * ```
 */
export function matchTopic(pattern: string, topic: string): boolean {
  const patternWords = parsePattern(pattern);
  const words = topic.split(WORD_SEPARATOR);
  // Every position in `words` reachable after matching the pattern so far.
  let reachable = new Set([0]);
  for (const patternWord of patternWords) {
    const next = new Set<number>();
    for (const position of reachable) {
      if (patternWord === ANY_WORDS) {
        for (let end = position; end <= words.length; end++) next.add(end);
      } else if (position < words.length && (patternWord === ONE_WORD || patternWord === words[position])) {
        next.add(position + 1);
      }
    }
    reachable = next;
  }
  return reachable.has(words.length);
}
