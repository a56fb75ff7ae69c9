/**
 * `EventBus(service_name)` of the older in-memory API, wired on `@bus/core`:
 * legacy filters are a publish `guard`, legacy middleware wraps the publish
 * `dispatch`, and one wildcard subscription (`#`, `@bus/topics`) hands each
 * event to the matching handlers and active subscriptions, highest priority first.
 */
import { performance } from 'node:perf_hooks';
import { type Bus, BusError, compose, createBus, definePlugin, type Middleware, type PublishContext } from '@bus/core';
import { topics } from '@bus/topics';
import type { Event } from './event.js';
import { EventHandler, EventSubscription, type HandlerFunc, type HandlerOptions } from './event-handler.js';
import { busLogger, logger } from './legacy-logger.js';

/**
 * A legacy middleware: runs around the handlers of each published event; call `nextHandler` once.
 *
 * @example
 * ```ts
 * const timing: LegacyMiddleware = async (event, nextHandler) => {
 *   const start = Date.now();
 *   await nextHandler(event);
 *   logger.info(`${event.id} took ${Date.now() - start} ms`);
 * };
 * ```
 */
export type LegacyMiddleware = (event: Event, nextHandler: (event: Event) => Promise<void>) => unknown;

/**
 * A legacy filter: an event is published only when every filter returns true.
 *
 * @example
 * ```ts
 * const trusted: LegacyFilter = (event) => event.source === 'trusted-service';
 * ```
 */
export type LegacyFilter = (event: Event) => boolean;

/**
 * What {@link EventBus.getMetrics} returns.
 *
 * @example
 * ```ts
 * const { eventsPublished }: EventBusMetrics = bus.getMetrics();
 * ```
 */
export interface EventBusMetrics {
  /** Events that passed the filters and were dispatched. */
  readonly eventsPublished: number;
  /** Events handed to their handlers (once per event, whatever the handlers did). */
  readonly eventsProcessed: number;
  /** Total time spent in handlers, in ms. */
  readonly handlerExecutionTime: number;
}

/**
 * The in-memory event bus of a service. `publish` needs no `start()` and
 * resolves once every matching handler ran, one at a time, highest priority first.
 *
 * @example
 * ```ts
 * const bus = new EventBus('user-service');
 * bus.registerHandler('welcome', 'user.registered', async (event) => mailer.welcome(event.data), { priority: 10 });
 * await bus.publish(new Event('e-1', 'user.registered', { user_id: 1 }));
 * ```
 */
export class EventBus {
  /** The service's name (the envelopes' `source`). */
  readonly serviceName: string;
  /** Registered handlers, by name. */
  readonly handlers = new Map<string, EventHandler>();
  /** Subscriptions, active or not. */
  readonly subscriptions: EventSubscription[] = [];
  /** The `@bus/core` bus underneath (with `@bus/topics`); it starts on the first publish. */
  readonly bus: Bus;
  readonly #middleware: LegacyMiddleware[] = [];
  readonly #filters: LegacyFilter[] = [];
  #running = false;
  readonly #metrics = { eventsPublished: 0, eventsProcessed: 0, handlerExecutionTime: 0 };

  constructor(serviceName: string) {
    this.serviceName = serviceName;
    const filters = this.#filters;
    const middleware = this.#middleware;
    const metrics = this.#metrics;
    const legacy = definePlugin({
      name: 'marty-in-memory',
      setup(kernel) {
        kernel.usePublish('guard', function legacyFilters(ctx, next) {
          const event = ctx.envelope.data as Event;
          if (filters.every((filter) => filter(event))) return next();
          logger.debug(`Event ${event.id} filtered out`);
        });
        kernel.usePublish('dispatch', function legacyMiddleware(ctx, next) {
          // Counted here, past the filters: the kernel signals `published` for a filtered event too.
          metrics.eventsPublished++;
          if (middleware.length === 0) return next();
          const chain = middleware.map(
            (each): Middleware<PublishContext> =>
              async (inner, rest) => {
                await each(inner.envelope.data as Event, async (event) => {
                  inner.envelope = { ...inner.envelope, data: event };
                  await rest();
                });
              },
          );
          return compose(chain, () => next())(ctx);
        });
      },
    });
    this.bus = createBus({ source: serviceName, autoStart: true, logger: busLogger }).use(topics()).use(legacy);
    this.bus.subscribe('#', (envelope) => this.#deliver(envelope.data as Event), { name: `${serviceName}:handlers` });
  }

  /** Whether `start()` was called more recently than `stop()`. */
  get isRunning(): boolean {
    return this.#running;
  }

  /**
   * Registers a named handler; a name already registered is a `BusError` (`INVALID_SUBSCRIPTION`, Python's `ValueError`).
   *
   * @example
   * ```ts
   * bus.registerHandler('audit', 'user.*', writeAudit, { priority: 1 });
   * ```
   */
  registerHandler(name: string, eventType: string, handlerFunc: HandlerFunc, options: HandlerOptions = {}): EventHandler {
    if (this.handlers.has(name)) throw new BusError('INVALID_SUBSCRIPTION', `Handler '${name}' already registered`);
    const handler = new EventHandler(name, eventType, handlerFunc, options);
    this.handlers.set(name, handler);
    logger.info(`Registered handler '${name}' for event type '${eventType}'`);
    return handler;
  }

  /**
   * Removes a handler; resolves whether it was registered.
   *
   * @example
   * ```ts
   * bus.unregisterHandler('audit');
   * ```
   */
  unregisterHandler(name: string): boolean {
    const removed = this.handlers.delete(name);
    if (removed) logger.info(`Unregistered handler '${name}'`);
    return removed;
  }

  /**
   * Subscribes `subscriberId` to `eventType`; the returned subscription can be paused.
   *
   * @example
   * ```ts
   * const subscription = bus.subscribe('service-123', 'user.registered', onRegistered);
   * ```
   */
  subscribe(subscriberId: string, eventType: string, handlerFunc: HandlerFunc, options: HandlerOptions = {}): EventSubscription {
    const subscription = new EventSubscription(subscriberId, eventType, handlerFunc, options);
    this.subscriptions.push(subscription);
    logger.info(`Subscriber '${subscriberId}' subscribed to '${eventType}'`);
    return subscription;
  }

  /**
   * Removes `subscriberId`'s subscriptions to `eventType`; returns whether there were any.
   *
   * @example
   * ```ts
   * bus.unsubscribe('service-123', 'user.registered');
   * ```
   */
  unsubscribe(subscriberId: string, eventType: string): boolean {
    const before = this.subscriptions.length;
    const kept = this.subscriptions.filter((s) => s.subscriberId !== subscriberId || s.eventType !== eventType);
    this.subscriptions.splice(0, before, ...kept);
    return kept.length < before;
  }

  /**
   * Adds a middleware; middleware run in the order added, the first outermost.
   *
   * @example
   * ```ts
   * bus.addMiddleware(async (event, next) => { await next(event); });
   * ```
   */
  addMiddleware(middleware: LegacyMiddleware): void {
    this.#middleware.push(middleware);
  }

  /**
   * Adds a filter; an event that any filter rejects is not published.
   *
   * @example
   * ```ts
   * bus.addFilter((event) => event.source === 'trusted-service');
   * ```
   */
  addFilter(filter: LegacyFilter): void {
    this.#filters.push(filter);
  }

  /**
   * Publishes `event`: filters, then middleware, then the handlers and active
   * subscriptions whose type matches, one at a time, highest priority first (a
   * failing handler is logged and the others still run). Resolves once they ran.
   *
   * @example
   * ```ts
   * await bus.publish(new Event('e-1', 'order.placed', { order_id: 1 }, { source: 'orders' }));
   * ```
   */
  async publish(event: Event): Promise<void> {
    logger.debug(`Publishing event ${event.id} of type ${event.type}`);
    const envelope = { id: event.id, type: event.type, data: event, source: event.source ?? this.serviceName };
    await this.bus.publish(event.correlationId === null ? envelope : { ...envelope, correlationid: event.correlationId });
  }

  /**
   * The counters: events published, events processed, time in handlers (ms).
   *
   * @example
   * ```ts
   * bus.getMetrics(); // { eventsPublished: 1, eventsProcessed: 1, handlerExecutionTime: 0.04 }
   * ```
   */
  getMetrics(): EventBusMetrics {
    return { ...this.#metrics };
  }

  /** Starts the underlying bus; `isRunning` becomes true. */
  async start(): Promise<void> {
    await this.bus.start();
    this.#running = true;
    logger.info(`Event bus for '${this.serviceName}' started`);
  }

  /**
   * Sets `isRunning` to false. The underlying bus keeps running, because the
   * legacy `publish` works without `start()` (stop it with `bus.bus.stop()` at shutdown).
   */
  async stop(): Promise<void> {
    this.#running = false;
    logger.info(`Event bus for '${this.serviceName}' stopped`);
  }

  async #deliver(event: Event): Promise<void> {
    // A stable sort: equal priorities keep registration order, handlers before subscriptions.
    const targets = [...this.handlers.values(), ...this.subscriptions].filter((target) => target.matches(event));
    for (const target of targets.sort((a, b) => b.priority - a.priority)) {
      const started = performance.now();
      await target.execute(event);
      this.#metrics.handlerExecutionTime += performance.now() - started;
    }
    this.#metrics.eventsProcessed++;
  }
}
