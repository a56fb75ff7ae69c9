/**
 * Plugins: `{ name, setup(kernel) }`. `setup` registers middleware into phases,
 * may set the transport or router, and returns the extension it adds to the
 * bus (`outbox()` adds `bus.outbox`), which `bus.use()` types.
 */

import type { Bus, StopOptions } from './bus.js';
import type { BusEventMap, BusEvents } from './bus-events.js';
import type { DeliverMiddleware, DeliverPhase, MiddlewareOptions, PublishMiddleware, PublishPhase } from './pipeline.js';
import type { RouterFactory } from './router.js';
import type { Subscription } from './subscription.js';
import type { Transport } from './transport.js';

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
