/**
 * The options of the resilience plugin: plugin-wide defaults, and the
 * per-subscription override (`subscribe(…, { resilience })`, typed by
 * augmenting `@bus/core`'s `SubscribeOptions`).
 */
import { BusError, type EventEnvelope } from '@bus/core';
import type { DeadLetterSink } from './dead-letter.js';

/**
 * Retries with exponential backoff and full jitter: before attempt `n + 1`
 * the handler waits a random time in `[0, min(maxDelayMs, initialDelayMs × 2^(n-1)))`.
 *
 * @example
 * ```ts
 * const retry: RetryOptions = { maxAttempts: 5, initialDelayMs: 200, maxDelayMs: 5_000 };
 * ```
 */
export interface RetryOptions {
  /** Attempts in all, the first included. 1 means no retry. Default 3. */
  readonly maxAttempts?: number;
  /** The backoff ceiling before the second attempt, in ms; it doubles each attempt. Default 100. */
  readonly initialDelayMs?: number;
  /** The largest backoff ceiling, in ms. Default 10 000. */
  readonly maxDelayMs?: number;
  /**
   * Whether a failure is worth another attempt. Default: unless
   * `error.retryable` is `false` (a `BusError` code's default, e.g.
   * `SCHEMA_INVALID`, or any thrown error with `retryable: false`). A failure
   * that is not retryable is dead-lettered at once.
   */
  readonly retryable?: (error: BusError, event: EventEnvelope) => boolean;
}

/**
 * A circuit breaker that opens after `failures` failed attempts in a row.
 *
 * @example
 * ```ts
 * const breaker: ConsecutiveBreakerOptions = { failures: 5, halfOpenAfterMs: 30_000 };
 * ```
 */
export interface ConsecutiveBreakerOptions {
  /** The kind of breaker; the default. */
  readonly kind?: 'consecutive';
  /** Failed attempts in a row that open the circuit. */
  readonly failures: number;
  /** How long it stays open before one trial attempt (half-open). Default 10 000 ms. */
  readonly halfOpenAfterMs?: number;
}

/**
 * A circuit breaker that opens when the failure rate over a sliding window
 * passes `threshold`.
 *
 * @example
 * ```ts
 * const breaker: SamplingBreakerOptions = { kind: 'sampling', threshold: 0.5, durationMs: 10_000, minimumRps: 5 };
 * ```
 */
export interface SamplingBreakerOptions {
  /** The kind of breaker. */
  readonly kind: 'sampling';
  /** The failure rate (0 to 1, exclusive) that opens the circuit. */
  readonly threshold: number;
  /** The sliding window, in ms. */
  readonly durationMs: number;
  /** Attempts per second (> 0) below which the circuit never opens. Default: cockatiel's, 5 failures a second at the threshold. */
  readonly minimumRps?: number;
  /** How long it stays open before one trial attempt (half-open). Default 10 000 ms. */
  readonly halfOpenAfterMs?: number;
}

/**
 * A circuit breaker per subscription: while open, attempts fail at once with
 * `CIRCUIT_OPEN` (retryable, so retries back off and may outlast it).
 *
 * @example
 * ```ts
 * const breaker: CircuitBreakerOptions = { failures: 10 };
 * ```
 */
export type CircuitBreakerOptions = ConsecutiveBreakerOptions | SamplingBreakerOptions;

/**
 * How a timeout stops an attempt.
 *
 * - `aggressive`: the attempt fails with `HANDLER_TIMEOUT` at the deadline,
 *   `ctx.signal` is aborted, and a handler that ignores the signal carries
 *   on in the background (possibly beside the next attempt).
 * - `cooperative`: `ctx.signal` is aborted at the deadline and the attempt
 *   ends when the handler does: with `HANDLER_TIMEOUT` if it then throws,
 *   as a success if it finishes anyway. Attempts never overlap, but a
 *   handler that ignores the signal is never cut short.
 *
 * @example
 * ```ts
 * bus.subscribe('files.uploaded', handler, { resilience: { timeoutMs: 5_000, timeoutStrategy: 'cooperative' } });
 * ```
 */
export type TimeoutStrategy = 'aggressive' | 'cooperative';

/**
 * Resilience of one subscription, over the plugin's defaults.
 *
 * @example
 * ```ts
 * bus.subscribe('payments.captured', handler, {
 *   resilience: { retry: { maxAttempts: 10 }, timeoutMs: 2_000, circuitBreaker: { failures: 5 } },
 * });
 * ```
 */
export interface SubscriptionResilience {
  /** Retries (merged over the defaults' retry), or `false` for a single attempt. */
  readonly retry?: RetryOptions | false;
  /** A deadline per attempt, in ms, or `false` for none. */
  readonly timeoutMs?: number | false;
  /** How the timeout stops an attempt. Default `'aggressive'`. */
  readonly timeoutStrategy?: TimeoutStrategy;
  /** A circuit breaker for this subscription, or `false` for none. */
  readonly circuitBreaker?: CircuitBreakerOptions | false;
  /**
   * `false`: when attempts run out the delivery fails (the kernel reports it
   * on `'failed'`; transports with redelivery redeliver) instead of going to
   * the dead-letter sink. Default `true`.
   */
  readonly deadLetter?: boolean;
}

/**
 * Options of the `resilience()` plugin: the defaults of every subscription,
 * and the dead-letter sink.
 *
 * @example
 * ```ts
 * const options: ResilienceOptions = {
 *   retry: { maxAttempts: 5, initialDelayMs: 100, maxDelayMs: 10_000 },
 *   timeoutMs: 30_000,
 *   circuitBreaker: { failures: 20, halfOpenAfterMs: 60_000 },
 *   deadLetter: transportDeadLetterSink(),
 * };
 * ```
 */
export interface ResilienceOptions extends Omit<SubscriptionResilience, 'deadLetter'> {
  /**
   * Where events go when their attempts run out. Default: a
   * `memoryDeadLetterSink()`. `false`: nowhere; the delivery fails instead.
   */
  readonly deadLetter?: DeadLetterSink | false;
}

declare module '@bus/core' {
  interface SubscribeOptions {
    /**
     * `@bus/resilience`: this subscription's retries, timeout, circuit
     * breaker and dead-lettering, over the plugin's defaults; `false` to call
     * the handler once, as without the plugin.
     */
    resilience?: SubscriptionResilience | false;
  }
}

/** One subscription's resilience with every default applied and checked. */
export interface ResolvedResilience {
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly retryable: (error: BusError, event: EventEnvelope) => boolean;
  readonly timeoutMs: number | undefined;
  readonly timeoutStrategy: TimeoutStrategy;
  readonly circuitBreaker: CircuitBreakerOptions | undefined;
  readonly deadLetter: boolean;
}

type OptionsErrorCode = 'PLUGIN_INVALID' | 'INVALID_SUBSCRIPTION';

const defaultRetryable = (error: BusError): boolean => error.retryable;

/** Merges `override` over `defaults` over the built-in defaults, and checks the result. */
export function resolveResilience(
  defaults: Omit<SubscriptionResilience, 'deadLetter'>,
  override: SubscriptionResilience | undefined,
  where: string,
  code: OptionsErrorCode,
): ResolvedResilience {
  if (override !== undefined && (typeof override !== 'object' || override === null)) {
    throw new BusError(code, `${where}: resilience must be an object or false.`);
  }
  const retryOverride = override?.retry;
  const retry: RetryOptions | false =
    retryOverride === false || (retryOverride === undefined && defaults.retry === false)
      ? false
      : { ...(defaults.retry || {}), ...(retryOverride || {}) };
  const backoff: RetryOptions = retry === false ? {} : retry;
  const resolved: ResolvedResilience = {
    maxAttempts: retry === false ? 1 : (retry.maxAttempts ?? 3),
    initialDelayMs: backoff.initialDelayMs ?? 100,
    maxDelayMs: backoff.maxDelayMs ?? 10_000,
    retryable: backoff.retryable ?? defaultRetryable,
    timeoutMs: pick(override?.timeoutMs, defaults.timeoutMs) || undefined,
    timeoutStrategy: override?.timeoutStrategy ?? defaults.timeoutStrategy ?? 'aggressive',
    circuitBreaker: pick(override?.circuitBreaker, defaults.circuitBreaker) || undefined,
    deadLetter: override?.deadLetter ?? true,
  };
  if (!Number.isSafeInteger(resolved.maxAttempts) || resolved.maxAttempts < 1) {
    throw new BusError(code, `${where}: retry.maxAttempts must be an integer >= 1, got ${String(resolved.maxAttempts)}.`);
  }
  checkMs(resolved.initialDelayMs, 'retry.initialDelayMs', where, code);
  checkMs(resolved.maxDelayMs, 'retry.maxDelayMs', where, code);
  if (typeof resolved.retryable !== 'function') throw new BusError(code, `${where}: retry.retryable must be a function.`);
  if (resolved.timeoutMs !== undefined && !(resolved.timeoutMs > 0 && Number.isFinite(resolved.timeoutMs))) {
    throw new BusError(code, `${where}: timeoutMs must be a positive number or false, got ${String(resolved.timeoutMs)}.`);
  }
  if (resolved.timeoutStrategy !== 'aggressive' && resolved.timeoutStrategy !== 'cooperative') {
    throw new BusError(code, `${where}: timeoutStrategy must be 'aggressive' or 'cooperative', got ${String(resolved.timeoutStrategy)}.`);
  }
  if (resolved.circuitBreaker !== undefined) checkBreaker(resolved.circuitBreaker, where, code);
  return resolved;
}

function pick<T>(override: T | undefined, fallback: T | undefined): T | undefined {
  return override === undefined ? fallback : override;
}

function checkMs(value: number, name: string, where: string, code: OptionsErrorCode): void {
  if (!(value >= 0) || !Number.isFinite(value)) throw new BusError(code, `${where}: ${name} must be a number >= 0, got ${String(value)}.`);
}

function checkBreaker(breaker: CircuitBreakerOptions, where: string, code: OptionsErrorCode): void {
  if (typeof breaker !== 'object' || breaker === null) throw new BusError(code, `${where}: circuitBreaker must be an object or false.`);
  checkMs(breaker.halfOpenAfterMs ?? 0, 'circuitBreaker.halfOpenAfterMs', where, code);
  if (breaker.kind === 'sampling') {
    if (!(breaker.threshold > 0 && breaker.threshold < 1)) {
      throw new BusError(code, `${where}: circuitBreaker.threshold must be between 0 and 1, got ${String(breaker.threshold)}.`);
    }
    if (breaker.minimumRps !== undefined && !(breaker.minimumRps > 0)) {
      throw new BusError(code, `${where}: circuitBreaker.minimumRps must be a positive number, got ${String(breaker.minimumRps)}.`);
    }
    if (!(breaker.durationMs > 0)) {
      throw new BusError(code, `${where}: circuitBreaker.durationMs must be a positive number, got ${String(breaker.durationMs)}.`);
    }
    return;
  }
  if (breaker.kind !== undefined && breaker.kind !== 'consecutive') {
    throw new BusError(code, `${where}: circuitBreaker.kind must be 'consecutive' or 'sampling', got ${String(breaker.kind)}.`);
  }
  if (!Number.isSafeInteger(breaker.failures) || breaker.failures < 1) {
    throw new BusError(code, `${where}: circuitBreaker.failures must be an integer >= 1, got ${String(breaker.failures)}.`);
  }
}
