/**
 * The legacy backpressure policies, and how they map onto a
 * `BoundedBuffer` of @bus/backpressure.
 */
import type { BufferPolicy } from '@bus/backpressure';
import { BusError } from '@bus/core';
import { describe } from '../string-list.js';

/**
 * What a full queue does with one more event: `'drop_oldest'` evicts the oldest
 * queued event; `'reject'` drops the new one, without an error (as the legacy bus did).
 *
 * @example
 * ```ts
 * const policy: BackpressurePolicy = 'drop_oldest';
 * hospital.applyBackpressure(100, policy);
 * ```
 */
export type BackpressurePolicy = 'drop_oldest' | 'reject';

const BUFFER_POLICIES: Readonly<Record<BackpressurePolicy, BufferPolicy>> = Object.freeze({
  drop_oldest: 'drop-oldest',
  reject: 'reject',
});

/** `policy` as the `BoundedBuffer` policy it means, or a `CONFIG_INVALID` error. */
export function bufferPolicyOf(policy: unknown): BufferPolicy {
  if (typeof policy === 'string' && Object.hasOwn(BUFFER_POLICIES, policy)) return BUFFER_POLICIES[policy as BackpressurePolicy];
  throw new BusError('CONFIG_INVALID', `The backpressure policy must be 'drop_oldest' or 'reject', got ${describe(policy)}.`);
}

/** `limit` when it is a whole number ≥ 0, else a `CONFIG_INVALID` error. */
export function checkLimit(limit: unknown): number {
  if (typeof limit === 'number' && Number.isInteger(limit) && limit >= 0) return limit;
  throw new BusError('CONFIG_INVALID', `The backpressure limit must be a whole number ≥ 0, got ${describe(limit)}.`);
}
