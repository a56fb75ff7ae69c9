/**
 * Counting in process. An OpenTelemetry counter hashes its attributes on
 * every `add` (sorts the keys, stringifies them: ~0.8 µs here, more than a
 * whole in-memory publish); a `Series` is an attribute set made once and a
 * count, incremented for nothing and reported at collection time: by an
 * asynchronous counter on the SDK path, by the {@link MetricsProducer} on the
 * in-process one. The same monotonic sum either way.
 */
import type { Attributes, ObservableResult } from '@opentelemetry/api';
import type { DurationHistogram } from './histogram.js';
import { ATTR_ERROR_TYPE } from './semantic-conventions.js';

/** One attribute set, its count, its durations (in-process aggregation only), and the same set with each `error.type` seen. */
export class Series {
  /** What the counter reports for this attribute set. */
  count = 0;
  /** This interval's durations, made at the first one recorded (in-process aggregation only). */
  histogram: DurationHistogram | undefined = undefined;
  readonly #failures = new Map<string, Series>();

  constructor(readonly attributes: Attributes) {}

  /** These attributes plus `error.type`, made once per error type. */
  failure(errorType: string): Series {
    let failure = this.#failures.get(errorType);
    if (failure === undefined) {
      failure = new Series({ ...this.attributes, [ATTR_ERROR_TYPE]: errorType });
      this.#failures.set(errorType, failure);
    }
    return failure;
  }

  /** Reports the count of this set and of its failures, skipping those never counted (as a synchronous counter would). */
  observe(result: ObservableResult): void {
    if (this.count > 0) result.observe(this.count, this.attributes);
    for (const failure of this.#failures.values()) failure.observe(result);
  }

  /** Calls `visit` with this series, then with each of its failures. */
  forEach(visit: (series: Series) => void): void {
    visit(this);
    for (const failure of this.#failures.values()) failure.forEach(visit);
  }
}
