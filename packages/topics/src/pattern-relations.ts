/**
 * Relations between two patterns, which ACLs need to judge a wildcard
 * subscription before any event arrives: does one pattern cover every type of
 * another, and could the two ever match the same type?
 */
import { ANY_WORDS, ONE_WORD, parsePattern } from './topic-pattern.js';

/**
 * Whether every type that `inner` matches is also matched by `outer`.
 * Sound, so safe for access decisions: when it says `true`, that holds. It
 * may say `false` for a few equivalent spellings that rely on types having at
 * least one word (`*.#` covers `#` on real types, but this answers `false`).
 * Throws `INVALID_SUBSCRIPTION` for an invalid pattern.
 *
 * @example
 * ```ts
 * patternCovers('orders.#', 'orders.*.created'); // true
 * patternCovers('orders.*', 'orders.#'); // false: orders.eu.created
 * ```
 */
export function patternCovers(outer: string, inner: string): boolean {
  const o = parsePattern(outer);
  const i = parsePattern(inner);
  // Read `inner` as a sequence of symbols: a literal word, `*` (any one word)
  // or `#` (any words). `outer` must consume each symbol with something at
  // least as general: a literal only by itself, `*` by `*`, `#` only by `#`.
  return memoized(i.length, (at, oi, ii) => {
    if (oi === o.length) return ii === i.length;
    const outerWord = o[oi];
    if (outerWord === ANY_WORDS) return at(oi + 1, ii) || (ii < i.length && at(oi, ii + 1));
    if (ii === i.length) return false;
    const innerWord = i[ii];
    if (outerWord === ONE_WORD) return innerWord !== ANY_WORDS && at(oi + 1, ii + 1);
    return innerWord === outerWord && at(oi + 1, ii + 1);
  });
}

/**
 * Whether some type matches both patterns. Exact. Throws
 * `INVALID_SUBSCRIPTION` for an invalid pattern.
 *
 * @example
 * ```ts
 * patternsOverlap('orders.#', '#.created'); // true: orders.created
 * patternsOverlap('orders.*', 'users.*'); // false
 * ```
 */
export function patternsOverlap(a: string, b: string): boolean {
  const x = parsePattern(a);
  const y = parsePattern(b);
  // Walk both at once: a `#` on either side may end, or absorb the other
  // side's next word (whatever it is); other words must be able to name the
  // same word (equal, or either is `*`).
  return memoized(y.length, (at, xi, yi) => {
    if (xi === x.length && yi === y.length) return true;
    const xWord = x[xi];
    const yWord = y[yi];
    if (xWord === ANY_WORDS) return at(xi + 1, yi) || (yi < y.length && at(xi, yi + 1));
    if (yWord === ANY_WORDS) return at(xi, yi + 1) || (xi < x.length && at(xi + 1, yi));
    if (xWord === undefined || yWord === undefined) return false;
    return (xWord === ONE_WORD || yWord === ONE_WORD || xWord === yWord) && at(xi + 1, yi + 1);
  });
}

type Step = (at: (i: number, j: number) => boolean, i: number, j: number) => boolean;

/** Runs `step` from (0, 0), remembering each (i, j): polynomial however many `#` the patterns hold. */
function memoized(columns: number, step: Step): boolean {
  const memo = new Map<number, boolean>();
  const at = (i: number, j: number): boolean => {
    const key = i * (columns + 1) + j;
    let result = memo.get(key);
    if (result === undefined) {
      result = step(at, i, j);
      memo.set(key, result);
    }
    return result;
  };
  return at(0, 0);
}
