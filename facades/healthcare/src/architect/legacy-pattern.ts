/**
 * The legacy wildcard rule, on top of @bus/topics. Both match `*` to exactly
 * one word and `#` to zero or more; but the legacy matcher stopped at the first
 * `#` and accepted whatever followed, so `lab.#.critical` matched `lab.glucose`.
 * Cutting the pattern after its first `#` gives @bus/topics exactly that rule.
 */
import { parsePattern } from '@bus/topics';

/**
 * The @bus/topics pattern that matches what `pattern` matched in the legacy bus:
 * the same words up to and including the first `#`. Throws `INVALID_SUBSCRIPTION`
 * for patterns @bus/topics refuses (empty words, wildcards inside a word).
 */
export function legacyPattern(pattern: string): string {
  const words = parsePattern(pattern);
  const rest = words.indexOf('#');
  return rest === -1 ? pattern : words.slice(0, rest + 1).join('.');
}
