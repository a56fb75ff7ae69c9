/**
 * Fixed-bucket histograms aggregated in process. An OpenTelemetry histogram
 * hashes its attributes on every `record` (~0.8 µs here, more than a whole
 * in-memory publish); a {@link DurationHistogram} belongs to one attribute set
 * already, so recording is a few additions into a typed array. At collection
 * the {@link MetricsProducer} drains it into each reader's accumulation, with
 * the same arithmetic, in the same order, as the SDK's histogram aggregator
 * (`@opentelemetry/sdk-metrics` `HistogramAggregator`): same counts, sums,
 * minimums and maximums.
 */

/** One interval's recordings of one attribute set: what is recorded between two collections. */
export class DurationHistogram {
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  /** When the first value of this interval was recorded (ms since the epoch). */
  startMs = 0;
  /** One count per bucket: `counts[i]` for values ≤ `boundaries[i]` (and > the one before), the last for the rest. */
  readonly counts: Float64Array;

  constructor(readonly boundaries: readonly number[]) {
    this.counts = new Float64Array(boundaries.length + 1);
  }

  /** Records `value`; NaN is ignored, as the SDK does. */
  record(value: number): void {
    if (Number.isNaN(value)) return;
    if (this.count === 0) this.startMs = Date.now();
    this.count += 1;
    this.sum += value;
    this.min = Math.min(value, this.min);
    this.max = Math.max(value, this.max);
    const boundaries = this.boundaries;
    const last = boundaries.length;
    // Durations are mostly in the first buckets: a scan from the start beats a binary search here.
    let index = 0;
    while (index < last && (boundaries[index] as number) < value) index++;
    (this.counts as { [index: number]: number })[index] = (this.counts[index] as number) + 1;
  }

  /** This interval's point, and the histogram emptied for the next. */
  drain(): HistogramPoint {
    const point: HistogramPoint = {
      count: this.count,
      sum: this.sum,
      min: this.min,
      max: this.max,
      counts: Array.from(this.counts),
      startMs: this.startMs,
    };
    this.count = 0;
    this.sum = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
    this.counts.fill(0);
    return point;
  }
}

/** A histogram's value over some interval; never mutated once made. */
export interface HistogramPoint {
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  readonly counts: readonly number[];
  readonly startMs: number;
}

/** `previous` then `next`, as the SDK's `HistogramAggregator.merge` adds them (the start time is `previous`'s). */
export function mergeHistogramPoints(previous: HistogramPoint, next: HistogramPoint): HistogramPoint {
  const counts = new Array<number>(previous.counts.length);
  for (let index = 0; index < counts.length; index++) counts[index] = (previous.counts[index] as number) + (next.counts[index] as number);
  const previousHasMinMax = previous.count > 0;
  const nextHasMinMax = next.count > 0;
  return {
    count: previous.count + next.count,
    sum: previous.sum + next.sum,
    min: previousHasMinMax && nextHasMinMax ? Math.min(previous.min, next.min) : previousHasMinMax ? previous.min : next.min,
    max: previousHasMinMax && nextHasMinMax ? Math.max(previous.max, next.max) : previousHasMinMax ? previous.max : next.max,
    counts,
    startMs: previous.startMs,
  };
}
