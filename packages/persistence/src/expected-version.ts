/**
 * Optimistic concurrency: checking an {@link ExpectedVersion} against a
 * stream's current version, and the one error a mismatch raises.
 */
import { BusError } from '@bus/core';
import type { ExpectedVersion } from './event-store.js';

/**
 * Whether a stream at `actual` (its last version, -1 when empty) satisfies `expected`.
 *
 * @example
 * ```ts
 * satisfiesExpectedVersion('no-stream', -1); // true
 * satisfiesExpectedVersion(3, 4); // false
 * ```
 */
export function satisfiesExpectedVersion(expected: ExpectedVersion, actual: number): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no-stream':
      return actual === -1;
    case 'exists':
      return actual >= 0;
    default:
      return expected === actual;
  }
}

/**
 * The `CONCURRENCY_CONFLICT` error of an append whose expected version did
 * not match: not retryable as is (re-read the stream, decide again, append with
 * the new version); `details` is `{ stream, expected, actual }`.
 *
 * @example
 * ```ts
 * if (!satisfiesExpectedVersion(expected, current)) throw concurrencyConflict(stream, expected, current, event.id);
 * ```
 */
export function concurrencyConflict(stream: string, expected: ExpectedVersion, actual: number, eventId?: string): BusError {
  const wanted = typeof expected === 'number' ? `version ${expected}` : `'${expected}'`;
  const found = actual === -1 ? 'has no events' : `is at version ${actual}`;
  return new BusError('CONCURRENCY_CONFLICT', `Stream '${stream}' was expected at ${wanted} but ${found}; nothing was appended.`, {
    eventId,
    details: { stream, expected, actual },
  });
}

/** Throws `INVALID_EVENT` unless `expected` is a valid {@link ExpectedVersion}. */
export function assertExpectedVersion(expected: unknown): asserts expected is ExpectedVersion {
  if (expected === 'any' || expected === 'no-stream' || expected === 'exists') return;
  if (typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= -1) return;
  throw new BusError(
    'INVALID_EVENT',
    `expectedVersion must be a version (an integer >= -1), 'any', 'no-stream' or 'exists'; got ${JSON.stringify(expected) ?? String(expected)}.`,
  );
}
