/** How codec and pipeline failures become `BusError`s that name the event. */
import { BusError, type BusErrorCode } from '@bus/core';

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * `error` as a `BusError` that carries `eventId`: a `BusError` without one is
 * re-issued with the same code, message and details (the original becomes the
 * cause); anything else is wrapped with `code` and `prefix`.
 */
export function forEvent(error: unknown, code: BusErrorCode, eventId: string, prefix: string): BusError {
  if (BusError.is(error)) {
    if (error.eventId !== undefined) return error;
    return new BusError(error.code, error.message, { eventId, cause: error, details: error.details, retryable: error.retryable });
  }
  return new BusError(code, `${prefix}: ${messageOf(error)}`, { eventId, cause: error });
}

/** Throws `DECODE_FAILED` for input that is not bytes. */
export function assertBytes(value: unknown, contentType: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new BusError(
      'DECODE_FAILED',
      `The ${contentType} codec decodes bytes (a Uint8Array), got ${value === null ? 'null' : typeof value}.`,
    );
  }
}
