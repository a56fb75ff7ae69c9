/**
 * Retention: time-to-live rules that purge old events, per type or stream
 * (the Ares `event_ttl_days`), applied on demand or on a timer by the plugin.
 */
import type { EventStore } from './event-store.js';

/**
 * Events older than `maxAgeMs` (by the time they were stored) are removed;
 * `types` and `streams` narrow the rule (both given: events matching both).
 *
 * @example
 * ```ts
 * const rules: RetentionRule[] = [
 *   { maxAgeMs: 7 * 86_400_000, types: ['market.tick'] }, // ticks for a week
 *   { maxAgeMs: 365 * 86_400_000 }, // everything else for a year
 * ];
 * ```
 */
export interface RetentionRule {
  /** The age, in ms, after which an event is removed. */
  readonly maxAgeMs: number;
  /** Only events of these exact types. */
  readonly types?: readonly string[];
  /** Only events of these streams. */
  readonly streams?: readonly string[];
}

/**
 * Applies each rule once, in order; returns how many events were removed.
 * `store.applyRetention(rules)` calls this.
 *
 * @example
 * ```ts
 * const removed = await applyRetention(store, [{ maxAgeMs: 30 * 86_400_000 }]);
 * ```
 */
export async function applyRetention(store: EventStore, rules: readonly RetentionRule[]): Promise<number> {
  let removed = 0;
  for (const rule of rules) {
    removed += await store.purge({
      olderThanMs: rule.maxAgeMs,
      ...(rule.types !== undefined ? { types: rule.types } : {}),
      ...(rule.streams !== undefined ? { streams: rule.streams } : {}),
    });
  }
  return removed;
}
