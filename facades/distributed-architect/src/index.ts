/**
 * `@bus/facade-distributed-architect`: the legacy distributed-architect
 * `EventBus` (serializers, ACLs, async-local context, round-robin balancing,
 * schema checks, backpressure, clustering, counters) rebuilt on `@bus/core`
 * and its plugins.
 *
 * @packageDocumentation
 */

export { BufferError, ValidationError } from './errors.js';
export type {
  BackpressurePolicy,
  DistributedEventBusOptions,
  Documentation,
  EncryptPayloadOptions,
  IncrementCounterOptions,
  Metrics,
} from './event-bus.js';
export { EventBus, LEGACY_EVENT_TYPE } from './event-bus.js';
export type { DeserializeFn, SerializeFn } from './serializers.js';
