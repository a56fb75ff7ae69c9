/**
 * `@bus/resilience`: retries with exponential backoff and full jitter,
 * timeouts with an AbortSignal, a circuit breaker per subscription, and dead
 * letters with redrive, for every handler of a bus.
 *
 * @packageDocumentation
 */

export type { DeadLetter, DeadLetterFilter, DeadLetterSink, DeadLetterSubscription, RawMessage } from './dead-letter.js';
export { deadLetterMatches } from './dead-letter.js';
export type { MemoryDeadLetterSinkOptions } from './memory-dead-letter-sink.js';
export { memoryDeadLetterSink } from './memory-dead-letter-sink.js';
export type {
  CircuitBreakerOptions,
  ConsecutiveBreakerOptions,
  ResilienceOptions,
  RetryOptions,
  SamplingBreakerOptions,
  SubscriptionResilience,
  TimeoutStrategy,
} from './resilience-options.js';
export type { DeadLetters, RedriveReport, ResilienceControls, ResilienceExtension } from './resilience-plugin.js';
export { REDRIVE_ATTRIBUTE, RESILIENCE_HANDLE_ORDER, resilience } from './resilience-plugin.js';
export type { RetryOperationOptions } from './retry-operation.js';
export { retryOperation } from './retry-operation.js';
export type { CircuitStatus } from './subscription-policy.js';
export type { DeadLetterMessage, TransportDeadLetterSinkOptions } from './transport-dead-letter-sink.js';
export { transportDeadLetterSink } from './transport-dead-letter-sink.js';
