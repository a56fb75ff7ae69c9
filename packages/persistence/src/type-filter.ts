/**
 * Event type selection for reads, subscriptions and the `store()` plugin:
 * exact types, AMQP-style patterns (`*` one dot-separated word, `#` zero or
 * more, as `@bus/topics` routes), or a predicate.
 */
import { BusError, type EventEnvelope } from '@bus/core';

/**
 * Which events: a list of exact types or patterns, or a predicate.
 *
 * @example
 * ```ts
 * const audited: TypeSelector = ['orders.#', 'payments.*.failed'];
 * const large: TypeSelector = (event) => (event.data as { total: number }).total > 1000;
 * ```
 */
export type TypeSelector = readonly string[] | ((event: EventEnvelope) => boolean);

/** A compiled selector, and the exact types a backend may filter by itself. */
export interface CompiledTypeFilter {
  /** Whether `type` (and the event) is selected. */
  readonly matches: (event: EventEnvelope) => boolean;
  /** Set when the selector is a list of exact types only: the backend filters by them. */
  readonly exactTypes: readonly string[] | undefined;
}

const ALL: CompiledTypeFilter = { matches: () => true, exactTypes: undefined };

/** Compiles a selector once; `undefined` selects every event. */
export function compileTypeFilter(selector: TypeSelector | undefined): CompiledTypeFilter {
  if (selector === undefined) return ALL;
  if (typeof selector === 'function') return { matches: selector, exactTypes: undefined };
  if (!Array.isArray(selector) || selector.some((type) => typeof type !== 'string' || type.length === 0)) {
    throw new BusError('INVALID_SUBSCRIPTION', 'types must be a list of non-empty type strings or patterns, or a predicate.');
  }
  const exact = new Set<string>();
  const patterns: string[][] = [];
  for (const type of selector as readonly string[]) {
    const words = type.split('.');
    if (words.some((word) => word === '*' || word === '#')) patterns.push(words);
    else exact.add(type);
  }
  if (patterns.length === 0) return { matches: (event) => exact.has(event.type), exactTypes: [...exact] };
  return {
    matches: (event) => exact.has(event.type) || patterns.some((pattern) => matchWords(pattern, 0, event.type.split('.'), 0)),
    exactTypes: undefined,
  };
}

/**
 * Whether `type` matches `pattern` (`*` one word, `#` zero or more words).
 *
 * @example
 * ```ts
 * matchesType('orders.#', 'orders.eu.created'); // true
 * matchesType('orders.*', 'orders.eu.created'); // false
 * ```
 */
export function matchesType(pattern: string, type: string): boolean {
  return matchWords(pattern.split('.'), 0, type.split('.'), 0);
}

function matchWords(pattern: readonly string[], p: number, words: readonly string[], w: number): boolean {
  if (p === pattern.length) return w === words.length;
  const word = pattern[p];
  if (word === '#') {
    for (let skip = w; skip <= words.length; skip++) if (matchWords(pattern, p + 1, words, skip)) return true;
    return false;
  }
  return w < words.length && (word === '*' || word === words[w]) && matchWords(pattern, p + 1, words, w + 1);
}
