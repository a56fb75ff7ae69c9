/**
 * Where the Kafka transport reports what concerns no single delivery: its
 * own failures (a lost connection, a failed commit) and records it skipped.
 */
import type { TransportContext } from '@bus/core';

/** The kernel's `TransportContext.report` and `drop`: the bus's signals, and its logger when nobody handles them. */
export type KafkaReporter = Pick<TransportContext, 'report' | 'drop'>;
