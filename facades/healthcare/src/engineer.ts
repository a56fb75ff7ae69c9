/**
 * The healthcare engineer's legacy `EventBus` (`healthcare_engineer.event_bus`),
 * rebuilt on `@bus/core`, `@bus/schema` and `@bus/backpressure`.
 *
 * @example
 * ```ts
 * import { EventBus, OverflowError } from '@bus/facade-healthcare/engineer';
 *
 * const clinic = new EventBus();
 * clinic.setBackpressure('lab_results', { maxSize: 1 });
 * clinic.controlBackpressure('lab_results'); // true
 * try {
 *   clinic.controlBackpressure('lab_results');
 * } catch (error) {
 *   if (error instanceof OverflowError) console.warn(error.code); // BACKPRESSURE_REJECTED
 * }
 * ```
 *
 * @packageDocumentation
 */

export type { Documentation, EngineerEventBusOptions, MetricsData, SetBackpressureOptions, Token } from './engineer/event-bus.js';
export { EventBus } from './engineer/event-bus.js';
export { IDENTITY_CRYPTO_WARNING } from './engineer/identity-crypto-warning.js';
export { OverflowError } from './engineer/overflow-error.js';
