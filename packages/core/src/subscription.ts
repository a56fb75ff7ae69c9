/** Subscriptions: what `subscribe` takes and returns. */
import type { EventEnvelope } from './envelope.js';
import type { DeliveryContext } from './pipeline.js';

/**
 * Handles one event. Returning normally (or resolving) acknowledges the
 * delivery; throwing (or rejecting) fails it: the error goes to
 * `bus.events` `failed` and, with `@bus/resilience`, to retries and dead letters.
 *
 * @typeParam T - the type of the event's `data`.
 * @example
 * ```ts
 * const onCreated: EventHandler<{ id: string }> = async (event) => {
 *   await billing.open(event.data.id);
 * };
 * ```
 */
export type EventHandler<T = unknown> = (event: EventEnvelope<T>, ctx: DeliveryContext<T>) => void | Promise<void>;

/**
 * Options of `subscribe`. Plugins add fields by augmenting this interface
 * (e.g. `concurrency` from `@bus/backpressure`).
 *
 * @example
 * ```ts
 * bus.subscribe('orders.created', handler, { group: 'billing', name: 'open-invoice' });
 * ```
 */
export interface SubscribeOptions {
  /**
   * A consumer group: of the subscriptions that share a group, one receives
   * each event (events with one `partitionkey` go to the same member).
   */
  group?: string;
  /** A readable name for logs and metrics; defaults to the pattern. */
  name?: string;
  /** Who subscribes, for authorization plugins (`@bus/topics` ACLs). */
  principal?: string;
}

/** A subscription as middleware and events see it. */
export interface Subscription {
  /** Unique within the bus. */
  readonly id: string;
  /** The pattern given to `subscribe` (exact type, or wildcards with `@bus/topics`). */
  readonly pattern: string;
  /** The consumer group, if any. */
  readonly group: string | undefined;
  /** The name given in the options, or the pattern. */
  readonly name: string;
  /** The options given to `subscribe`. */
  readonly options: Readonly<SubscribeOptions>;
}

/**
 * What `subscribe` returns.
 *
 * @example
 * ```ts
 * const handle = bus.subscribe('orders.created', handler);
 * await handle.ready;       // the transport is consuming
 * await handle.unsubscribe();
 * ```
 */
export interface SubscriptionHandle extends Subscription {
  /** Resolves when the transport has attached the subscription (at `start()` for early subscriptions). */
  readonly ready: Promise<void>;
  /** Stops delivery to this subscription. Idempotent. */
  unsubscribe(): Promise<void>;
}
