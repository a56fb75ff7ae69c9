/**
 * The `backpressure()` plugin: a bounded queue per subscription in the
 * deliver `guard` phase (so it sits outside the `handle` phase, where retries
 * live: a retried event never re-enters the queue), and an optional limit on
 * publishes in flight in the publish `guard` phase.
 */
import { BusError, definePlugin, type Plugin } from '@bus/core';
import { type BackpressureOptions, resolveBackpressure, resolveOutbound } from './backpressure-options.js';
import { OutboundLimiter, type OutboundStats } from './outbound-limiter.js';
import { type QueueRuntime, SubscriptionQueue, type SubscriptionStats } from './subscription-queue.js';

/**
 * Where the queue sits in the deliver `guard` phase: last, so events that
 * ACLs, schemas or dedupe refuse never take a queue slot, and everything in
 * `handle` (context, tracing, timeouts, retries, dead letters) runs inside it.
 * The outbound limit sits at the same order in the publish `guard` phase.
 *
 * @example
 * ```ts
 * // A guard that must run after the queue (per handler call, not per arrival):
 * kernel.useDeliver('guard', perCallGuard, { order: BACKPRESSURE_GUARD_ORDER + 1 });
 * ```
 */
export const BACKPRESSURE_GUARD_ORDER = 1000;

/**
 * What the plugin adds to the bus: `bus.backpressure`.
 *
 * @example
 * ```ts
 * const handle = bus.subscribe('orders.created', handler);
 * console.log(bus.backpressure.stats(handle.id)); // { queued, inFlight, waiting, dropped, rejected }
 * await bus.backpressure.idle();
 * ```
 */
export interface BackpressureExtension {
  readonly backpressure: BackpressureControls;
}

/**
 * `bus.backpressure`: the counters of each queue and of the outbound limit,
 * and a way to wait until every queue is empty.
 *
 * @example
 * ```ts
 * await bus.publish('metrics.sampled', sample);
 * await bus.backpressure.idle(); // the handler has run
 * ```
 */
export interface BackpressureControls {
  /**
   * The counters of a subscription's queue, or undefined when it has none
   * (unknown id, `backpressure: false`, or unsubscribed and drained).
   */
  stats(subscriptionId: string): SubscriptionStats | undefined;
  /** The counters of the outbound limit, or undefined without `outbound`. */
  outbound(): OutboundStats | undefined;
  /**
   * Resolves when no queue holds, runs or waits for an event. With the
   * default `ack: 'queued'` a `publish` resolves once its event is queued:
   * await this to know the handlers ran.
   */
  idle(): Promise<void>;
}

const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;

/**
 * Bounded queues per subscription, with `block`, `drop-oldest`,
 * `drop-newest` or `reject` when full; handler concurrency with per-key
 * order (events with one `partitionkey` run one at a time, in order); token
 * bucket rate limits; and a limit on publishes in flight. Each subscription
 * takes the plugin's `defaults`, overridden by its own `backpressure` option.
 *
 * With the default `ack: 'queued'` (transports without redelivery, such as
 * the in-memory one), a delivery is done once queued: `publish` resolves when
 * every subscription queued the event, or waits for room under `block`.
 * Handler failures are then reported by this plugin on `bus.events`
 * `'failed'`. `bus.stop()` handles what is queued before it returns.
 *
 * @example
 * ```ts
 * const bus = createBus().use(backpressure({ defaults: { capacity: 100, policy: 'drop-oldest', concurrency: 4 } }));
 * bus.subscribe('ticks', handleTick);
 * bus.subscribe('orders.created', handleOrder, { backpressure: { policy: 'block', concurrency: 1 } });
 * await bus.start();
 * ```
 */
export function backpressure(options: BackpressureOptions = {}): Plugin<BackpressureExtension> {
  if (typeof options !== 'object' || options === null) {
    throw new BusError('PLUGIN_INVALID', 'backpressure(options) takes an object: { defaults?, outbound?, drainTimeoutMs? }.');
  }
  const defaults = options.defaults;
  // Fail at the call site for bad defaults, not at the first subscribe.
  resolveBackpressure(defaults, undefined, 'backpressure({ defaults })', 'PLUGIN_INVALID');
  const outboundLimit = options.outbound === undefined ? undefined : resolveOutbound(options.outbound);
  const drainTimeoutMs = options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  if (!(drainTimeoutMs >= 0)) {
    throw new BusError('PLUGIN_INVALID', `backpressure({ drainTimeoutMs }) must be a number >= 0, got ${String(drainTimeoutMs)}.`);
  }

  return definePlugin({
    name: 'backpressure',
    setup(kernel) {
      const runtime: QueueRuntime = { kernel, redelivery: false };
      /** Queues by subscription id, until unsubscribed and drained. */
      const queues = new Map<string, SubscriptionQueue>();
      const outbound = outboundLimit === undefined ? undefined : new OutboundLimiter(outboundLimit, (dropped) => kernel.drop(dropped));

      kernel.onSubscribe((subscription) => {
        const override = subscription.options.backpressure;
        if (override === false) return;
        const resolved = resolveBackpressure(defaults, override, `subscribe('${subscription.pattern}')`, 'INVALID_SUBSCRIPTION');
        const queue = new SubscriptionQueue(subscription, resolved, runtime);
        queues.set(subscription.id, queue);
        return () => {
          // Events already queued were acknowledged: they are still handled, then the queue goes.
          void queue.whenIdle().then(() => {
            if (queues.get(subscription.id) === queue) queues.delete(subscription.id);
          });
        };
      });

      kernel.useDeliver(
        'guard',
        function backpressureQueue(ctx, next) {
          const queue = queues.get(ctx.subscription.id);
          return queue === undefined ? next() : queue.offer(ctx, next);
        },
        { order: BACKPRESSURE_GUARD_ORDER },
      );

      if (outbound !== undefined) kernel.usePublish('guard', outbound.limit, { order: BACKPRESSURE_GUARD_ORDER });

      kernel.onStart(() => {
        runtime.redelivery = kernel.bus.transport?.capabilities.redelivery ?? false;
      });

      // The kernel's drain waits for deliveries it counts; with ack 'queued' a delivery
      // is done once queued, so the queued work is drained here.
      kernel.onStop(async () => {
        const all = [...queues.values()];
        const drained = Promise.all(all.map((queue) => queue.whenIdle())).then(() => true);
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timedOut = new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), drainTimeoutMs);
        });
        const finished = await Promise.race([drained, timedOut]);
        clearTimeout(timer);
        if (finished) return;
        const error = new BusError(
          'BUS_STOP_TIMEOUT',
          `backpressure: stop() gave up after ${drainTimeoutMs} ms with events still queued; they were dropped (see 'dropped').`,
        );
        for (const queue of all) queue.abandon(error);
        kernel.report(error, 'BUS_STOP_TIMEOUT');
      });

      const controls: BackpressureControls = {
        stats: (subscriptionId) => queues.get(subscriptionId)?.stats,
        outbound: () => outbound?.stats,
        idle: async () => {
          // Handlers may publish into other queues: wait until a pass finds every queue idle.
          for (;;) {
            const busy = [...queues.values()].filter((queue) => !queue.idle);
            if (busy.length === 0) return;
            await Promise.all(busy.map((queue) => queue.whenIdle()));
          }
        },
      };
      return { backpressure: controls };
    },
  });
}
