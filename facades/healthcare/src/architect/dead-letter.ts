/** The entries of the healthcare architect's dead-letter queue. */
import type { BusError } from '@bus/core';
import type { Event } from './event.js';

/**
 * Why an event went to the dead-letter queue:
 * - `'missing_payload'`: it was published with a `null` or `undefined` payload;
 * - `'handler_exception'`: a handler (or deliver middleware) failed it;
 * - `'encryption_failed'`: the crypto module threw, so the event was not queued
 *   nor delivered (the legacy bus delivered it in plaintext: see the README).
 *
 * @example
 * ```ts
 * const reasons: DeadLetterReason[] = hospital.deadLetterQueue.map((letter) => letter.reason);
 * ```
 */
export type DeadLetterReason = 'missing_payload' | 'handler_exception' | 'encryption_failed';

/**
 * A dead-letter queue entry, the legacy `{'event': ..., 'reason': ...}` dict.
 *
 * @example
 * ```ts
 * for (const { event, reason, error } of hospital.deadLetterQueue) console.warn(event.id, reason, error?.code);
 * ```
 */
export interface DeadLetter {
  /** The event. */
  readonly event: Event;
  /** Why it is here. */
  readonly reason: DeadLetterReason;
  /** The failure, for `'handler_exception'` and `'encryption_failed'` (not in the legacy entries). */
  readonly error?: BusError;
}
