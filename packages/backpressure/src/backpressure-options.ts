/**
 * The options of the backpressure plugin: plugin-wide defaults, the
 * per-subscription override (`subscribe(…, { backpressure })`, typed by
 * augmenting `@bus/core`'s `SubscribeOptions`), and the outbound limit.
 */
import { BusError } from '@bus/core';
import type { RateLimit } from './token-bucket.js';

/**
 * What a full queue does with one more event.
 *
 * - `block`: the event waits for room; the delivery (and, on the in-memory
 *   transport, the `publish` that made it) resolves once it is queued.
 * - `drop-oldest`: the oldest queued event is dropped to make room.
 * - `drop-newest`: the new event is dropped.
 * - `reject`: the new event is refused with `BusError` `BACKPRESSURE_REJECTED`
 *   (a nack: transports with redelivery deliver it again later).
 *
 * Every drop and refusal is counted and emitted on `bus.events` `'dropped'`.
 *
 * @example
 * ```ts
 * const policy: OverflowPolicy = 'drop-oldest'; // keep the newest events: right for telemetry
 * ```
 */
export type OverflowPolicy = 'block' | 'drop-oldest' | 'drop-newest' | 'reject';

/**
 * Every overflow policy, in order of how much they keep.
 *
 * @example
 * ```ts
 * if (!OVERFLOW_POLICIES.includes(input as OverflowPolicy)) throw new Error(`policy must be one of ${OVERFLOW_POLICIES.join(', ')}`);
 * ```
 */
export const OVERFLOW_POLICIES: readonly OverflowPolicy[] = Object.freeze(['block', 'drop-oldest', 'drop-newest', 'reject']);

/**
 * When a delivery counts as done for the transport (and, on the in-memory
 * transport, for the `publish` that made it):
 *
 * - `queued`: once the subscription's queue accepted the event. Publishers run
 *   ahead of handlers up to `capacity`; handler failures are reported by this
 *   plugin on `bus.events` `'failed'`.
 * - `handled`: once the handler finished, as without this plugin; failures
 *   nack as usual, so transports with redelivery still redeliver.
 *
 * @example
 * ```ts
 * bus.subscribe('payments.captured', handler, { backpressure: { ack: 'handled' } });
 * ```
 */
export type AckMode = 'queued' | 'handled';

/**
 * Backpressure for one subscription: a bounded queue in front of a limited
 * number of concurrent handler calls, optionally rate-limited.
 *
 * @example
 * ```ts
 * bus.subscribe('orders.created', handler, {
 *   backpressure: { capacity: 500, policy: 'reject', concurrency: 8, rate: { limit: 100, intervalMs: 1000 } },
 * });
 * ```
 */
export interface SubscriptionBackpressure {
  /** Events that may wait for a handler slot (not counting those running). At least 1. Default 1000. */
  readonly capacity?: number;
  /** What a full queue does with one more event. Default `'block'`. */
  readonly policy?: OverflowPolicy;
  /**
   * Handler calls in flight at once. Events with the same `partitionkey` still
   * run one at a time, in the order they arrived. Default 1.
   */
  readonly concurrency?: number;
  /** At most this many handler starts per interval (a token bucket). Default: no limit. */
  readonly rate?: RateLimit;
  /**
   * When the delivery counts as done. Default: `'queued'` on transports
   * without redelivery (the in-memory one), `'handled'` on transports that
   * redeliver (so an ack still means the handler finished).
   */
  readonly ack?: AckMode;
  /**
   * Priority order of a backlog: the queued event of highest `priority` starts
   * first (no priority counts as 0; order within one partition key is kept),
   * but the oldest event that may start is overtaken by younger ones at most
   * this many times, then starts next, so none starves. `0`: first come, first
   * served. Default 16.
   */
  readonly maxOvertakes?: number;
}

/**
 * A limit on publishes in flight (from the publish `guard` phase until the
 * transport accepted the event). A publish beyond `maxInFlight` waits in a
 * line of `capacity`; when that line is full, `policy` decides.
 *
 * @example
 * ```ts
 * const outbound: OutboundLimit = { maxInFlight: 64, policy: 'reject' }; // the 65th concurrent publish rejects
 * ```
 */
export interface OutboundLimit {
  /** Publishes in flight at once. */
  readonly maxInFlight: number;
  /**
   * What a publish does when `maxInFlight` are in flight and the waiting line
   * is full: `block` waits anyway, `drop-oldest` drops the longest-waiting
   * publish, `drop-newest` drops this one (both resolve without sending, and
   * emit `'dropped'`), `reject` rejects it with `BACKPRESSURE_REJECTED`.
   * Default `'block'`.
   */
  readonly policy?: OverflowPolicy;
  /** Publishes that may wait for a slot before `policy` applies. Default 0. */
  readonly capacity?: number;
}

/**
 * Options of the `backpressure()` plugin.
 *
 * @example
 * ```ts
 * const options: BackpressureOptions = {
 *   defaults: { capacity: 1000, policy: 'block', concurrency: 4 },
 *   outbound: { maxInFlight: 256, policy: 'reject' },
 * };
 * ```
 */
export interface BackpressureOptions {
  /** Backpressure for every subscription that does not override it. */
  readonly defaults?: SubscriptionBackpressure;
  /** A limit on publishes in flight. Default: none. */
  readonly outbound?: OutboundLimit;
  /**
   * How long `bus.stop()` waits for queued events to be handled before it drops
   * the rest (each emitted on `'dropped'`). Default 30 000 ms.
   */
  readonly drainTimeoutMs?: number;
}

declare module '@bus/core' {
  interface SubscribeOptions {
    /**
     * `@bus/backpressure`: this subscription's queue, over the plugin's
     * defaults; `false` for no queue at all (handlers called as without the plugin).
     */
    backpressure?: SubscriptionBackpressure | false;
  }
}

/** Subscription backpressure with every default applied and checked. */
export interface ResolvedBackpressure {
  readonly capacity: number;
  readonly policy: OverflowPolicy;
  readonly concurrency: number;
  readonly rate: RateLimit | undefined;
  readonly ack: AckMode | undefined;
  readonly maxOvertakes: number;
}

const DEFAULTS = { capacity: 1000, policy: 'block', concurrency: 1, maxOvertakes: 16 } as const;

/** Merges `override` over `defaults` over the built-in defaults, and checks the result. */
export function resolveBackpressure(
  defaults: SubscriptionBackpressure | undefined,
  override: SubscriptionBackpressure | undefined,
  where: string,
  code: 'PLUGIN_INVALID' | 'INVALID_SUBSCRIPTION',
): ResolvedBackpressure {
  if (override !== undefined && (typeof override !== 'object' || override === null)) {
    throw new BusError(code, `${where}: backpressure must be an object or false.`);
  }
  const merged = { ...DEFAULTS, ...defaults, ...override };
  const resolved: ResolvedBackpressure = {
    capacity: merged.capacity,
    policy: merged.policy,
    concurrency: merged.concurrency,
    rate: merged.rate,
    ack: merged.ack,
    maxOvertakes: merged.maxOvertakes,
  };
  if (!isCount(resolved.maxOvertakes, 0)) {
    throw new BusError(code, `${where}: maxOvertakes must be an integer >= 0 or Infinity, got ${String(resolved.maxOvertakes)}.`);
  }
  if (!isCount(resolved.capacity, 1)) {
    throw new BusError(code, `${where}: capacity must be an integer >= 1 or Infinity, got ${String(resolved.capacity)}.`);
  }
  if (!isCount(resolved.concurrency, 1)) {
    throw new BusError(code, `${where}: concurrency must be an integer >= 1 or Infinity, got ${String(resolved.concurrency)}.`);
  }
  checkPolicy(resolved.policy, where, code);
  if (resolved.ack !== undefined && resolved.ack !== 'queued' && resolved.ack !== 'handled') {
    throw new BusError(code, `${where}: ack must be 'queued' or 'handled', got ${String(resolved.ack)}.`);
  }
  if (resolved.rate !== undefined && (typeof resolved.rate !== 'object' || resolved.rate === null)) {
    throw new BusError(code, `${where}: rate must be { limit, intervalMs?, burst? }.`);
  }
  return resolved;
}

/** Checks an outbound limit and applies its defaults. */
export function resolveOutbound(outbound: OutboundLimit): Required<OutboundLimit> {
  const where = 'backpressure({ outbound })';
  if (typeof outbound !== 'object' || outbound === null) {
    throw new BusError('PLUGIN_INVALID', `${where} must be { maxInFlight, policy?, capacity? }.`);
  }
  const resolved = { policy: 'block' as OverflowPolicy, capacity: 0, ...outbound };
  if (!isCount(resolved.maxInFlight, 1)) {
    throw new BusError('PLUGIN_INVALID', `${where}: maxInFlight must be an integer >= 1, got ${String(resolved.maxInFlight)}.`);
  }
  if (!isCount(resolved.capacity, 0)) {
    throw new BusError('PLUGIN_INVALID', `${where}: capacity must be an integer >= 0 or Infinity, got ${String(resolved.capacity)}.`);
  }
  checkPolicy(resolved.policy, where, 'PLUGIN_INVALID');
  return resolved;
}

function checkPolicy(policy: unknown, where: string, code: 'PLUGIN_INVALID' | 'INVALID_SUBSCRIPTION'): void {
  if (!OVERFLOW_POLICIES.includes(policy as OverflowPolicy)) {
    throw new BusError(code, `${where}: policy must be one of ${OVERFLOW_POLICIES.join(', ')}, got ${String(policy)}.`);
  }
}

function isCount(value: unknown, min: number): value is number {
  return value === Number.POSITIVE_INFINITY || (Number.isSafeInteger(value) && (value as number) >= min);
}
