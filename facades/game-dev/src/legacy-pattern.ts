/**
 * The legacy wildcard rule, translated to an `@bus/topics` pattern.
 *
 * Legacy matching stopped at the first `#`: it matched the rest of the topic,
 * zero segments included, and ignored any pattern segments after it
 * (`a.#.b` matched `a.x`). `@bus/topics` reads `#` the AMQP way (`a.#.b`
 * needs a final `b`), so the pattern is cut after its first `#`
 * (`patternEndingAtHash`); `*` and literal segments mean the same in both.
 */
import { patternEndingAtHash } from '@bus/topics';
import { EventBusError } from './event-bus-error.js';

/**
 * Returns the `@bus/topics` pattern that matches what legacy `pattern`
 * matched, or throws `EventBusError` (`INVALID_SUBSCRIPTION`) for a pattern
 * the topics router cannot hold (empty segments, `*`/`#` inside a word).
 */
export function legacyPattern(pattern: unknown): string {
  if (typeof pattern !== 'string' || pattern.length === 0) {
    throw new EventBusError('INVALID_SUBSCRIPTION', `subscribe() needs a non-empty pattern string, got ${describe(pattern)}.`);
  }
  try {
    return patternEndingAtHash(pattern);
  } catch (error) {
    throw new EventBusError('INVALID_SUBSCRIPTION', `Invalid pattern '${pattern}': ${(error as Error).message}`, { cause: error });
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return 'an empty string';
  return value === null ? 'null' : typeof value;
}
