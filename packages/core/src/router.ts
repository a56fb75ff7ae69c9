/**
 * The router contract, and the default router that matches `type` exactly.
 * `@bus/topics` swaps in a wildcard trie through `kernel.setRouter`.
 */

/**
 * Maps subscription patterns to values and finds the values whose pattern
 * matches an event type. `match` runs on the hot path: it must not allocate
 * when nothing changed, so implementations return a cached array.
 *
 * @typeParam T - what is stored per pattern (a subscription).
 * @example
 * ```ts
 * const router = exactRouter<string>();
 * router.add('orders.created', 'billing');
 * router.match('orders.created'); // ['billing']
 * ```
 */
export interface Router<T> {
  /** Stores `value` under `pattern`. Throws `INVALID_SUBSCRIPTION` for a pattern it cannot match. */
  add(pattern: string, value: T): void;
  /** Removes one `value` stored under `pattern`; returns whether it was there. */
  remove(pattern: string, value: T): boolean;
  /** Every value whose pattern matches `type`, in insertion order. Do not mutate the result. */
  match(type: string): readonly T[];
}

/**
 * Makes an empty router. Transports call it to build their routing tables, so
 * the bus's choice of router (exact or wildcard) applies to every transport.
 *
 * @example
 * ```ts
 * const factory: RouterFactory = () => exactRouter();
 * ```
 */
export type RouterFactory = <T>() => Router<T>;

const EMPTY: readonly never[] = Object.freeze([]);

/**
 * The default router: a pattern matches a type when they are equal.
 * Arrays are copied on write, so `match` never allocates.
 *
 * @example
 * ```ts
 * const router = exactRouter<() => void>();
 * router.add('game.tick', onTick);
 * for (const handler of router.match('game.tick')) handler();
 * ```
 */
export function exactRouter<T>(): Router<T> {
  const table = new Map<string, readonly T[]>();
  return {
    add(pattern, value) {
      table.set(pattern, [...(table.get(pattern) ?? EMPTY), value]);
    },
    remove(pattern, value) {
      const values = table.get(pattern);
      const index = values?.indexOf(value) ?? -1;
      if (values === undefined || index < 0) return false;
      if (values.length === 1) table.delete(pattern);
      else table.set(pattern, values.toSpliced(index, 1));
      return true;
    },
    match(type) {
      return table.get(type) ?? EMPTY;
    },
  };
}
