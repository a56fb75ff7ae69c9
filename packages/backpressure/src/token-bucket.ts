/**
 * A token bucket: `limit` tokens per `intervalMs`, refilled continuously, at
 * most `burst` saved up. Each event started takes one.
 */
import { BusError } from '@bus/core';

/**
 * A rate limit: at most `limit` events started per `intervalMs`, with bursts
 * of up to `burst` events after a quiet period.
 *
 * @example
 * ```ts
 * const rate: RateLimit = { limit: 100, intervalMs: 1000, burst: 20 }; // 100 events/s, 20 at once at most
 * ```
 */
export interface RateLimit {
  /** Tokens added per interval. */
  readonly limit: number;
  /** The interval, in milliseconds. Default 1000. */
  readonly intervalMs?: number;
  /** The most tokens the bucket holds (and starts with). Default `limit`. */
  readonly burst?: number;
}

export class TokenBucket {
  readonly #perMs: number;
  readonly #burst: number;
  #tokens: number;
  #refilledAt: number;

  constructor(rate: RateLimit, where: string) {
    const intervalMs = rate.intervalMs ?? 1000;
    const burst = rate.burst ?? rate.limit;
    if (!(rate.limit > 0) || !Number.isFinite(rate.limit)) {
      throw new BusError('INVALID_SUBSCRIPTION', `${where}: rate.limit must be a positive number, got ${String(rate.limit)}.`);
    }
    if (!(intervalMs > 0) || !Number.isFinite(intervalMs)) {
      throw new BusError('INVALID_SUBSCRIPTION', `${where}: rate.intervalMs must be a positive number, got ${String(intervalMs)}.`);
    }
    if (!(burst >= 1) || !Number.isFinite(burst)) {
      throw new BusError('INVALID_SUBSCRIPTION', `${where}: rate.burst must be a number >= 1, got ${String(burst)}.`);
    }
    this.#perMs = rate.limit / intervalMs;
    this.#burst = burst;
    this.#tokens = burst;
    this.#refilledAt = Date.now();
  }

  /** Takes a token if there is one. */
  tryTake(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Milliseconds until the next token (0 when one is there). */
  msUntilToken(): number {
    this.#refill();
    return this.#tokens >= 1 ? 0 : Math.ceil((1 - this.#tokens) / this.#perMs);
  }

  #refill(): void {
    const now = Date.now();
    if (now > this.#refilledAt) {
      this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#refilledAt) * this.#perMs);
      this.#refilledAt = now;
    }
  }
}
