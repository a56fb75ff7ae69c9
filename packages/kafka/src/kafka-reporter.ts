/**
 * Where the Kafka transport reports what concerns no single delivery: its
 * own failures (a lost connection, a failed commit) and records it skipped.
 */
import type { BusError, DroppedEvent } from '@bus/core';

/** Receives the Kafka transport's reports: the kernel's `TransportContext.report` and `drop`. */
export interface KafkaReporter {
  /** A failure of the transport that no delivery carries. */
  report(error: BusError): void;
  /** A record skipped on purpose (it kept failing and dead letters are off). */
  drop(dropped: DroppedEvent): void;
}
