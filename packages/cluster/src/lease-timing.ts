/**
 * The timing of a lease: its ttl, how often it is renewed, and the safety
 * margin by which the holder steps down before the engine lets anyone else
 * take it. Issue 15: renew every ttl/3; step down when the last successful
 * renewal is older than ttl − margin on the monotonic clock.
 */
import { BusError } from '@bus/core';

/**
 * Options of a lease's timing.
 *
 * @example
 * ```ts
 * postgresLease({ pool, name: 'relay', ttlMs: 5_000, safetyMarginMs: 1_000 });
 * ```
 */
export interface LeaseTimingOptions {
  /** How long a lease lasts in the engine after its last renewal. Default 10 000 ms. */
  readonly ttlMs?: number;
  /** How often the holder renews (and followers try to take an expired lease). Default ttl / 3. */
  readonly renewIntervalMs?: number;
  /**
   * How long before the engine's expiry the holder steps down: the clock-rate
   * difference and the event-loop lag it absorbs. Default ttl / 5.
   */
  readonly safetyMarginMs?: number;
}

/**
 * A lease's timing, checked.
 *
 * @example
 * ```ts
 * postgresLease({ pool, name: 'relay', ttlMs: 9_000 }).timing; // { ttlMs: 9000, renewIntervalMs: 3000, safetyMarginMs: 1800, validityMs: 7200 }
 * ```
 */
export interface LeaseTiming {
  /** How long a lease lasts in the engine after its last renewal. */
  readonly ttlMs: number;
  /** How often the holder renews. */
  readonly renewIntervalMs: number;
  /** How long before the engine's expiry the holder steps down. */
  readonly safetyMarginMs: number;
  /** ttl − margin: how long a renewal keeps the holder leading on its own clock. */
  readonly validityMs: number;
}

/** Checks and fills in a lease's timing. */
export function leaseTiming(options: LeaseTimingOptions): LeaseTiming {
  const ttlMs = options.ttlMs ?? 10_000;
  if (!Number.isInteger(ttlMs) || ttlMs < 100) throw new BusError('CONFIG_INVALID', `ttlMs must be an integer ≥ 100, got ${ttlMs}.`);
  const renewIntervalMs = options.renewIntervalMs ?? Math.floor(ttlMs / 3);
  const safetyMarginMs = options.safetyMarginMs ?? Math.floor(ttlMs / 5);
  if (!(safetyMarginMs > 0 && safetyMarginMs < ttlMs)) {
    throw new BusError('CONFIG_INVALID', `safetyMarginMs must be > 0 and < ttlMs (${ttlMs}), got ${safetyMarginMs}.`);
  }
  const validityMs = ttlMs - safetyMarginMs;
  if (!(renewIntervalMs > 0 && renewIntervalMs < validityMs)) {
    throw new BusError(
      'CONFIG_INVALID',
      `renewIntervalMs must be > 0 and < ttlMs − safetyMarginMs (${validityMs}), got ${renewIntervalMs}: the holder would step down between renewals.`,
    );
  }
  return { ttlMs, renewIntervalMs, safetyMarginMs, validityMs };
}
