/**
 * `error.type` for a failure: the `BusError` code. Anything else is reported
 * with the code the kernel wraps it in (`TRANSPORT_FAILED` on publish,
 * `HANDLER_FAILED` on delivery), so the attribute matches the error that
 * `publish` rejects with and that `bus.events` `failed` carries.
 */
import { BusError, type BusErrorCode } from '@bus/core';
import type { Exception } from '@opentelemetry/api';

/** The low-cardinality `error.type` of `error`: its `BusError` code, else `fallback`. */
export function errorType(error: unknown, fallback: BusErrorCode): string {
  return BusError.is(error) ? error.code : fallback;
}

/** `error` as something `span.recordException` takes. */
export function asException(error: unknown): Exception {
  return error instanceof Error || typeof error === 'string' ? error : String(error);
}

/** A message for a span's error status. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
