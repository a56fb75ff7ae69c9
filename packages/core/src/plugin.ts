/**
 * Plugins: `{ name, setup(kernel) }`. `setup` registers middleware into phases,
 * may set the transport or router, and returns the extension it adds to the
 * bus (`outbox()` adds `bus.outbox`), which `bus.use()` types.
 */

import type { Bus, StopOptions } from './bus-api.js';
import type { BusEventMap, BusEvents, DroppedEvent } from './bus-events.js';
import type { EventEnvelope } from './envelope.js';
import type { BusError, BusErrorCode } from './errors.js';
import type { GaugeSource } from './gauges.js';
import type { Logger } from './logger.js';
import type { DeliverMiddleware, DeliverPhase, MiddlewareOptions, PublishMiddleware, PublishPhase } from './pipeline.js';
import type { RouterFactory } from './router.js';
import type { SendInterceptor } from './send-interceptor.js';
import type { Subscription } from './subscription.js';
import type { Transport } from './transport.js';
import type { UndecodableKeeper } from './undecodable.js';

/** A plugin that adds nothing to the bus. */
export type NoExtension = Record<never, never>;

/**
 * Runs when a subscription is made: throw to refuse it, return a function to
 * run when it is unsubscribed.
 *
 * @example
 * ```ts
 * const hook: SubscribeHook = (subscription) => {
 *   queues.set(subscription.id, []);
 *   return () => queues.delete(subscription.id);
 * };
 * ```
 */
// biome-ignore lint/suspicious/noConfusingVoidType: a hook that returns nothing is inferred as void
export type SubscribeHook = (subscription: Subscription) => void | (() => void);

/**
 * What a plugin's `setup` receives: the registration surface of the bus.
 * Everything here is only valid during `setup` (before `start()`), except
 * `bus`, `events` and `source`.
 *
 * @example
 * ```ts
 * setup(kernel) {
 *   kernel.usePublish('guard', function quota(ctx, next) { return next(); });
 *   kernel.onStop(() => pool.end());
 * }
 * ```
 */
export interface Kernel {
  /** The bus being assembled. */
  readonly bus: Bus;
  /** The bus's signals. */
  readonly events: BusEvents;
  /** The bus's default `source`. */
  readonly source: string;
  /** Adds publish middleware to a phase; within a phase, by `order`, then the first added is outermost. */
  usePublish(phase: PublishPhase, middleware: PublishMiddleware, options?: MiddlewareOptions): void;
  /**
   * Adds deliver middleware to a phase; within a phase, by `order`, then the
   * first added is outermost — except `decode`, which runs mirrored (see {@link MiddlewareOptions}).
   */
  useDeliver(phase: DeliverPhase, middleware: DeliverMiddleware, options?: MiddlewareOptions): void;
  /** Sets the bus's transport. A second transport is a `PLUGIN_CONFLICT`. */
  setTransport(transport: Transport): void;
  /** Sets how subscription patterns match types. A second router is a `PLUGIN_CONFLICT`. */
  setRouter(factory: RouterFactory): void;
  /** Runs after the transport started, in plugin order. */
  onStart(hook: () => void | Promise<void>): void;
  /**
   * Runs at `stop()` after draining, in reverse plugin order, with the options
   * `stop` was given (a plugin with queues of its own drains them unless `drain` is false).
   */
  onStop(hook: (options: StopOptions) => void | Promise<void>): void;
  /**
   * Runs as soon as `stop()` begins, before the kernel drains, while the
   * transport still runs, in reverse plugin order: a plugin that sends on its
   * own (the outbox relay) stops taking work here and finishes what it sent.
   */
  onStopping(hook: (options: StopOptions) => void | Promise<void>): void;
  /**
   * Runs for every `subscribe()` before it takes effect, in plugin order. Throw
   * a `BusError` to refuse the subscription (e.g. `ACL_DENIED`); return a
   * function to run when it is unsubscribed (e.g. to drop a per-subscription queue).
   */
  onSubscribe(hook: SubscribeHook): void;
  /**
   * Listens to a signal of `bus.events` without taking charge of it: a plugin
   * that counts `failed` events does not silence the kernel's report of
   * failures nobody handles, as a listener added with `events.on` would.
   */
  observe<K extends keyof BusEventMap>(signal: K, listener: (...args: BusEventMap[K]) => void): void;
  /** Whether a plugin of that name has been used. */
  hasPlugin(name: string): boolean;
  /** The bus's logger (`createBus({ logger })`): plugins print through it, never `console`. */
  readonly logger: Logger;
  /**
   * Reports a failure that concerns no single delivery (a transport, a hook, a
   * background task): `events` `'error'`, and the logger when no listener
   * handles `'error'` (an {@link Kernel.observe | observer} does not count).
   * Returns the error as a `BusError` (`code` when it was not one already).
   */
  report(error: unknown, code: BusErrorCode, eventId?: string): BusError;
  /**
   * Fails a delivery that a plugin finished outside the kernel's own call (it
   * queued the event, or a transport consumer decoded it): `events`
   * `'failed'`, and the logger when no listener handles `'failed'`.
   * Returns the error as a `BusError` (`HANDLER_FAILED` when it was not one).
   */
  failDelivery(error: unknown, event: EventEnvelope, subscription: Subscription): BusError;
  /**
   * Reports an event dropped on purpose (a full queue, an ACL filter):
   * `events` `'dropped'`, and a warning on the logger when no listener handles it.
   */
  drop(dropped: DroppedEvent): void;
  /**
   * Takes the events at the end of the publish pipeline, before the
   * transport: every event of one `publish` or `publishBatch` at once, with
   * the publish options. The outbox writes them into the caller's database
   * transaction instead of sending them. Interceptors run in plugin order.
   */
  interceptSend(interceptor: SendInterceptor): void;
  /**
   * Becomes the keeper of the messages a transport could not decode (see
   * `TransportContext.undecodable`): `@bus/resilience` dead-letters
   * them. One keeper per bus; a second is a `PLUGIN_CONFLICT`.
   */
  keepUndecodable(keeper: UndecodableKeeper): void;
  /** Declares gauges for a metrics plugin to report (`@bus/metrics` makes OpenTelemetry observable gauges of them). */
  provideGauges(source: GaugeSource): void;
  /** The gauges every plugin of this bus declared, for a metrics plugin (read them at `start()`). */
  gaugeSources(): readonly GaugeSource[];
}

/**
 * A plugin. Prefer {@link definePlugin} to write one: it infers `E`.
 *
 * @typeParam E - what the plugin adds to the bus.
 */
export interface Plugin<E extends object = NoExtension> {
  /** Unique per bus; `requires` refers to it. */
  readonly name: string;
  /** The version of this contract the plugin was written for. */
  readonly specVersion?: 1;
  /** Names of plugins that must be used before this one. */
  readonly requires?: readonly string[];
  /** Registers the plugin's parts; returns what it adds to the bus. */
  // biome-ignore lint/suspicious/noConfusingVoidType: a setup that returns nothing is inferred as void, not undefined
  setup(kernel: Kernel): E | void;
}

/**
 * Declares a plugin and infers what it adds to the bus from `setup`'s return.
 *
 * @example
 * ```ts
 * export function counter() {
 *   return definePlugin({
 *     name: 'counter',
 *     setup(kernel) {
 *       const counts = new Map<string, number>();
 *       kernel.usePublish('enrich', function count(ctx, next) {
 *         counts.set(ctx.envelope.type, (counts.get(ctx.envelope.type) ?? 0) + 1);
 *         return next();
 *       });
 *       return { counts };
 *     },
 *   });
 * }
 * const bus = createBus().use(counter());
 * bus.counts.get('orders.created');
 * ```
 */
export function definePlugin<E extends object = NoExtension>(plugin: Plugin<E>): Plugin<E> {
  return { specVersion: 1, ...plugin };
}
