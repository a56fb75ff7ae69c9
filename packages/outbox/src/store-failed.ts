/** The store's failures as `BusError`s. */
import { BusError } from '@bus/core';

/**
 * A store failure as a `STORE_FAILED` `BusError` (a `BusError` stays as it is).
 *
 * @example
 * ```ts
 * throw storeFailed(error, 'claim outbox rows');
 * ```
 */
export function storeFailed(error: unknown, what: string, eventId?: string): BusError {
  if (BusError.is(error)) return error;
  return new BusError('STORE_FAILED', `Could not ${what}: ${error instanceof Error ? error.message : String(error)}`, {
    cause: error,
    eventId,
  });
}
