/** The legacy `EventBusError`, now a {@link BusError} with a stable code. */
import { BusError, type BusErrorCode, type BusErrorOptions } from '@bus/core';

/**
 * The error the game-dev `EventBus` throws: a full (`REJECT`) queue, bad
 * options, a bad topic or subscription. It extends `BusError`, so new code can
 * switch on `code` (`BACKPRESSURE_REJECTED`, `CONFIG_INVALID`,
 * `INVALID_EVENT`, `INVALID_SUBSCRIPTION`) while legacy
 * `catch (e) { if (e instanceof EventBusError) … }` keeps working.
 *
 * @example
 * ```ts
 * const bus = new EventBus({ queueSize: 0, backpressure: BackpressurePolicy.REJECT });
 * try {
 *   bus.publish('zone.1.player', { x: 1 });
 * } catch (error) {
 *   if (error instanceof EventBusError) console.warn(error.code); // BACKPRESSURE_REJECTED
 * }
 * ```
 */
export class EventBusError extends BusError {
  /** The stable code: a key of `@bus/core`'s error-code table (`BACKPRESSURE_REJECTED`, `CONFIG_INVALID`, …). */
  declare readonly code: BusErrorCode;

  constructor(code: BusErrorCode, message: string, options: BusErrorOptions = {}) {
    super(code, message, options);
    this.name = 'EventBusError';
  }
}
