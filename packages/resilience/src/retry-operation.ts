/**
 * Retries one async operation (a publish, a call) with exponential backoff,
 * for code that is not a subscription handler: `retryOperation(() =>
 * bus.publish(…), { maxAttempts: 3, initialDelayMs: 1_000 })`. The same
 * cockatiel policy the plugin runs handlers under, with the jitter a choice.
 */
import { BusError } from '@bus/core';
import {
  ExponentialBackoff,
  fullJitterGenerator,
  handleWhen,
  type IBackoffFactory,
  type IRetryBackoffContext,
  noJitterGenerator,
  retry,
} from 'cockatiel';

/**
 * Options of {@link retryOperation}.
 *
 * @example
 * ```ts
 * const options: RetryOperationOptions = { maxAttempts: 3, initialDelayMs: 1_000, jitter: false };
 * ```
 */
export interface RetryOperationOptions {
  /** Attempts in all, the first included. 1 means no retry. Default 3. */
  readonly maxAttempts?: number;
  /** The wait after the first failure, in ms; it doubles after each further one. Default 100. */
  readonly initialDelayMs?: number;
  /** The longest wait, in ms. Default: no limit. */
  readonly maxDelayMs?: number;
  /** Full jitter (a random wait in `[0, delay)`, the default) or `false` for the exact `initialDelayMs × 2^n`. */
  readonly jitter?: boolean;
  /** Whether a failure is worth another attempt. Default: unless `error.retryable` is `false`. */
  readonly retryable?: (error: unknown) => boolean;
  /** Called before each wait with the failure, the attempt that failed (1-based) and the wait in ms. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Aborts the waits and the attempts' signal. */
  readonly signal?: AbortSignal;
}

/**
 * Runs `operation` until it resolves or `maxAttempts` have failed, waiting
 * `initialDelayMs × 2^(n-1)` (with jitter unless `jitter: false`) after the
 * n-th failure; rejects with the last failure as it was thrown.
 *
 * @example
 * ```ts
 * await retryOperation(() => bus.publish('orders.created', order), { maxAttempts: 5, initialDelayMs: 200 });
 * ```
 */
export async function retryOperation<T>(
  operation: (attempt: number, signal: AbortSignal) => Promise<T>,
  options: RetryOperationOptions = {},
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 3;
  const initialDelay = options.initialDelayMs ?? 100;
  const maxDelay = options.maxDelayMs ?? Number.POSITIVE_INFINITY;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new BusError('CONFIG_INVALID', `retryOperation: maxAttempts must be an integer ≥ 1, got ${String(maxAttempts)}.`);
  }
  if (!(initialDelay >= 0) || !(maxDelay >= 0)) {
    throw new BusError('CONFIG_INVALID', 'retryOperation: initialDelayMs and maxDelayMs must be numbers ≥ 0.');
  }
  const retryable = options.retryable ?? ((error: unknown) => (error as { retryable?: unknown } | null)?.retryable !== false);
  const backoff: IBackoffFactory<IRetryBackoffContext<unknown>> = new ExponentialBackoff({
    generator: options.jitter === false ? noJitterGenerator : fullJitterGenerator,
    initialDelay,
    maxDelay,
  });
  const policy = retry(
    handleWhen((error) => retryable(error)),
    { maxAttempts: maxAttempts - 1, backoff },
  );
  const onRetry = options.onRetry;
  const listener =
    onRetry === undefined
      ? undefined
      : policy.onRetry((event) => onRetry('error' in event ? event.error : undefined, event.attempt, event.delay));
  try {
    return await policy.execute(({ attempt, signal }) => operation(attempt + 1, signal), options.signal);
  } finally {
    listener?.dispose();
  }
}
