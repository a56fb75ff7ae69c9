/**
 * `@bus/backpressure`: bounded queues per subscription (`block`,
 * `drop-oldest`, `drop-newest`, `reject`), handler concurrency with per-key
 * order, token-bucket rate limits, a limit on publishes in flight, and a
 * {@link BoundedBuffer} for code that holds events itself.
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
export type { BoundedBufferOptions, BufferPolicy, OfferOutcome } from './bounded-buffer.js';
export { BoundedBuffer } from './bounded-buffer.js';
export type { OutboundStats } from './outbound-limiter.js';
export type { BufferedPublish, PublishBufferControls, PublishBufferExtension, PublishBufferOptions } from './publish-buffer.js';
export { publishBuffer } from './publish-buffer.js';
export type { SubscriptionStats } from './subscription-queue.js';
export type { RateLimit } from './token-bucket.js';
