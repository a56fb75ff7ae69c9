/**
 * The in-process aggregation's way out: a `MetricProducer`, the hook through
 * which an `@opentelemetry/sdk-metrics` reader (`PeriodicExportingMetricReader`,
 * a pull reader, any `MetricReader`) merges metrics made outside the SDK into
 * its collections. The plugin counts and fills fixed-bucket histograms per
 * attribute set on the hot path; at each collection the producer turns them
 * into the `ScopeMetrics` the SDK's own instruments would have made: the same
 * names, descriptions, units, attributes, temporality, bucket counts, sums,
 * minimums and maximums (a test runs one event stream through both).
 */
import { type Attributes, type HrTime, ValueType } from '@opentelemetry/api';
import type {
  AggregationTemporality,
  CollectionResult,
  DataPoint,
  DataPointType,
  Histogram,
  InstrumentType,
  MetricData,
  MetricProducer,
} from '@opentelemetry/sdk-metrics';
import { type HistogramPoint, mergeHistogramPoints } from './histogram.js';
import { INSTRUMENTS, type InstrumentSpec } from './instruments.js';
import { AggregatedState } from './meter-state.js';
import type { Series } from './series.js';

// The SDK's enum values, copied: the plugin never loads the SDK at run time (it is the application's). A test checks them.
const DELTA = 0 as AggregationTemporality.DELTA;
const CUMULATIVE = 1 as AggregationTemporality.CUMULATIVE;
const HISTOGRAM = 0 as DataPointType.HISTOGRAM;
const SUM = 3 as DataPointType.SUM;
/**
 * The SDK enum values the producer writes, for the test that checks them against the SDK's.
 *
 * @internal
 */
export const SDK_ENUM_VALUES = { DELTA, CUMULATIVE, HISTOGRAM, SUM } as const;

const SCOPE = { name: '@bus/metrics', version: '0.1.0' };
// A reader keeps its own resource and ignores a producer's (MetricReader.collect).
const NO_RESOURCE = { attributes: {} } as unknown as CollectionResult['resourceMetrics']['resource'];

/**
 * Options of {@link metricsProducer}.
 *
 * @example
 * ```ts
 * const producer = metricsProducer({ aggregationTemporalitySelector: (type) => exporter.selectAggregationTemporality(type) });
 * ```
 */
export interface MetricsProducerOptions {
  /**
   * The temporality of each instrument kind, as the reader's exporter wants
   * it: the reader cannot tell its producers. Default: cumulative, the SDK's
   * default. For an OTLP exporter with a delta preference, pass
   * `(type) => exporter.selectAggregationTemporality(type)`.
   */
  readonly aggregationTemporalitySelector?: (instrumentType: InstrumentType) => AggregationTemporality;
}

/** The aggregates every producer of one family reads: the series by system, and the producers to hand each interval to. */
class ProducerHub {
  readonly states = new Map<string, AggregatedState>();
  readonly producers = new Set<MetricsProducer>();
  #buckets: readonly number[] | undefined;

  /** The series of `system`; the first bus's buckets serve every system, as the SDK's first instrument's advice would. */
  state(system: string, buckets: readonly number[]): AggregatedState {
    let state = this.states.get(system);
    if (state === undefined) {
      this.#buckets ??= [...buckets];
      state = new AggregatedState(this.#buckets);
      this.states.set(system, state);
    }
    return state;
  }

  get buckets(): readonly number[] {
    return this.#buckets ?? [];
  }

  /**
   * Ends the current interval of every histogram and hands it to every
   * producer, so each reader gets every recording exactly once whichever
   * collects first (what the SDK's DeltaMetricProcessor does for its readers).
   * Synchronous: no recording can fall between draining and handing over.
   */
  drain(): void {
    for (const state of this.states.values()) {
      for (const series of [state.send, state.create, state.process]) {
        for (const one of series.values()) {
          one.forEach((each) => {
            const histogram = each.histogram;
            if (histogram === undefined || histogram.count === 0) return;
            const point = histogram.drain();
            for (const producer of this.producers) producer.stash(each, point);
          });
        }
      }
    }
  }
}

interface HistogramMemo {
  /** Handed over, not reported yet. */
  pending: HistogramPoint | undefined;
  /** Cumulative: everything reported so far. */
  reported: HistogramPoint | undefined;
  /** Delta: whether the last report had this series (its next point starts at that collection). */
  inLastReport: boolean;
}

interface SumMemo {
  readonly attributes: Attributes;
  readonly startMs: number;
  /** The value last reported as cumulative, or observed (the base of the next delta). */
  last: number;
}

/**
 * A `MetricProducer` for an `@opentelemetry/sdk-metrics` reader, reporting
 * what the {@link metrics} plugins given it (or a sibling from
 * {@link MetricsProducer.forReader}) aggregated in process. One per reader.
 *
 * @example
 * ```ts
 * const producer = metricsProducer();
 * const reader = new PeriodicExportingMetricReader({ exporter, metricProducers: [producer] });
 * const bus = createBus().use(metrics({ producer }));
 * ```
 */
export class MetricsProducer implements MetricProducer {
  readonly #hub: ProducerHub;
  readonly #temporality: {
    readonly counter: AggregationTemporality;
    readonly histogram: AggregationTemporality;
    readonly upDownCounter: AggregationTemporality;
  };
  readonly #histograms = new Map<Series, HistogramMemo>();
  readonly #sums = new Map<Series, SumMemo>();
  readonly #inFlight = new Map<string, SumMemo>();
  #lastCollectionMs: number | undefined;

  /**
   * Use {@link metricsProducer} or {@link MetricsProducer.forReader}.
   *
   * @internal
   */
  constructor(hub: unknown, options: MetricsProducerOptions) {
    this.#hub = hub instanceof ProducerHub ? hub : new ProducerHub();
    const select = options.aggregationTemporalitySelector ?? (() => CUMULATIVE);
    this.#temporality = {
      counter: select('OBSERVABLE_COUNTER' as InstrumentType.OBSERVABLE_COUNTER),
      histogram: select('HISTOGRAM' as InstrumentType.HISTOGRAM),
      upDownCounter: select('OBSERVABLE_UP_DOWN_COUNTER' as InstrumentType.OBSERVABLE_UP_DOWN_COUNTER),
    };
    this.#hub.producers.add(this);
  }

  /**
   * Another producer over the same aggregates, for another reader: each
   * reader gets every recording once, in its own temporality.
   *
   * @example
   * ```ts
   * const debug = new PeriodicExportingMetricReader({ exporter: new ConsoleMetricExporter(), metricProducers: [producer.forReader()] });
   * ```
   */
  forReader(options: MetricsProducerOptions = {}): MetricsProducer {
    return new MetricsProducer(this.#hub, options);
  }

  /**
   * The series the plugin counts into for `system`.
   *
   * @internal
   * @hidden
   */
  stateFor(system: string, buckets: readonly number[]): AggregatedState {
    return this.#hub.state(system, buckets);
  }

  /**
   * Takes an interval of `series`' durations, to report at this producer's next collection.
   *
   * @internal
   * @hidden
   */
  stash(series: Series, point: HistogramPoint): void {
    const memo = this.#histograms.get(series);
    if (memo === undefined) this.#histograms.set(series, { pending: point, reported: undefined, inLastReport: false });
    else memo.pending = memo.pending === undefined ? point : mergeHistogramPoints(memo.pending, point);
  }

  /** The plugin's metrics now, as the reader merges them into its collection. */
  async collect(): Promise<CollectionResult> {
    const nowMs = Date.now();
    this.#hub.drain();
    const states = [...this.#hub.states.values()];
    const metrics: MetricData[] = [];
    const add = (metric: MetricData | undefined): void => {
      if (metric !== undefined) metrics.push(metric);
    };
    add(
      this.#counter(
        INSTRUMENTS.sentMessages,
        states.map((state) => state.send),
        nowMs,
      ),
    );
    add(
      this.#counter(
        INSTRUMENTS.consumedMessages,
        states.map((state) => state.process),
        nowMs,
      ),
    );
    add(
      this.#histogram(
        INSTRUMENTS.operationDuration,
        states.flatMap((state) => [state.send, state.create]),
        nowMs,
      ),
    );
    add(
      this.#histogram(
        INSTRUMENTS.processDuration,
        states.map((state) => state.process),
        nowMs,
      ),
    );
    add(
      this.#counter(
        INSTRUMENTS.failedMessages,
        states.map((state) => state.failed),
        nowMs,
      ),
    );
    add(
      this.#counter(
        INSTRUMENTS.droppedMessages,
        states.map((state) => state.dropped),
        nowMs,
      ),
    );
    add(
      this.#counter(
        INSTRUMENTS.deadLetteredMessages,
        states.map((state) => state.deadLettered),
        nowMs,
      ),
    );
    add(this.#inFlightMetric(nowMs));
    this.#lastCollectionMs = nowMs;
    // As the SDK's meter: a scope with no data is left out.
    return {
      resourceMetrics: { resource: NO_RESOURCE, scopeMetrics: metrics.length === 0 ? [] : [{ scope: SCOPE, metrics }] },
      errors: [],
    };
  }

  #counter(spec: InstrumentSpec, maps: readonly Map<string, Series>[], nowMs: number): MetricData | undefined {
    const temporality = this.#temporality.counter;
    const points: DataPoint<number>[] = [];
    for (const map of maps) {
      for (const base of map.values()) {
        base.forEach((series) => {
          // Never counted: never observed, as Series.observe skips it on the SDK path.
          if (series.count === 0) return;
          let memo = this.#sums.get(series);
          if (memo === undefined) {
            memo = { attributes: series.attributes, startMs: nowMs, last: 0 };
            this.#sums.set(series, memo);
            points.push(point(series.attributes, nowMs, nowMs, series.count));
          } else if (temporality === DELTA) {
            points.push(point(series.attributes, this.#lastCollectionMs ?? nowMs, nowMs, series.count - memo.last));
          } else {
            points.push(point(series.attributes, memo.startMs, nowMs, series.count));
          }
          memo.last = series.count;
        });
      }
    }
    return points.length === 0 ? undefined : sumMetric(spec, temporality, true, points);
  }

  #histogram(spec: InstrumentSpec, maps: readonly Map<string, Series>[], nowMs: number): MetricData | undefined {
    const temporality = this.#temporality.histogram;
    const boundaries = this.#hub.buckets;
    const points: DataPoint<Histogram>[] = [];
    for (const map of maps) {
      for (const base of map.values()) {
        base.forEach((series) => {
          const memo = this.#histograms.get(series);
          if (memo === undefined) return;
          const pending = memo.pending;
          memo.pending = undefined;
          if (temporality === DELTA) {
            if (pending === undefined) {
              memo.inLastReport = false;
              return;
            }
            const startMs = memo.inLastReport ? (this.#lastCollectionMs ?? pending.startMs) : pending.startMs;
            memo.inLastReport = true;
            points.push(histogramPoint(series.attributes, startMs, nowMs, pending, boundaries));
            return;
          }
          if (pending !== undefined) memo.reported = memo.reported === undefined ? pending : mergeHistogramPoints(memo.reported, pending);
          if (memo.reported !== undefined)
            points.push(histogramPoint(series.attributes, memo.reported.startMs, nowMs, memo.reported, boundaries));
        });
      }
    }
    if (points.length === 0) return undefined;
    return {
      descriptor: descriptor(spec, { explicitBucketBoundaries: [...boundaries] }),
      aggregationTemporality: temporality,
      dataPointType: HISTOGRAM,
      dataPoints: points,
    };
  }

  #inFlightMetric(nowMs: number): MetricData | undefined {
    const temporality = this.#temporality.upDownCounter;
    const points: DataPoint<number>[] = [];
    for (const [system, state] of this.#hub.states) {
      for (const [key, total] of state.inFlightTotals()) {
        const memoKey = `${system}\u0000${key}`;
        const memo = this.#inFlight.get(memoKey);
        if (temporality === DELTA) {
          points.push(
            point(total.attributes, memo === undefined ? nowMs : (this.#lastCollectionMs ?? nowMs), nowMs, total.value - (memo?.last ?? 0)),
          );
        }
        if (memo === undefined) this.#inFlight.set(memoKey, { attributes: total.attributes, startMs: nowMs, last: total.value });
        else memo.last = total.value;
      }
    }
    // Cumulative: as the SDK, a series observed once keeps being reported with its last value.
    if (temporality !== DELTA)
      for (const memo of this.#inFlight.values()) points.push(point(memo.attributes, memo.startMs, nowMs, memo.last));
    return points.length === 0 ? undefined : sumMetric(INSTRUMENTS.inFlightDeliveries, temporality, false, points);
  }
}

/**
 * A {@link MetricsProducer} to give a reader (`metricProducers: [producer]`)
 * and the {@link metrics} plugin (`metrics({ producer })`): the plugin then
 * aggregates in process and the reader collects the result, instead of every
 * event going through the SDK's instruments. For a second reader, use
 * `producer.forReader()`.
 *
 * @example
 * ```ts
 * const producer = metricsProducer();
 * const meterProvider = new MeterProvider({
 *   readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter(), metricProducers: [producer] })],
 * });
 * const bus = createBus().use(metrics({ producer, meterProvider }));
 * ```
 */
export function metricsProducer(options: MetricsProducerOptions = {}): MetricsProducer {
  return new MetricsProducer(undefined, options);
}

function descriptor(spec: InstrumentSpec, advice: object): MetricData['descriptor'] {
  return {
    name: spec.name,
    type: spec.kind,
    description: spec.description,
    unit: spec.unit,
    valueType: ValueType.DOUBLE,
    advice,
  } as MetricData['descriptor'];
}

function sumMetric(
  spec: InstrumentSpec,
  temporality: AggregationTemporality,
  isMonotonic: boolean,
  points: DataPoint<number>[],
): MetricData {
  return { descriptor: descriptor(spec, {}), aggregationTemporality: temporality, dataPointType: SUM, dataPoints: points, isMonotonic };
}

function point(attributes: Attributes, startMs: number, endMs: number, value: number): DataPoint<number> {
  return { attributes, startTime: hrTime(startMs), endTime: hrTime(endMs), value };
}

function histogramPoint(
  attributes: Attributes,
  startMs: number,
  endMs: number,
  value: HistogramPoint,
  boundaries: readonly number[],
): DataPoint<Histogram> {
  return {
    attributes,
    startTime: hrTime(startMs),
    endTime: hrTime(endMs),
    value: {
      min: value.min,
      max: value.max,
      sum: value.sum,
      buckets: { boundaries: [...boundaries], counts: [...value.counts] },
      count: value.count,
    },
  };
}

/** Milliseconds since the epoch as `[seconds, nanoseconds]`, as `@opentelemetry/core`'s `millisToHrTime`. */
function hrTime(ms: number): HrTime {
  return [Math.trunc(ms / 1000), Math.round((ms % 1000) * 1e6)];
}
