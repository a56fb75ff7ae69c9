/** The healthcare engineer's `OverflowError`, as a `BusError`. */
import { BusError } from '@bus/core';

/**
 * Thrown by `controlBackpressure(topic)` when the topic's queue is full: the
 * legacy Python `OverflowError`, here a `BusError` (from `@bus/core`) with code
 * `BACKPRESSURE_REJECTED` (retryable) and `details: { topic, maxSize }`.
 *
 * @example
 * ```ts
 * try {
 *   clinic.controlBackpressure('lab_results');
 * } catch (error) {
 *   if (error instanceof OverflowError) console.warn(error.code, error.details); // BACKPRESSURE_REJECTED
 * }
 * ```
 */
export class OverflowError extends BusError {
  /** Always `BACKPRESSURE_REJECTED`: the topic's queue is full. */
  declare readonly code: 'BACKPRESSURE_REJECTED';

  /**
   * @param topic - the topic whose queue is full.
   * @param maxSize - its limit.
   */
  constructor(topic: string, maxSize: number) {
    super('BACKPRESSURE_REJECTED', 'Backpressure overflow', { details: { topic, maxSize } });
    this.name = 'OverflowError';
  }
}
