/**
 * The names this package emits: the OpenTelemetry messaging semantic
 * conventions (https://opentelemetry.io/docs/specs/semconv/messaging/), and
 * the bus's own metrics where the conventions have none. The convention names
 * are copied, not imported: `@opentelemetry/semantic-conventions` asks
 * instrumentation libraries not to depend on its `incubating` entry point at
 * run time, which may break in a minor release. A test checks these against
 * version 1.45 of that package.
 */

/**
 * The metrics the `metrics()` plugin records, by what they count. The first
 * four are the messaging semantic conventions'; the `bus.*` ones are this
 * bus's own, for what the conventions do not cover.
 *
 * | name | instrument | unit |
 * | --- | --- | --- |
 * | `messaging.client.sent.messages` | counter (asynchronous) | `{message}` |
 * | `messaging.client.consumed.messages` | counter (asynchronous) | `{message}` |
 * | `messaging.client.operation.duration` | histogram | `s` |
 * | `messaging.process.duration` | histogram | `s` |
 * | `bus.messages.failed` | counter (asynchronous) | `{message}` |
 * | `bus.messages.dropped` | counter (asynchronous) | `{message}` |
 * | `bus.messages.dead_lettered` | counter (asynchronous) | `{message}` |
 * | `bus.deliveries.in_flight` | observable up-down counter | `{delivery}` |
 *
 * @example
 * ```ts
 * const { resourceMetrics } = await reader.collect();
 * const sent = resourceMetrics.scopeMetrics
 *   .flatMap((scope) => scope.metrics)
 *   .find((metric) => metric.descriptor.name === METRIC_NAMES.sentMessages);
 * ```
 */
export const METRIC_NAMES = Object.freeze({
  /** Publishes attempted, one per event; `error.type` on those that failed. */
  sentMessages: 'messaging.client.sent.messages',
  /** Deliveries to a handler, one per event and subscription; `error.type` on those that failed. */
  consumedMessages: 'messaging.client.consumed.messages',
  /** How long a publish took, from the `enrich` phase until the transport accepted the event. */
  operationDuration: 'messaging.client.operation.duration',
  /** How long a delivery took in the `handle` phase, retries included. */
  processDuration: 'messaging.process.duration',
  /** Every `failed` signal: deliveries failed in any deliver phase, by `error.type`. */
  failedMessages: 'bus.messages.failed',
  /** Every `dropped` signal (a full queue, an expired event), by `error.type`. */
  droppedMessages: 'bus.messages.dropped',
  /** Every `deadLettered` signal, by `error.type`. */
  deadLetteredMessages: 'bus.messages.dead_lettered',
  /** Deliveries running in the `handle` phase now, per subscription. */
  inFlightDeliveries: 'bus.deliveries.in_flight',
} as const);

// Attribute names (semconv 1.45, messaging: "development" stability).
export const ATTR_MESSAGING_SYSTEM_NAME = 'messaging.system.name';
/** Deprecated by the conventions for `messaging.system.name`, but still what most backends read: both are sent. */
export const ATTR_MESSAGING_SYSTEM = 'messaging.system';
export const ATTR_MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
export const ATTR_MESSAGING_OPERATION_NAME = 'messaging.operation.name';
export const ATTR_MESSAGING_DESTINATION_NAME = 'messaging.destination.name';
export const ATTR_MESSAGING_DESTINATION_SUBSCRIPTION_NAME = 'messaging.destination.subscription.name';
export const ATTR_MESSAGING_CONSUMER_GROUP_NAME = 'messaging.consumer.group.name';
/** Spans only: one value per event would make a metric series per event. */
export const ATTR_MESSAGING_MESSAGE_ID = 'messaging.message.id';
/** Spans only: the event's `correlationid`. */
export const ATTR_MESSAGING_MESSAGE_CONVERSATION_ID = 'messaging.message.conversation_id';
export const ATTR_ERROR_TYPE = 'error.type';
/** The bus's own: the `attempt` a delivery ended on (retries raise it). Spans only. */
export const ATTR_BUS_DELIVERY_ATTEMPT = 'bus.delivery.attempt';

// `messaging.operation.type` values.
export const OPERATION_CREATE = 'create';
export const OPERATION_SEND = 'send';
export const OPERATION_PROCESS = 'process';

/** The bucket boundaries the conventions advise for messaging durations, in seconds. */
export const DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
]);
