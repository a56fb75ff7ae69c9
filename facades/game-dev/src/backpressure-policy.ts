/** The legacy `BackpressurePolicy` enum, as frozen string constants. */

/**
 * What the game-dev `EventBus` does under backpressure. The legacy values are
 * kept, quirks included: with a `queueSize` set, `REJECT` refuses every
 * publish (the legacy bus had no queue to fill) and `DROP_OLDEST` never refuses.
 *
 * @example
 * ```ts
 * const bus = new EventBus({ queueSize: 100, backpressure: BackpressurePolicy.DROP_OLDEST });
 * ```
 */
export const BackpressurePolicy = Object.freeze({
  /** Refuse publishes with `EventBusError` (`BACKPRESSURE_REJECTED`). */
  REJECT: 'reject',
  /** Never refuse. */
  DROP_OLDEST: 'drop_oldest',
} as const);

/**
 * One of the {@link BackpressurePolicy} values: `'reject'` or `'drop_oldest'`.
 *
 * @example
 * ```ts
 * const policy: BackpressurePolicy = BackpressurePolicy.REJECT;
 * ```
 */
export type BackpressurePolicy = (typeof BackpressurePolicy)[keyof typeof BackpressurePolicy];

const POLICIES: readonly unknown[] = Object.values(BackpressurePolicy);

/** Whether `value` is one of the {@link BackpressurePolicy} values. */
export function isBackpressurePolicy(value: unknown): value is BackpressurePolicy {
  return POLICIES.includes(value);
}
