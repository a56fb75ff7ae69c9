/** What a backend author passes to the conformance suite, and the defaults filled in. */
import type { BackendCapabilities, EventStoreBackend } from '../event-store.js';

/**
 * Options of {@link describeEventStoreConformance}.
 *
 * @example
 * ```ts
 * const options: EventStoreConformanceOptions = {
 *   createBackend: (name) => sqliteBackend({ path: join(directory, `${name}.db`) }),
 *   concurrentWriters: 50,
 * };
 * ```
 */
export interface EventStoreConformanceOptions {
  /**
   * Makes a backend over the store called `name`: a new name must reach an
   * empty store, the same name the same data (for durable backends, once the
   * previous backend over it was closed; for `multiWriter` ones, also while it is open).
   * Every test uses new names; the suite closes every backend it made.
   */
  readonly createBackend: (name: string) => EventStoreBackend | Promise<EventStoreBackend>;
  /**
   * The capabilities that select tests. Default: those of one backend made by
   * `createBackend` (never used) when the suite is collected.
   */
  readonly capabilities?: BackendCapabilities;
  /** How many concurrent writers the concurrency test runs (on 5 streams). Default 50. */
  readonly concurrentWriters?: number;
  /** The vitest timeout of each test, in ms. Default 60 000. */
  readonly testTimeoutMs?: number;
}

/** The options with defaults applied. */
export interface ConformanceSettings {
  readonly createBackend: (name: string) => EventStoreBackend | Promise<EventStoreBackend>;
  readonly concurrentWriters: number;
  readonly testTimeoutMs: number;
}

/** Checks the options and fills in the defaults. */
export function resolveSettings(options: EventStoreConformanceOptions): ConformanceSettings {
  if (typeof options?.createBackend !== 'function') {
    throw new TypeError('describeEventStoreConformance: options.createBackend must be a function (name) => backend.');
  }
  const concurrentWriters = options.concurrentWriters ?? 50;
  if (!Number.isSafeInteger(concurrentWriters) || concurrentWriters < 5) {
    throw new TypeError('describeEventStoreConformance: options.concurrentWriters must be an integer >= 5.');
  }
  return { createBackend: options.createBackend, concurrentWriters, testTimeoutMs: options.testTimeoutMs ?? 60_000 };
}
