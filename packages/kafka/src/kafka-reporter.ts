/**
 * Where the Kafka transport reports what concerns no single delivery: its
 * own failures (a lost connection, a failed commit) and records it skipped.
 */
import type { BusError, BusEvents, DroppedEvent } from '@bus/core';

/**
 * Receives the Kafka transport's reports. The {@link kafka} plugin passes the
 * kernel's (`kernel.report`, `kernel.drop`): the bus's signals, and its logger
 * when nobody handles them.
 *
 * @example
 * ```ts
 * const reporter: KafkaReporter = {
 *   report: (error) => logger.error({ err: error }, error.message),
 *   drop: ({ event, error }) => logger.warn({ eventId: event.id }, error.message),
 * };
 * const bus = createBus({ transport: kafkaTransport({ brokers, groupId: 'billing' }, reporter) });
 * ```
 */
export interface KafkaReporter {
  /** A failure of the transport that no delivery carries. */
  report(error: BusError): void;
  /** A record skipped on purpose (it kept failing and dead letters are off). */
  drop(dropped: DroppedEvent): void;
}

/** Without a reporter (a transport given to `createBus({ transport })`): the bus's `error` and `dropped` signals only. */
export function signalsReporter(events: BusEvents): KafkaReporter {
  return {
    report: (error) => void events.emit('error', error),
    drop: (dropped) => void events.emit('dropped', dropped),
  };
}
