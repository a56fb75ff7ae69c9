/**
 * The relay's retry schedule: exponential backoff with full jitter (the
 * AWS Architecture Blog's "Exponential Backoff And Jitter"), so relays and
 * rows that failed together do not retry together.
 */

/** Options of the relay's retries. */
export interface OutboxRetryOptions {
  /** Sends per row before it is dead-lettered. Default 10. */
  readonly maxAttempts?: number;
  /** The backoff ceiling after the first failure, in ms; it doubles per failure. Default 200. */
  readonly initialDelayMs?: number;
  /** The largest backoff ceiling, in ms. Default 60 000. */
  readonly maxDelayMs?: number;
}

/** The delay before the attempt after `failures` failures: uniform in [0, min(max, initial · 2^(failures−1))]. */
export function backoffDelay(failures: number, options: Required<OutboxRetryOptions>, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.max(0, failures - 1));
  return Math.round(random() * ceiling);
}
