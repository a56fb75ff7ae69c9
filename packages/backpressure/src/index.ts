/**
 * `@bus/backpressure`: bounded queues per subscription (`block`,
 * `drop-oldest`, `drop-newest`, `reject`), handler concurrency with per-key
 * order, token-bucket rate limits, and a limit on publishes in flight.
 *
 * @packageDocumentation
 */

export type {
  AckMode,
  BackpressureOptions,
  OutboundLimit,
  OverflowPolicy,
  SubscriptionBackpressure,
} from './backpressure-options.js';
export { OVERFLOW_POLICIES } from './backpressure-options.js';
export type { BackpressureControls, BackpressureExtension } from './backpressure-plugin.js';
export { BACKPRESSURE_GUARD_ORDER, backpressure } from './backpressure-plugin.js';
export type { OutboundStats } from './outbound-limiter.js';
export type { SubscriptionStats } from './subscription-queue.js';
export type { RateLimit } from './token-bucket.js';
