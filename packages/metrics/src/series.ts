/**
 * Counting in process. An OpenTelemetry counter hashes its attributes on
 * every `add` (sorts the keys, stringifies them: ~0.8 µs here, more than a
 * whole in-memory publish); a `Series` is an attribute set made once and a
 * count, incremented for nothing and reported by an asynchronous counter at
 * collection time: the same monotonic sum, exported the same way.
 */
import type { Attributes, ObservableResult } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from './semantic-conventions.js';

/** One attribute set, its count, and the same set with each `error.type` seen. */
export class Series {
  /** What the counter reports for this attribute set. */
  count = 0;
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
}
