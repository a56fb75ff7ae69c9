/**
 * The instruments the plugin records into. Units and descriptions follow the
 * messaging semantic conventions; one table ({@link INSTRUMENTS}) serves both
 * paths, so the SDK's instruments and the in-process producer describe the
 * metrics alike. The counters are asynchronous: the plugin counts in process
 * and reports at collection (see `series.ts`); their data is the monotonic sum
 * a synchronous counter makes.
 */
import type { Histogram, Meter, ObservableCounter, ObservableUpDownCounter } from '@opentelemetry/api';
import { METRIC_NAMES } from './semantic-conventions.js';

/** What an instrument is, as `@opentelemetry/sdk-metrics` `InstrumentType` spells it. */
export type InstrumentKind = 'OBSERVABLE_COUNTER' | 'HISTOGRAM' | 'OBSERVABLE_UP_DOWN_COUNTER';

/** One instrument: its name, description, unit and kind. */
export interface InstrumentSpec {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  readonly kind: InstrumentKind;
}

const spec = (name: string, kind: InstrumentKind, unit: string, description: string): InstrumentSpec => ({ name, kind, unit, description });

/** Every instrument of the plugin, in the order the SDK path creates them (and so reports them). */
export const INSTRUMENTS = {
  sentMessages: spec(
    METRIC_NAMES.sentMessages,
    'OBSERVABLE_COUNTER',
    '{message}',
    'Number of messages producer attempted to send to the broker.',
  ),
  consumedMessages: spec(
    METRIC_NAMES.consumedMessages,
    'OBSERVABLE_COUNTER',
    '{message}',
    'Number of messages that were delivered to the application.',
  ),
  operationDuration: spec(
    METRIC_NAMES.operationDuration,
    'HISTOGRAM',
    's',
    'Duration of messaging operation initiated by a producer or consumer client.',
  ),
  processDuration: spec(METRIC_NAMES.processDuration, 'HISTOGRAM', 's', 'Duration of processing operation.'),
  failedMessages: spec(
    METRIC_NAMES.failedMessages,
    'OBSERVABLE_COUNTER',
    '{message}',
    'Number of deliveries that failed in any deliver phase (the bus "failed" signal).',
  ),
  droppedMessages: spec(
    METRIC_NAMES.droppedMessages,
    'OBSERVABLE_COUNTER',
    '{message}',
    'Number of events dropped on purpose, such as by a full queue (the bus "dropped" signal).',
  ),
  deadLetteredMessages: spec(
    METRIC_NAMES.deadLetteredMessages,
    'OBSERVABLE_COUNTER',
    '{message}',
    'Number of events sent to a dead-letter sink (the bus "deadLettered" signal).',
  ),
  inFlightDeliveries: spec(
    METRIC_NAMES.inFlightDeliveries,
    'OBSERVABLE_UP_DOWN_COUNTER',
    '{delivery}',
    'Number of deliveries running in the handle phase now, per subscription.',
  ),
} as const satisfies Record<string, InstrumentSpec>;

/** Every instrument of the plugin, as SDK instruments. */
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
  const counter = ({ name, description, unit }: InstrumentSpec) => meter.createObservableCounter(name, { description, unit });
  const histogram = ({ name, description, unit }: InstrumentSpec) => meter.createHistogram(name, { description, unit, advice });
  const i = INSTRUMENTS;
  return {
    sentMessages: counter(i.sentMessages),
    consumedMessages: counter(i.consumedMessages),
    operationDuration: histogram(i.operationDuration),
    processDuration: histogram(i.processDuration),
    failedMessages: counter(i.failedMessages),
    droppedMessages: counter(i.droppedMessages),
    deadLetteredMessages: counter(i.deadLetteredMessages),
    inFlightDeliveries: meter.createObservableUpDownCounter(i.inFlightDeliveries.name, {
      description: i.inFlightDeliveries.description,
      unit: i.inFlightDeliveries.unit,
    }),
  };
}
