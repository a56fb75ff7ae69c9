/** The legacy error classes, as `BusError`s with stable codes. */
import { BusError, type BusErrorOptions } from '@bus/core';

/**
 * Thrown by {@link EventBus.validateSchema} when the payload does not match
 * the schema (legacy `jsonschema.ValidationError`). Code `SCHEMA_INVALID`;
 * `details.errors` holds ajv's error objects.
 *
 * @example
 * ```ts
 * try {
 *   bus.validateSchema({ type: 'object', required: ['x'] }, {});
 * } catch (error) {
 *   if (error instanceof ValidationError) console.warn(error.message, error.code); // … SCHEMA_INVALID
 * }
 * ```
 */
export class ValidationError extends BusError {
  /** Always `'SCHEMA_INVALID'`. */
  declare readonly code: 'SCHEMA_INVALID';

  /** Makes the error; `options.details` should carry the validator's errors. */
  constructor(message: string, options: BusErrorOptions = {}) {
    super('SCHEMA_INVALID', message, options);
    this.name = 'ValidationError';
  }
}

/**
 * Thrown by {@link EventBus.publish} when the queue holds its limit and the
 * backpressure policy is `'reject'` (legacy `BufferError`). Code
 * `BACKPRESSURE_REJECTED`; `details` holds `{ limit, policy }`.
 *
 * @example
 * ```ts
 * bus.controlBackpressure(2, 'reject');
 * bus.publish(1);
 * bus.publish(2);
 * try {
 *   bus.publish(3);
 * } catch (error) {
 *   if (error instanceof BufferError) console.warn('slow down', error.code); // BACKPRESSURE_REJECTED
 * }
 * ```
 */
export class BufferError extends BusError {
  /** Always `'BACKPRESSURE_REJECTED'`. */
  declare readonly code: 'BACKPRESSURE_REJECTED';

  /** Makes the error; `options.details` should carry the limit and the policy. */
  constructor(message: string, options: BusErrorOptions = {}) {
    super('BACKPRESSURE_REJECTED', message, options);
    this.name = 'BufferError';
  }
}
