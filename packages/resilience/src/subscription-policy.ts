/**
 * One subscription's resilience, built once at subscribe time from cockatiel
 * policies: retry (exponential backoff, full jitter) → circuit breaker →
 * timeout → the handler. Each attempt passes the breaker, so an open circuit
 * fails attempts fast while the retry backs off.
 *
 * The first attempt runs outside the retry policy: a delivery that succeeds
 * pays for no retry machinery (and a synchronous handler stays synchronous
 * when there is no breaker or timeout). Only a failure enters the policy.
 */

import { type BusError, type DeliveryContext, isThenable, type Next } from '@bus/core';
import {
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  fullJitterGenerator,
  handleWhen,
  retry,
  SamplingBreaker,
  type TimeoutPolicy,
  TimeoutStrategy,
  timeout,
} from 'cockatiel';
import { attemptFailure, timeoutFailure } from './attempt-failure.js';
import type { CircuitBreakerOptions, ResolvedResilience } from './resilience-options.js';

/**
 * The state of a subscription's circuit breaker: `closed` (attempts run),
 * `open` (attempts fail with `CIRCUIT_OPEN`), `half-open` (one trial attempt
 * decides), `isolated` (held open by hand).
 *
 * @example
 * ```ts
 * if (bus.resilience.circuit(handle.id) === 'open') console.warn('billing is failing fast');
 * ```
 */
export type CircuitStatus = 'closed' | 'open' | 'half-open' | 'isolated';

/** What happens when attempts run out: dead-letter (and resolve), or throw. */
export type GiveUp = (ctx: DeliveryContext, failure: BusError, attempts: number) => void | Promise<void>;

export class SubscriptionPolicy {
  readonly #options: ResolvedResilience;
  readonly #breaker: CircuitBreakerPolicy | undefined;
  readonly #timeout: TimeoutPolicy | undefined;
  readonly #backoff: ExponentialBackoff<unknown>;
  readonly #giveUp: GiveUp;

  constructor(options: ResolvedResilience, giveUp: GiveUp) {
    this.#options = options;
    this.#giveUp = giveUp;
    this.#backoff = new ExponentialBackoff({
      initialDelay: options.initialDelayMs,
      maxDelay: options.maxDelayMs,
      generator: fullJitterGenerator,
    });
    this.#breaker = options.circuitBreaker === undefined ? undefined : makeBreaker(options.circuitBreaker);
    this.#timeout =
      options.timeoutMs === undefined
        ? undefined
        : timeout(options.timeoutMs, {
            strategy: options.timeoutStrategy === 'cooperative' ? TimeoutStrategy.Cooperative : TimeoutStrategy.Aggressive,
            abortOnReturn: false,
          });
  }

  get circuit(): CircuitStatus | undefined {
    const state = this.#breaker?.state;
    switch (state) {
      case undefined:
        return undefined;
      case CircuitState.Closed:
        return 'closed';
      case CircuitState.Open:
        return 'open';
      case CircuitState.HalfOpen:
        return 'half-open';
      default:
        return 'isolated';
    }
  }

  /** Delivers `ctx.event` to the handler with retries, breaker and timeout; gives up through `giveUp`. */
  handle(ctx: DeliveryContext, next: Next): void | Promise<void> {
    const parent = ctx.signal;
    let result: void | Promise<void>;
    try {
      result = this.#attempt(ctx, 1, parent, next);
    } catch (error) {
      return this.#afterFirstFailure(ctx, error, parent, next);
    }
    if (!isThenable(result)) return;
    return result.then(undefined, (error: unknown) => this.#afterFirstFailure(ctx, error, parent, next));
  }

  async #afterFirstFailure(ctx: DeliveryContext, error: unknown, parent: AbortSignal | undefined, next: Next): Promise<void> {
    const event = ctx.event;
    let failure = attemptFailure(error, event.id);
    let attempts = 1;
    const { maxAttempts, retryable } = this.#options;
    if (maxAttempts > 1 && retryable(failure, event)) {
      // Made per failing delivery (never on the success path) so the predicate can see the event.
      const policy = retry(
        handleWhen((thrown) => retryable(thrown as BusError, event)),
        { maxAttempts: maxAttempts - 1, backoff: this.#backoff },
      );
      try {
        await policy.execute(({ attempt }) => {
          // Invocation 0 replays the first attempt's failure, so the policy backs off before attempt 2.
          if (attempt === 0) throw failure;
          attempts = attempt + 1;
          return this.#attemptOrFail(ctx, attempts, parent, next);
        }, parent);
        return;
      } catch (last) {
        failure = attemptFailure(last, event.id);
      }
    }
    return this.#giveUp(ctx, failure, attempts);
  }

  /** An attempt whose failure is always a BusError (what the retry predicate reads). */
  #attemptOrFail(ctx: DeliveryContext, attempt: number, parent: AbortSignal | undefined, next: Next): void | Promise<void> {
    const eventId = ctx.event.id;
    let result: void | Promise<void>;
    try {
      result = this.#attempt(ctx, attempt, parent, next);
    } catch (error) {
      throw attemptFailure(error, eventId);
    }
    if (!isThenable(result)) return;
    return result.then(undefined, (error: unknown) => {
      throw attemptFailure(error, eventId);
    });
  }

  #attempt(ctx: DeliveryContext, attempt: number, parent: AbortSignal | undefined, next: Next): void | Promise<void> {
    ctx.attempt = attempt;
    if (this.#breaker !== undefined) return this.#breaker.execute(() => this.#timed(ctx, parent, next), parent);
    return this.#timed(ctx, parent, next);
  }

  #timed(ctx: DeliveryContext, parent: AbortSignal | undefined, next: Next): void | Promise<void> {
    const policy = this.#timeout;
    if (policy === undefined) return next();
    const cooperative = this.#options.timeoutStrategy === 'cooperative';
    const timeoutMs = this.#options.timeoutMs as number;
    return policy.execute(({ signal }) => {
      ctx.signal = signal;
      if (!cooperative) return next();
      // Cooperative: the handler ends the attempt; a failure after the deadline is the timeout's.
      const timedOut = (error: unknown): unknown =>
        signal.aborted && parent?.aborted !== true ? timeoutFailure(error, ctx.event.id, timeoutMs) : error;
      let result: void | Promise<void>;
      try {
        result = next();
      } catch (error) {
        throw timedOut(error);
      }
      if (!isThenable(result)) return result;
      return result.then(undefined, (error: unknown) => {
        throw timedOut(error);
      });
    }, parent);
  }
}

function makeBreaker(options: CircuitBreakerOptions): CircuitBreakerPolicy {
  const breaker =
    options.kind === 'sampling'
      ? new SamplingBreaker({
          threshold: options.threshold,
          duration: options.durationMs,
          ...(options.minimumRps === undefined ? {} : { minimumRps: options.minimumRps }),
        })
      : new ConsecutiveBreaker(options.failures);
  // A bad event (a failure marked not retryable) says nothing about the dependency: it does not count.
  return circuitBreaker(
    handleWhen((error) => attemptFailure(error, '').retryable),
    { halfOpenAfter: options.halfOpenAfterMs ?? 10_000, breaker },
  );
}
