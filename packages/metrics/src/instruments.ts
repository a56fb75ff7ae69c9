/**
 * The instruments the plugin records into, made from one meter. Units and
 * descriptions follow the messaging semantic conventions. The counters are
 * asynchronous: the plugin counts in process and reports at collection (see
 * `series.ts`); their data is the monotonic sum a synchronous counter makes.
 */
import type { Histogram, Meter, ObservableCounter, ObservableUpDownCounter } from '@opentelemetry/api';
import { METRIC_NAMES } from './semantic-conventions.js';

/** Every instrument of the plugin. */
export interface Instruments {
  readonly sentMessages: ObservableCounter;
  readonly consumedMessages: ObservableCounter;
  readonly operationDuration: Histogram;
  readonly processDuration: Histogram;
  readonly failedMessages: ObservableCounter;
  readonly droppedMessages: ObservableCounter;
  readonly deadLetteredMessages: ObservableCounter;
  readonly inFlightDeliveries: ObservableUpDownCounter;
}

/** Creates the plugin's instruments on `meter`, with `buckets` (seconds) advised for both duration histograms. */
export function createInstruments(meter: Meter, buckets: readonly number[]): Instruments {
  const advice = { explicitBucketBoundaries: [...buckets] };
  return {
    sentMessages: meter.createObservableCounter(METRIC_NAMES.sentMessages, {
      description: 'Number of messages producer attempted to send to the broker.',
      unit: '{message}',
    }),
    consumedMessages: meter.createObservableCounter(METRIC_NAMES.consumedMessages, {
      description: 'Number of messages that were delivered to the application.',
      unit: '{message}',
    }),
    operationDuration: meter.createHistogram(METRIC_NAMES.operationDuration, {
      description: 'Duration of messaging operation initiated by a producer or consumer client.',
      unit: 's',
      advice,
    }),
    processDuration: meter.createHistogram(METRIC_NAMES.processDuration, {
      description: 'Duration of processing operation.',
      unit: 's',
      advice,
    }),
    failedMessages: meter.createObservableCounter(METRIC_NAMES.failedMessages, {
      description: 'Number of deliveries that failed in any deliver phase (the bus "failed" signal).',
      unit: '{message}',
    }),
    droppedMessages: meter.createObservableCounter(METRIC_NAMES.droppedMessages, {
      description: 'Number of events dropped on purpose, such as by a full queue (the bus "dropped" signal).',
      unit: '{message}',
    }),
    deadLetteredMessages: meter.createObservableCounter(METRIC_NAMES.deadLetteredMessages, {
      description: 'Number of events sent to a dead-letter sink (the bus "deadLettered" signal).',
      unit: '{message}',
    }),
    inFlightDeliveries: meter.createObservableUpDownCounter(METRIC_NAMES.inFlightDeliveries, {
      description: 'Number of deliveries running in the handle phase now, per subscription.',
      unit: '{delivery}',
    }),
  };
}
