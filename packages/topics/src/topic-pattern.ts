/**
 * What a topic pattern is: dot-separated words, where `*` stands for exactly
 * one word and `#` for zero or more. Checked once, when a pattern is added,
 * so matching never has to.
 */
import { BusError } from '@bus/core';

/** Separates the words of a type or pattern. */
export const WORD_SEPARATOR = '.';
/** In a pattern, matches exactly one word. */
export const ONE_WORD = '*';
/** In a pattern, matches zero or more words. */
export const ANY_WORDS = '#';

/**
 * Splits `pattern` into its words, or throws `INVALID_SUBSCRIPTION` when it is
 * not a valid pattern: a non-empty string of non-empty words, where `*` and
 * `#` appear only as whole words (`orders.*`, never `orders.ab*`). Empty words
 * (`a..b`, `.a`, `a.`) are refused because no pattern could mean them
 * unambiguously; event types may still contain them (see {@link matchTopic}).
 *
 * @example
 * ```ts
 * parsePattern('orders.*.created'); // ['orders', '*', 'created']
 * parsePattern('orders..created'); // throws BusError INVALID_SUBSCRIPTION
 * ```
 */
export function parsePattern(pattern: string): string[] {
  if (typeof pattern !== 'string' || pattern.length === 0) {
    throw new BusError('INVALID_SUBSCRIPTION', `A topic pattern must be a non-empty string, got ${describe(pattern)}.`);
  }
  const words = pattern.split(WORD_SEPARATOR);
  for (const word of words) {
    if (word.length === 0) {
      throw new BusError(
        'INVALID_SUBSCRIPTION',
        `Topic pattern '${pattern}' has an empty word: words are separated by single dots, with none at either end.`,
      );
    }
    if (word !== ONE_WORD && word !== ANY_WORDS && (word.includes(ONE_WORD) || word.includes(ANY_WORDS))) {
      throw new BusError(
        'INVALID_SUBSCRIPTION',
        `Topic pattern '${pattern}' uses a wildcard inside the word '${word}': '*' and '#' must be whole words.`,
      );
    }
  }
  return words;
}

/**
 * Whether `pattern` is a valid topic pattern (see {@link parsePattern}).
 *
 * @example
 * ```ts
 * isTopicPattern('audit.#'); // true
 * isTopicPattern('audit.#x'); // false
 * ```
 */
export function isTopicPattern(pattern: unknown): pattern is string {
  try {
    parsePattern(pattern as string);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a valid pattern contains a wildcard word. Patterns without one match
 * exactly one type: themselves.
 *
 * @example
 * ```ts
 * hasWildcard('orders.*'); // true
 * hasWildcard('orders.created'); // false
 * ```
 */
export function hasWildcard(pattern: string): boolean {
  return pattern.includes(ONE_WORD) || pattern.includes(ANY_WORDS);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return 'an empty string';
  return value === null ? 'null' : typeof value;
}

/**
 * The pattern cut after its first `#`: what a matcher that stops at `#`
 * (taking the rest of the topic, zero words included, and ignoring any words
 * after it) matches, as an AMQP pattern. Many hand-written and legacy
 * matchers work that way, so `a.#.b` matched `a.x` there; here it would need
 * a final `b`. Throws `INVALID_SUBSCRIPTION` for a pattern {@link parsePattern}
 * refuses.
 *
 * @example
 * ```ts
 * patternEndingAtHash('zone.#.player'); // 'zone.#'
 * patternEndingAtHash('zone.*.player'); // 'zone.*.player'
 * ```
 */
export function patternEndingAtHash(pattern: string): string {
  const words = parsePattern(pattern);
  const hash = words.indexOf(ANY_WORDS);
  return hash === -1 || hash === words.length - 1 ? pattern : words.slice(0, hash + 1).join(WORD_SEPARATOR);
}
