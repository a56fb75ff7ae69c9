/**
 * Turns whatever an attempt threw into the `BusError` the retry predicate,
 * the dead letter and `bus.events` see: cockatiel's broken-circuit errors
 * become `CIRCUIT_OPEN`, its cancellations `HANDLER_TIMEOUT`, anything else
 * `HANDLER_FAILED` (keeping a thrown `retryable: false`).
 */

import { BusError } from '@bus/core';
import { isBrokenCircuitError, isIsolatedCircuitError, isTaskCancelledError } from 'cockatiel';

export function attemptFailure(error: unknown, eventId: string): BusError {
  if (BusError.is(error)) return error;
  if (isBrokenCircuitError(error) || isIsolatedCircuitError(error)) {
    return new BusError('CIRCUIT_OPEN', `The circuit breaker is open: event ${eventId} was not attempted.`, { eventId, cause: error });
  }
  if (isTaskCancelledError(error)) {
    return new BusError('HANDLER_TIMEOUT', error.message, { eventId, cause: error });
  }
  const flagged = typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === false;
  return BusError.from(error, 'HANDLER_FAILED', { eventId, retryable: flagged ? false : undefined });
}

/** The failure of an attempt that ran out of time (the cooperative strategy's, where the handler threw after the abort). */
export function timeoutFailure(error: unknown, eventId: string, timeoutMs: number): BusError {
  return new BusError('HANDLER_TIMEOUT', `The handler did not finish event ${eventId} within ${timeoutMs} ms.`, { eventId, cause: error });
}
