/**
 * A dead-letter sink that publishes each dead letter through the bus, to
 * `<type>.dlq` by default, so it lands wherever the transport keeps events
 * (a Kafka topic) and any process can consume it.
 */
import type { BusErrorCode, EnvelopeInput, EventEnvelope } from '@bus/core';
import type { DeadLetter, DeadLetterSink, DeadLetterSubscription, RawMessage } from './dead-letter.js';
import { memoryDeadLetterSink } from './memory-dead-letter-sink.js';

/**
 * The `data` of an event published by {@link transportDeadLetterSink}.
 *
 * @example
 * ```ts
 * bus.subscribe<DeadLetterMessage>('orders.created.dlq', (event) => {
 *   alert(`${event.data.event.id} failed ${event.data.attempts}x: ${event.data.error.code}`);
 * });
 * ```
 */
export interface DeadLetterMessage {
  /** The dead letter's id. */
  readonly id: string;
  /** The original envelope. */
  readonly event: EventEnvelope;
  /** The last failure, as plain data. */
  readonly error: { readonly code: BusErrorCode; readonly message: string; readonly retryable: boolean };
  /** How many attempts were made. */
  readonly attempts: number;
  /** When it was dead-lettered, RFC 3339. */
  readonly time: string;
  /** The subscription whose attempts ran out. */
  readonly subscription: DeadLetterSubscription;
  /** The bytes of a message the transport could not decode (see {@link DeadLetter.raw}). */
  readonly raw?: RawMessage;
}

/**
 * Options of {@link transportDeadLetterSink}.
 *
 * @example
 * ```ts
 * const sink = transportDeadLetterSink({ topic: (event) => `dlq.${event.type}` });
 * ```
 */
export interface TransportDeadLetterSinkOptions {
  /** The type (topic) a dead letter is published as. Default: `` `${event.type}.dlq` ``. */
  readonly topic?: (event: EventEnvelope) => string;
  /**
   * Where this process keeps the dead letters it saw, for `bus.deadLetters.list`
   * and `redrive`. Default: a {@link memoryDeadLetterSink}.
   */
  readonly store?: DeadLetterSink;
}

/**
 * Publishes every dead letter through the bus as an event of type
 * `<type>.dlq` (a {@link DeadLetterMessage}, with extension attribute
 * `deadletter: true`, the original `partitionkey` and `subject`,
 * `correlationid` kept and `causationid` = the failed event's id), and keeps
 * it in a local store for `list` and `redrive`.
 *
 * No loops: a dead letter of an event that is itself a dead letter (marked
 * `deadletter`, or of a type ending in `.dlq`) is kept in the local store
 * only, never published as `….dlq.dlq`.
 *
 * A publish that fails (the bus is stopping, an ACL denies it) fails `put`,
 * so the delivery fails instead and nothing is lost silently.
 *
 * @example
 * ```ts
 * const bus = createBus().use(kafka({ brokers })).use(resilience({ deadLetter: transportDeadLetterSink() }));
 * bus.subscribe('orders.created.dlq', (event) => pager.notify(event.data)); // any process can
 * ```
 */
export function transportDeadLetterSink(options: TransportDeadLetterSinkOptions = {}): DeadLetterSink {
  const topic = options.topic ?? ((event: EventEnvelope) => `${event.type}.dlq`);
  const store = options.store ?? memoryDeadLetterSink();
  return {
    async put(letter, bus) {
      if (!isDeadLetterEvent(letter.event)) await bus.publish(deadLetterEvent(letter, topic(letter.event)));
      await store.put(letter, bus);
    },
    list: (filter) => store.list(filter),
    remove: (id) => store.remove(id),
  };
}

function isDeadLetterEvent(event: EventEnvelope): boolean {
  // Over a binary CloudEvents binding (Kafka headers) a boolean extension arrives as the string 'true'.
  return event.deadletter === true || event.deadletter === 'true' || event.type.endsWith('.dlq');
}

function deadLetterEvent(letter: DeadLetter, type: string): EnvelopeInput<DeadLetterMessage> {
  const original = letter.event;
  const message: DeadLetterMessage = {
    id: letter.id,
    event: original,
    error: { code: letter.error.code, message: letter.error.message, retryable: letter.error.retryable },
    attempts: letter.attempts,
    time: letter.time,
    subscription: letter.subscription,
    ...(letter.raw === undefined ? {} : { raw: letter.raw }),
  };
  const event: EnvelopeInput<DeadLetterMessage> = {
    type,
    data: message,
    causationid: original.id,
    correlationid: original.correlationid ?? original.id,
    deadletter: true,
  };
  if (original.subject !== undefined) event.subject = original.subject;
  if (original.partitionkey !== undefined) event.partitionkey = original.partitionkey;
  if (original.tenantid !== undefined) event.tenantid = original.tenantid;
  return event;
}
