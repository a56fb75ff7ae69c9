/**
 * What every bus that records into one destination (a meter, or a
 * {@link MetricsProducer}) under one `messaging.system.name` shares: the
 * counted series, and how durations are recorded. An asynchronous instrument
 * reports one value per attribute set, so two buses whose events have equal
 * attributes (same system, type, subscription name) must count into the same
 * series, or one would overwrite the other at collection.
 */
import type { Attributes, Meter, ObservableResult } from '@opentelemetry/api';
import { DurationHistogram } from './histogram.js';
import { createInstruments, type Instruments } from './instruments.js';
import type { Series } from './series.js';

/** A source of in-flight counts: adds its deliveries in flight, by series key, to `totals`. */
export interface InFlightSource {
  addInFlight(totals: Map<string, InFlightTotal>): void;
}

/** The in-flight deliveries of one attribute set. */
export interface InFlightTotal {
  readonly attributes: Attributes;
  value: number;
}

/** The series of one destination and system, and where their durations go. */
export abstract class SeriesState {
  /** Sent counts and publish durations, by event type. */
  readonly send = new Map<string, Series>();
  /** Durations of batch events' pipelines (`create`), by event type. */
  readonly create = new Map<string, Series>();
  /** Consumed counts and process durations, by subscription name, group and event type; unsubscribed ones too (counts are cumulative). */
  readonly process = new Map<string, Series>();
  /** The `failed`, `dropped` and `deadLettered` signals, by subscription name, group and event type. */
  readonly failed = new Map<string, Series>();
  readonly dropped = new Map<string, Series>();
  readonly deadLettered = new Map<string, Series>();
  /** The running buses' subscriptions. */
  readonly inFlightSources = new Set<InFlightSource>();

  /** Records a publish duration (`messaging.client.operation.duration`) of `series`. */
  abstract recordOperation(series: Series, seconds: number): void;
  /** Records a delivery duration (`messaging.process.duration`) of `series`. */
  abstract recordProcess(series: Series, seconds: number): void;

  /** The in-flight totals of the running buses now, by series key. */
  inFlightTotals(): Map<string, InFlightTotal> {
    const totals = new Map<string, InFlightTotal>();
    for (const source of this.inFlightSources) source.addInFlight(totals);
    return totals;
  }
}

/** The SDK path: the series are reported by asynchronous counters, durations recorded into SDK histograms. */
export class MeterState extends SeriesState {
  readonly instruments: Instruments;

  private constructor(meter: Meter, buckets: readonly number[]) {
    super();
    const instruments = createInstruments(meter, buckets);
    this.instruments = instruments;
    instruments.sentMessages.addCallback((result) => observeAll(this.send.values(), result));
    instruments.consumedMessages.addCallback((result) => observeAll(this.process.values(), result));
    instruments.failedMessages.addCallback((result) => observeAll(this.failed.values(), result));
    instruments.droppedMessages.addCallback((result) => observeAll(this.dropped.values(), result));
    instruments.deadLetteredMessages.addCallback((result) => observeAll(this.deadLettered.values(), result));
    instruments.inFlightDeliveries.addCallback((result) => {
      for (const { attributes, value } of this.inFlightTotals().values()) result.observe(value, attributes);
    });
  }

  override recordOperation(series: Series, seconds: number): void {
    this.instruments.operationDuration.record(seconds, series.attributes);
  }

  override recordProcess(series: Series, seconds: number): void {
    this.instruments.processDuration.record(seconds, series.attributes);
  }

  static readonly #byMeter = new WeakMap<Meter, Map<string, MeterState>>();

  /** The state of `meter` and `system`, made (with its instruments, advised `buckets`) on first use. */
  static of(meter: Meter, system: string, buckets: readonly number[]): MeterState {
    let bySystem = MeterState.#byMeter.get(meter);
    if (bySystem === undefined) {
      bySystem = new Map();
      MeterState.#byMeter.set(meter, bySystem);
    }
    let state = bySystem.get(system);
    if (state === undefined) {
      state = new MeterState(meter, buckets);
      bySystem.set(system, state);
    }
    return state;
  }
}

/** The in-process path: durations go into each series' own {@link DurationHistogram}, read by a producer at collection. */
export class AggregatedState extends SeriesState {
  constructor(readonly buckets: readonly number[]) {
    super();
  }

  override recordOperation(series: Series, seconds: number): void {
    this.#histogramOf(series).record(seconds);
  }

  override recordProcess(series: Series, seconds: number): void {
    this.#histogramOf(series).record(seconds);
  }

  #histogramOf(series: Series): DurationHistogram {
    let histogram = series.histogram;
    if (histogram === undefined) {
      histogram = new DurationHistogram(this.buckets);
      series.histogram = histogram;
    }
    return histogram;
  }
}

function observeAll(series: Iterable<Series>, result: ObservableResult): void {
  for (const one of series) one.observe(result);
}
