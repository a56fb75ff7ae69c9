/**
 * `createBus()` and the kernel behind it: plugin registration, the two
 * composed pipelines, subscriptions, and the lifecycle.
 */
import type { BusEvents } from './bus-events.js';
import { BusEventEmitter } from './bus-events.js';
import { compose, isThenable, type Middleware } from './compose.js';
import { EmittedEvent } from './emitted-event.js';
import type { EnvelopeDefaults, EnvelopeInput, EventEnvelope, PublishOptions } from './envelope.js';
import { assertEventType, createEnvelope, createEventId, normalizeEnvelope } from './envelope.js';
import type { BusErrorCode } from './errors.js';
import { BusError } from './errors.js';
import type { Logger } from './logger.js';
import { consoleLogger, isLogger } from './logger.js';
import { memoryTransport } from './memory-transport.js';
import type {
  DeliverMiddleware,
  DeliverPhase,
  DeliveryContext,
  MiddlewareOptions,
  PublishContext,
  PublishMiddleware,
  PublishPhase,
} from './pipeline.js';
import { DELIVER_PHASES, PUBLISH_PHASES } from './pipeline.js';
import type { Kernel, Plugin, SubscribeHook } from './plugin.js';
import type { Router, RouterFactory } from './router.js';
import { exactRouter } from './router.js';
import type { SendInterceptor, SendNext } from './send-interceptor.js';
import type { EventHandler, SubscribeOptions, Subscription, SubscriptionHandle } from './subscription.js';
import type { Transport, TransportSubscription } from './transport.js';

/** Options of {@link createBus}. */
export interface BusOptions {
  /** The CloudEvents `source` of events published without one. Default `'bus'`. */
  readonly source?: string;
  /** The transport, when no plugin sets one. Default: {@link memoryTransport}. */
  readonly transport?: Transport;
  /** Makes event ids. Default: random UUIDs. */
  readonly createId?: () => string;
  /**
   * Development checks: warn when a middleware resolves before the chain it
   * called (a missing `await next()`). Default: on when `NODE_ENV` is `development`.
   */
  readonly devChecks?: boolean;
  /**
   * Start on the first `publish`, `publishBatch`, `emit` or `dispatch`
   * instead of refusing it with `BUS_NOT_STARTED`. Calls made before the bus
   * has started wait for it and then run in the order they were made:
   * `publish`, `publishBatch` and `dispatch` resolve afterwards; `emit`
   * returns at once and delivers once started (its failures, and a failed
   * start, go to `events` `'error'`). Plugins can be added until the first
   * such call. For APIs that have no `start()` of their own, such as the
   * legacy facades. Default `false`.
   */
  readonly autoStart?: boolean;
  /**
   * Where the bus and its plugins log: pino, `console`, or any object with
   * `debug`/`info`/`warn`/`error(fields, message)`. Default: {@link consoleLogger}
   * (quiet under a test runner).
   */
  readonly logger?: Logger;
}

/** Options of {@link Bus.stop}. */
export interface StopOptions {
  /** Wait for in-flight publishes and deliveries to finish first. Default `true`. */
  readonly drain?: boolean;
  /** Stop waiting after this long and report `BUS_STOP_TIMEOUT` on `events`. Default 30 000 ms. */
  readonly timeoutMs?: number;
}

/** What `publish` resolves to once the transport (or outbox) accepted the event. */
export interface PublishReceipt {
  /** The event id. */
  readonly id: string;
  /** The event type. */
  readonly type: string;
}

/** The outcome of {@link Bus.dispatch}. */
export interface DispatchReport {
  /** How many subscriptions handled the event. */
  readonly delivered: number;
  /** The failures of the others. */
  readonly failures: readonly BusError[];
}

/** Where a bus is in its life. */
export type BusStatus = 'idle' | 'starting' | 'started' | 'stopping' | 'stopped';

/**
 * An event bus. Build one with {@link createBus}, add plugins with `use`,
 * then `start()` it.
 *
 * @example
 * ```ts
 * const bus = createBus({ source: 'orders-service' });
 * bus.subscribe('orders.created', (event) => console.log(event.data));
 * await bus.start();
 * await bus.publish('orders.created', { id: 'o-1' });
 * await bus.stop();
 * ```
 */
export interface Bus {
  /** Signals: `published`, `delivered`, `failed`, `dropped`, `deadLettered`, `error`. */
  readonly events: BusEvents;
  /** Where the bus is in its life. */
  readonly status: BusStatus;
  /** The transport (known once `start()` began; the memory transport by default). */
  readonly transport: Transport | undefined;
  /** The names of the plugins used, in order. */
  readonly plugins: readonly string[];
  /**
   * Adds a plugin; returns the bus typed with what the plugin adds. Only
   * before `start()`: afterwards it throws `BUS_FROZEN`.
   */
  use<E extends object>(plugin: Plugin<E>): this & E;
  /** Publishes `data` as an event of `type`. Resolves when the transport accepted it. */
  publish<T>(type: string, data: T, options?: PublishOptions): Promise<PublishReceipt>;
  /** Publishes a (partial) envelope; the kernel fills `id`, `source`, `time`. */
  publish<T>(event: EnvelopeInput<T>): Promise<PublishReceipt>;
  /**
   * Publishes several events in one transport send; if one fails its pipeline,
   * none is sent. `options` (e.g. `principal`) apply to every event.
   */
  publishBatch(events: readonly EnvelopeInput[], options?: PublishOptions): Promise<PublishReceipt[]>;
  /**
   * Publishes synchronously, for in-process use (game loops, UIs): returns once
   * every synchronous handler ran. Middleware or handlers that are async carry
   * on in the background; their failures go to `events`.
   */
  emit<T>(type: string, data: T): void;
  /** Delivers events whose type matches `pattern` to `handler`. */
  subscribe<T = unknown>(pattern: string, handler: EventHandler<T>, options?: SubscribeOptions): SubscriptionHandle;
  /**
   * Runs the deliver pipeline for `event` against this bus's matching
   * subscriptions directly, with no transport: a test entry for middleware.
   */
  dispatch(event: EnvelopeInput): Promise<DispatchReport>;
  /** Composes the pipelines, starts the transport, attaches subscriptions, runs `onStart` hooks. */
  start(): Promise<void>;
  /** Refuses new publishes, drains in-flight work, stops the transport, runs `onStop` hooks in reverse. */
  stop(options?: StopOptions): Promise<void>;
}

/**
 * Creates a bus. Add plugins with `use`, then `start()`.
 *
 * @example
 * ```ts
 * const bus = createBus({ source: 'game' });
 * bus.subscribe('player.moved', (event) => render(event.data));
 * await bus.start();
 * bus.emit('player.moved', { x: 1, y: 2 }); // synchronous
 * ```
 */
export function createBus(options: BusOptions = {}): Bus {
  return new BusKernel(options);
}

const EMPTY_OPTIONS: PublishOptions = Object.freeze({});
const DEFAULT_STOP_TIMEOUT_MS = 30_000;

class SubscriptionRecord implements SubscriptionHandle {
  readonly name: string;
  readonly group: string | undefined;
  attached: TransportSubscription | undefined;
  active = true;
  readonly onMessage: (message: EventEnvelope) => void | Promise<void>;
  /** Whether the handler declares a second parameter; if not, the fast path builds no context for it. */
  readonly wantsContext: boolean;
  readonly #ready = Promise.withResolvers<void>();
  /** What `onSubscribe` hooks asked to run at unsubscribe, in registration order. */
  readonly cleanups: (() => void)[] = [];

  constructor(
    readonly id: string,
    readonly pattern: string,
    readonly handler: EventHandler,
    readonly options: Readonly<SubscribeOptions>,
    private readonly kernel: BusKernel,
  ) {
    this.name = options.name ?? pattern;
    this.group = options.group;
    this.onMessage = (message) => kernel.deliver(this, message);
    this.wantsContext = handler.length !== 1;
    this.#ready.promise.catch(noop); // reported on bus.events too; awaiting `ready` is optional
  }

  get ready(): Promise<void> {
    return this.#ready.promise;
  }

  settleReady(error?: BusError): void {
    if (error === undefined) this.#ready.resolve();
    else this.#ready.reject(error);
  }

  unsubscribe(): Promise<void> {
    return this.kernel.unsubscribe(this);
  }
}

// The two context classes run once per publish and per delivery: fields are
// assigned in the constructor, the cheapest way to build an object in V8.
class PublishCtx implements PublishContext {
  declare envelope: EventEnvelope;
  declare readonly options: PublishOptions;
  declare readonly bus: Bus;
  declare readonly batch: boolean;
  declare principal: string | undefined;
  /** For `publishBatch`: where the terminal collects the event instead of sending it alone. */
  declare readonly collected: EventEnvelope[] | undefined;
  constructor(envelope: EventEnvelope, options: PublishOptions, bus: Bus, collected?: EventEnvelope[]) {
    this.envelope = envelope;
    this.options = options;
    this.bus = bus;
    this.batch = collected !== undefined;
    this.principal = options.principal;
    this.collected = collected;
  }
}

class DeliveryCtx implements DeliveryContext {
  declare event: EventEnvelope;
  declare readonly subscription: SubscriptionRecord;
  declare readonly bus: Bus;
  declare attempt: number;
  declare signal: AbortSignal | undefined;
  constructor(event: EventEnvelope, subscription: SubscriptionRecord, bus: Bus) {
    this.event = event;
    this.subscription = subscription;
    this.bus = bus;
    this.attempt = 1;
    this.signal = undefined;
  }
}

class BusKernel implements Bus {
  readonly events: BusEventEmitter = new BusEventEmitter();
  #status: BusStatus = 'idle';
  #transport: Transport | undefined;
  #routerFactory: RouterFactory | undefined;
  readonly #plugins: string[] = [];
  readonly #publishMiddleware = new Map<PublishPhase, Ordered<PublishMiddleware>[]>(PUBLISH_PHASES.map((phase) => [phase, []]));
  readonly #deliverMiddleware = new Map<DeliverPhase, Ordered<DeliverMiddleware>[]>(DELIVER_PHASES.map((phase) => [phase, []]));
  readonly #startHooks: (() => void | Promise<void>)[] = [];
  readonly #stopHooks: ((options: StopOptions) => void | Promise<void>)[] = [];
  readonly #subscribeHooks: SubscribeHook[] = [];
  readonly #sendInterceptors: SendInterceptor[] = [];
  /** The transport's send behind the interceptors, composed at start. */
  #send: (messages: readonly EventEnvelope[], options: PublishOptions) => void | Promise<void> = () => undefined;
  readonly #logger: Logger;
  /** Middleware registered with `reentrant: true`: they may call next() again (retries). */
  readonly #reentrant = new Set<Middleware<unknown>>();
  readonly #subscriptions = new Map<string, SubscriptionRecord>();
  #localRoutes: Router<SubscriptionRecord> | undefined;
  #nextSubscriptionId = 0;
  #publishChain: (ctx: PublishContext) => void | Promise<void> = () => undefined;
  #deliverChain: (ctx: DeliveryContext) => void | Promise<void> = () => undefined;
  /** Set at start when nothing stands between `emit` and an in-process transport. */
  #fastEmit = false;
  /** Set at start when there is no deliver middleware: handlers are called directly. */
  #directDelivery = false;
  /**
   * Whether a failed delivery is nacked (thrown back to the transport). Only
   * for transports that redeliver: to the others a nack means nothing, and
   * not rejecting saves them a promise per delivery.
   */
  #nackable = true;
  #inFlight = 0;
  #idleWaiters: (() => void)[] = [];
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  readonly #defaults: EnvelopeDefaults;
  readonly #devChecks: boolean;
  readonly #autoStart: boolean;
  /** With `autoStart`: the calls made before the bus started, in order; `undefined` once they ran. */
  #held: ((startError?: unknown) => void)[] | undefined;
  /** The end of the publish chain: send alone, or collect for the batch's one send. */
  readonly #sendTerminal = (ctx: PublishContext): void | Promise<void> => {
    const collected = (ctx as PublishCtx).collected;
    if (collected !== undefined) {
      collected.push(ctx.envelope);
      return;
    }
    return this.#send([ctx.envelope], ctx.options);
  };

  constructor(options: BusOptions) {
    const source = options.source ?? 'bus';
    if (typeof source !== 'string' || source.length === 0) {
      throw new BusError('INVALID_EVENT', 'createBus({ source }) must be a non-empty string.');
    }
    this.#defaults = { source, createId: options.createId ?? createEventId };
    this.#transport = options.transport;
    this.#devChecks = options.devChecks ?? process.env.NODE_ENV === 'development';
    this.#autoStart = options.autoStart === true;
    if (options.logger !== undefined && !isLogger(options.logger)) {
      throw new BusError('CONFIG_INVALID', 'createBus({ logger }) needs debug, info, warn and error methods (pino and console have them).');
    }
    this.#logger = options.logger ?? consoleLogger();
  }

  get status(): BusStatus {
    return this.#status;
  }

  get transport(): Transport | undefined {
    return this.#transport;
  }

  get plugins(): readonly string[] {
    return this.#plugins;
  }

  use<E extends object>(plugin: Plugin<E>): this & E {
    if (this.#status !== 'idle') {
      const name = typeof plugin?.name === 'string' ? plugin.name : 'plugin';
      throw new BusError(
        'BUS_FROZEN',
        `bus.use(${name}) was called after start(): the pipelines are composed once at start(). Call use() for every plugin before bus.start().`,
      );
    }
    if (typeof plugin !== 'object' || plugin === null || typeof plugin.name !== 'string' || typeof plugin.setup !== 'function') {
      throw new BusError('PLUGIN_INVALID', 'bus.use() takes a plugin: an object with a string `name` and a `setup(kernel)` function.');
    }
    if (this.#plugins.includes(plugin.name)) {
      throw new BusError('PLUGIN_DUPLICATE', `A plugin named '${plugin.name}' is already used on this bus.`);
    }
    for (const required of plugin.requires ?? []) {
      if (!this.#plugins.includes(required)) {
        throw new BusError(
          'PLUGIN_MISSING_DEPENDENCY',
          `Plugin '${plugin.name}' requires '${required}': call .use() with '${required}' before .use() with '${plugin.name}'.`,
        );
      }
    }
    const extension = plugin.setup(this.#kernelFor(plugin.name));
    if (extension !== undefined && extension !== null) {
      for (const key of Object.keys(extension)) {
        if (key in this) {
          throw new BusError('PLUGIN_CONFLICT', `Plugin '${plugin.name}' adds 'bus.${key}', which the bus already has.`);
        }
      }
      Object.assign(this, extension);
    }
    this.#plugins.push(plugin.name);
    return this as this & E;
  }

  #kernelFor(pluginName: string): Kernel {
    const assertSetup = (what: string): void => {
      if (this.#status !== 'idle') {
        throw new BusError('BUS_FROZEN', `Plugin '${pluginName}' called kernel.${what}() after start(); register everything in setup().`);
      }
    };
    const checkMiddleware = (
      phase: string,
      phases: readonly string[],
      middleware: unknown,
      options: MiddlewareOptions | undefined,
    ): void => {
      if (options?.order !== undefined && !Number.isFinite(options.order)) {
        throw new BusError('MIDDLEWARE_INVALID', `Plugin '${pluginName}' gave a middleware a non-finite order.`);
      }
      if (!phases.includes(phase)) {
        throw new BusError('MIDDLEWARE_INVALID', `Plugin '${pluginName}' used unknown phase '${phase}'; phases are ${phases.join(' → ')}.`);
      }
      if (typeof middleware !== 'function') {
        throw new BusError('MIDDLEWARE_INVALID', `Plugin '${pluginName}' registered a middleware that is not a function.`);
      }
    };
    return {
      bus: this,
      events: this.events,
      source: this.#defaults.source,
      usePublish: (phase, middleware, options) => {
        assertSetup('usePublish');
        checkMiddleware(phase, PUBLISH_PHASES, middleware, options);
        this.#publishMiddleware.get(phase)?.push({ middleware, order: options?.order ?? 0 });
        if (options?.reentrant === true) this.#reentrant.add(middleware as Middleware<unknown>);
      },
      useDeliver: (phase, middleware, options) => {
        assertSetup('useDeliver');
        checkMiddleware(phase, DELIVER_PHASES, middleware, options);
        this.#deliverMiddleware.get(phase)?.push({ middleware, order: options?.order ?? 0 });
        if (options?.reentrant === true) this.#reentrant.add(middleware as Middleware<unknown>);
      },
      setTransport: (transport) => {
        assertSetup('setTransport');
        if (this.#transport !== undefined) {
          throw new BusError(
            'PLUGIN_CONFLICT',
            `Plugin '${pluginName}' sets transport '${transport.name}', but the bus already has '${this.#transport.name}'. A bus has one transport.`,
          );
        }
        this.#transport = transport;
      },
      setRouter: (factory) => {
        assertSetup('setRouter');
        if (this.#routerFactory !== undefined) {
          throw new BusError('PLUGIN_CONFLICT', `Plugin '${pluginName}' sets a router, but another plugin already did.`);
        }
        this.#routerFactory = factory;
      },
      onStart: (hook) => {
        assertSetup('onStart');
        this.#startHooks.push(hook);
      },
      onStop: (hook) => {
        assertSetup('onStop');
        this.#stopHooks.push(hook);
      },
      onSubscribe: (hook) => {
        assertSetup('onSubscribe');
        this.#subscribeHooks.push(hook);
      },
      observe: (signal, listener) => {
        this.events.observe(signal, listener);
      },
      hasPlugin: (name) => this.#plugins.includes(name),
      logger: this.#logger,
      report: (error, code, eventId) => this.#reportError(error, code, eventId),
      failDelivery: (error, event, subscription) => this.#deliveryFailed(error, event, subscription),
      drop: (dropped) => {
        if (this.events.heard.dropped) this.events.emit('dropped', dropped);
        if (!this.events.handled.dropped) {
          this.#logger.warn(
            { code: dropped.error.code, eventId: dropped.event.id, type: dropped.event.type, subscription: dropped.subscription?.name },
            `dropped event ${dropped.event.id} (${dropped.event.type}): ${dropped.error.message}`,
          );
        }
      },
      interceptSend: (interceptor) => {
        assertSetup('interceptSend');
        if (typeof interceptor !== 'function') {
          throw new BusError('PLUGIN_INVALID', `Plugin '${pluginName}' gave interceptSend() something that is not a function.`);
        }
        this.#sendInterceptors.push(interceptor);
      },
    };
  }

  // ── lifecycle ──────────────────────────────────────────────────────────

  start(): Promise<void> {
    if (this.#status === 'stopping' || this.#status === 'stopped') return Promise.reject(this.#notRunning());
    if (this.#starting !== undefined) return this.#starting;
    this.#starting = this.#start();
    return this.#starting;
  }

  /**
   * With `autoStart`, whether a call made now must wait for the start (and
   * then runs `work`); without it, or once stopping, the call is refused.
   */
  #heldUntilStarted(work: (startError?: unknown) => void): boolean {
    if (!this.#autoStart || this.#status === 'stopping' || this.#status === 'stopped') return false;
    if (this.#held === undefined) {
      const held: ((startError?: unknown) => void)[] = [];
      this.#held = held;
      const release = (startError?: unknown): void => {
        this.#held = undefined;
        for (const run of held) run(startError);
      };
      this.start().then(
        () => release(),
        (error: unknown) => release(BusError.from(error, 'BUS_START_FAILED')),
      );
    }
    this.#held.push(work);
    return true;
  }

  async #start(): Promise<void> {
    this.#status = 'starting';
    const detectMissingAwait = this.#devChecks;
    const publishMiddleware = PUBLISH_PHASES.flatMap((phase) => inPhaseOrder(this.#publishMiddleware.get(phase) ?? [], false));
    const deliverMiddleware = DELIVER_PHASES.flatMap((phase) => inPhaseOrder(this.#deliverMiddleware.get(phase) ?? [], phase === 'decode'));
    this.#transport ??= memoryTransport();
    this.#send = composeSend(this.#sendInterceptors, this.#transport);
    this.#publishChain = compose(publishMiddleware, this.#sendTerminal, {
      detectMissingAwait,
      reentrant: this.#reentrant as ReadonlySet<Middleware<PublishContext>>,
    });
    this.#deliverChain = compose(deliverMiddleware, callHandler, {
      detectMissingAwait,
      reentrant: this.#reentrant as ReadonlySet<Middleware<DeliveryContext>>,
    });
    const createRouter = this.#routerFactory ?? exactRouter;
    this.#localRoutes = createRouter<SubscriptionRecord>();
    this.#directDelivery = deliverMiddleware.length === 0;
    this.#nackable = this.#transport.capabilities.redelivery;
    this.#fastEmit =
      publishMiddleware.length === 0 &&
      deliverMiddleware.length === 0 &&
      this.#sendInterceptors.length === 0 &&
      this.#transport.capabilities.inProcess;
    let transportStarted = false;
    try {
      for (const record of this.#subscriptions.values()) this.#localRoutes.add(record.pattern, record);
      await this.#transport.start({ createRouter, events: this.events, source: this.#defaults.source });
      transportStarted = true;
      await Promise.all([...this.#subscriptions.values()].map((record) => this.#attach(record)));
      this.#status = 'started';
      for (const hook of this.#startHooks) await hook();
    } catch (error) {
      this.#status = 'stopped';
      if (transportStarted) await settle(() => (this.#transport as Transport).stop());
      for (const hook of [...this.#stopHooks].reverse()) await settle(() => hook({ drain: false }));
      throw BusError.from(error, 'BUS_START_FAILED');
    }
  }

  stop(options: StopOptions = {}): Promise<void> {
    if (this.#stopping !== undefined) return this.#stopping;
    this.#stopping = this.#stop(options);
    return this.#stopping;
  }

  async #stop(options: StopOptions): Promise<void> {
    if (this.#status === 'starting') await this.#starting?.catch(() => undefined);
    if (this.#status !== 'started') {
      this.#status = 'stopped';
      return;
    }
    this.#status = 'stopping';
    if (options.drain !== false) await this.#drain(options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS);
    for (const record of this.#subscriptions.values()) {
      await settle(
        () => record.attached?.unsubscribe(),
        (error) => this.#reportError(error, 'TRANSPORT_FAILED'),
      );
    }
    await settle(
      () => (this.#transport as Transport).stop(),
      (error) => this.#reportError(error, 'TRANSPORT_FAILED'),
    );
    for (const hook of [...this.#stopHooks].reverse()) {
      await settle(
        () => hook(options),
        (error) => this.#reportError(error, 'BUS_STOP_FAILED'),
      );
    }
    this.#status = 'stopped';
  }

  #drain(timeoutMs: number): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#idleWaiters = this.#idleWaiters.filter((waiter) => waiter !== done);
        this.#reportError(
          new BusError(
            'BUS_STOP_TIMEOUT',
            `stop() gave up after ${timeoutMs} ms with ${this.#inFlight} publishes or deliveries in flight.`,
          ),
          'BUS_STOP_TIMEOUT',
        );
        resolve();
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.#idleWaiters.push(done);
    });
  }

  /**
   * Counts `work` as in flight until it settles, then calls `onDone` or
   * `onFailed`: one `then` per tracked promise on the hot path.
   */
  #track<R>(work: PromiseLike<unknown>, onDone: () => R, onFailed: (error: unknown) => R): Promise<R> {
    this.#inFlight++;
    return Promise.resolve(work).then(
      () => {
        this.#finish();
        return onDone();
      },
      (error: unknown) => {
        this.#finish();
        return onFailed(error);
      },
    );
  }

  #finish(): void {
    if (--this.#inFlight === 0 && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const waiter of waiters) waiter();
    }
  }

  #notRunning(): BusError {
    return this.#status === 'stopping' || this.#status === 'stopped'
      ? new BusError('BUS_STOPPED', 'The bus is stopping or stopped; create a new bus to publish again.')
      : new BusError('BUS_NOT_STARTED', 'The bus is not started: await bus.start() before publishing.');
  }

  #reportError(error: unknown, code: BusErrorCode, eventId?: string): BusError {
    const busError = BusError.from(error, code, { eventId });
    if (this.events.heard.error) this.events.emit('error', busError);
    if (!this.events.handled.error) {
      this.#logger.error(
        { err: busError, code: busError.code, eventId: busError.eventId },
        `unhandled error (listen to bus.events "error" to handle it): ${busError.message}`,
      );
    }
    return busError;
  }

  // ── publishing ─────────────────────────────────────────────────────────

  publish<T>(typeOrEvent: string | EnvelopeInput<T>, data?: T, options?: PublishOptions): Promise<PublishReceipt> {
    if (this.#status !== 'started' || this.#held !== undefined) {
      const { promise, resolve, reject } = Promise.withResolvers<PublishReceipt>();
      const held = this.#heldUntilStarted((startError) =>
        startError === undefined
          ? this.publish(typeOrEvent, data as T, options as PublishOptions).then(resolve, reject)
          : reject(startError),
      );
      return held ? promise : Promise.reject(this.#notRunning());
    }
    let envelope: EventEnvelope;
    try {
      envelope =
        typeof typeOrEvent === 'string'
          ? createEnvelope(typeOrEvent, data, options, this.#defaults)
          : normalizeEnvelope(typeOrEvent, this.#defaults);
    } catch (error) {
      return Promise.reject(error);
    }
    const ctx = new PublishCtx(envelope, options ?? EMPTY_OPTIONS, this);
    let result: void | Promise<void>;
    try {
      result = this.#publishChain(ctx);
    } catch (error) {
      return Promise.reject(publishError(error, ctx));
    }
    if (isThenable(result)) {
      return this.#track(
        result,
        () => this.#published(ctx),
        (error) => {
          throw publishError(error, ctx);
        },
      );
    }
    return Promise.resolve(this.#published(ctx));
  }

  #published(ctx: PublishContext): PublishReceipt {
    if (this.events.heard.published) this.events.emit('published', ctx.envelope);
    return { id: ctx.envelope.id, type: ctx.envelope.type };
  }

  async publishBatch(events: readonly EnvelopeInput[], options: PublishOptions = EMPTY_OPTIONS): Promise<PublishReceipt[]> {
    if (this.#status !== 'started' || this.#held !== undefined) {
      const { promise, resolve, reject } = Promise.withResolvers<PublishReceipt[]>();
      const held = this.#heldUntilStarted((startError) =>
        startError === undefined ? this.publishBatch(events, options).then(resolve, reject) : reject(startError),
      );
      if (!held) throw this.#notRunning();
      return promise;
    }
    if (!Array.isArray(events)) throw new BusError('INVALID_EVENT', 'publishBatch() takes an array of events.');
    const toSend: EventEnvelope[] = [];
    const contexts = events.map((event) => new PublishCtx(normalizeEnvelope(event, this.#defaults), options, this, toSend));
    await this.#track(
      (async () => {
        for (const ctx of contexts) {
          try {
            await this.#publishChain(ctx);
          } catch (error) {
            throw publishError(error, ctx);
          }
        }
        if (toSend.length > 0) {
          try {
            await this.#send(toSend, options);
          } catch (error) {
            throw BusError.from(error, 'TRANSPORT_FAILED', { eventId: toSend[0]?.id });
          }
        }
      })(),
      noop,
      (error) => {
        throw error;
      },
    );
    return contexts.map((ctx) => this.#published(ctx));
  }

  emit<T>(type: string, data: T): void {
    if (this.#status !== 'started' || this.#held !== undefined) {
      if (this.#autoStart) assertEventType(type);
      const held = this.#heldUntilStarted((startError) => {
        if (startError !== undefined) return this.#reportError(startError, 'BUS_START_FAILED');
        try {
          this.emit(type, data);
        } catch (error) {
          this.#reportError(error, 'INVALID_EVENT');
        }
      });
      if (!held) throw this.#notRunning();
      return;
    }
    if (this.#fastEmit) {
      assertEventType(type);
      const event = new EmittedEvent(type, data, this.#defaults.source, this.#defaults.createId) as unknown as EventEnvelope;
      const result = (this.#transport as Transport).send([event]);
      if (result !== undefined) void this.#track(result, noop, noop);
      if (this.events.heard.published) this.events.emit('published', event);
      return;
    }
    const ctx = new PublishCtx(createEnvelope(type, data, undefined, this.#defaults), EMPTY_OPTIONS, this);
    const result = this.#publishChain(ctx);
    if (isThenable(result)) {
      void this.#track(
        result,
        () => void this.events.emit('published', ctx.envelope),
        (error) => this.#reportError(publishError(error, ctx), 'TRANSPORT_FAILED'),
      );
      return;
    }
    this.events.emit('published', ctx.envelope);
  }

  // ── subscriptions and delivery ─────────────────────────────────────────

  subscribe<T = unknown>(pattern: string, handler: EventHandler<T>, options: SubscribeOptions = {}): SubscriptionHandle {
    if (this.#status === 'stopping' || this.#status === 'stopped') throw this.#notRunning();
    if (typeof pattern !== 'string' || pattern.length === 0) {
      throw new BusError('INVALID_SUBSCRIPTION', 'subscribe() needs a non-empty pattern string.');
    }
    if (typeof handler !== 'function') {
      throw new BusError('INVALID_SUBSCRIPTION', `subscribe('${pattern}') needs a handler function.`);
    }
    if (options.group !== undefined && (typeof options.group !== 'string' || options.group.length === 0)) {
      throw new BusError('INVALID_SUBSCRIPTION', `subscribe('${pattern}'): group must be a non-empty string.`);
    }
    const id = `sub-${++this.#nextSubscriptionId}`;
    const record = new SubscriptionRecord(id, pattern, handler as EventHandler, Object.freeze({ ...options }), this);
    try {
      for (const hook of this.#subscribeHooks) {
        const cleanup = hook(record);
        if (typeof cleanup === 'function') record.cleanups.push(cleanup);
      }
      // Before start the router does not exist yet; it checks the pattern at start.
      this.#localRoutes?.add(pattern, record);
    } catch (error) {
      for (const undo of record.cleanups.reverse()) undo();
      throw BusError.from(error, 'INVALID_SUBSCRIPTION');
    }
    this.#subscriptions.set(id, record);
    if (this.#status === 'started') {
      this.#attach(record).catch((error: unknown) => this.#reportError(error, 'TRANSPORT_FAILED'));
    }
    return record;
  }

  async #attach(record: SubscriptionRecord): Promise<void> {
    try {
      const transport = this.#transport as Transport;
      const attached = await transport.subscribe({ id: record.id, pattern: record.pattern, group: record.group }, record.onMessage);
      if (!record.active) {
        await attached.unsubscribe();
        return;
      }
      record.attached = attached;
      record.settleReady();
    } catch (error) {
      const busError = BusError.from(error, 'TRANSPORT_FAILED');
      record.settleReady(busError);
      throw busError;
    }
  }

  async unsubscribe(record: SubscriptionRecord): Promise<void> {
    if (!record.active) return;
    record.active = false;
    this.#subscriptions.delete(record.id);
    this.#localRoutes?.remove(record.pattern, record);
    record.settleReady();
    for (const cleanup of record.cleanups.splice(0).reverse()) {
      try {
        cleanup();
      } catch (error) {
        this.#reportError(error, 'INVALID_SUBSCRIPTION');
      }
    }
    const attached = record.attached;
    record.attached = undefined;
    if (attached !== undefined) {
      try {
        await attached.unsubscribe();
      } catch (error) {
        throw BusError.from(error, 'TRANSPORT_FAILED');
      }
    }
  }

  /** The kernel's side of a delivery: runs the deliver chain, reports, acks (returns) or nacks (throws). */
  deliver(record: SubscriptionRecord, message: EventEnvelope): void | Promise<void> {
    if (!record.active) return;
    let ctx: DeliveryCtx | undefined;
    let result: void | Promise<void>;
    try {
      if (this.#directDelivery) {
        // No deliver middleware: call the handler itself, and build the
        // context only for handlers that declare it.
        if (record.wantsContext) ctx = new DeliveryCtx(message, record, this);
        result = record.handler(message, ctx as DeliveryContext);
      } else {
        ctx = new DeliveryCtx(message, record, this);
        result = this.#deliverChain(ctx);
      }
    } catch (error) {
      const failure = this.#deliveryFailed(error, ctx?.event ?? message, record);
      if (this.#nackable) throw failure;
      return;
    }
    if (isThenable(result)) {
      return this.#track(
        result,
        () => {
          if (this.events.heard.delivered) this.events.emit('delivered', ctx?.event ?? message, record);
        },
        (error) => {
          const failure = this.#deliveryFailed(error, ctx?.event ?? message, record);
          if (this.#nackable) throw failure;
        },
      );
    }
    if (this.events.heard.delivered) this.events.emit('delivered', ctx?.event ?? message, record);
  }

  #deliveryFailed(error: unknown, event: EventEnvelope, subscription: Subscription): BusError {
    const busError = BusError.from(error, 'HANDLER_FAILED', { eventId: event.id });
    if (this.events.heard.failed) this.events.emit('failed', busError, event, subscription);
    if (!this.events.handled.failed) {
      this.#logger.error(
        { err: busError, code: busError.code, eventId: event.id, type: event.type, subscription: subscription.name },
        `subscription '${subscription.name}' failed event ${event.id} (${event.type}); listen to bus.events "failed" to handle it: ${busError.message}`,
      );
    }
    return busError;
  }

  async dispatch(input: EnvelopeInput): Promise<DispatchReport> {
    if (this.#status !== 'started' || this.#held !== undefined) {
      const { promise, resolve, reject } = Promise.withResolvers<DispatchReport>();
      const held = this.#heldUntilStarted((startError) =>
        startError === undefined ? this.dispatch(input).then(resolve, reject) : reject(startError),
      );
      if (!held) throw this.#notRunning();
      return promise;
    }
    const event = normalizeEnvelope(input, this.#defaults);
    const records = (this.#localRoutes as Router<SubscriptionRecord>).match(event.type);
    const failures: BusError[] = [];
    const onFailed = (error: BusError, failed: EventEnvelope): void => {
      if (failed.id === event.id) failures.push(error);
    };
    this.events.on('failed', onFailed);
    try {
      await Promise.all(
        records.map((record) =>
          Promise.resolve()
            .then(() => this.deliver(record, event))
            .catch(noop),
        ),
      );
    } finally {
      this.events.off('failed', onFailed);
    }
    return { delivered: records.length - failures.length, failures };
  }
}

/** A middleware and its order within its phase. */
interface Ordered<M> {
  readonly middleware: M;
  readonly order: number;
}

/** By order, stable among equals; mirrored (highest first, last registered first) for `decode`. */
function inPhaseOrder<M>(entries: readonly Ordered<M>[], mirrored: boolean): M[] {
  const sorted = [...entries].sort((a, b) => a.order - b.order);
  if (mirrored) sorted.reverse();
  return sorted.map((entry) => entry.middleware);
}

/** The transport's `send` behind the interceptors, in plugin order; with none, the transport's own. */
function composeSend(
  interceptors: readonly SendInterceptor[],
  transport: Transport,
): (messages: readonly EventEnvelope[], options: PublishOptions) => void | Promise<void> {
  const transportSend: SendNext = (messages) => transport.send(messages);
  if (interceptors.length === 0) return transportSend;
  return (messages, options) => {
    const at = (index: number): SendNext =>
      index === interceptors.length ? transportSend : (next) => (interceptors[index] as SendInterceptor)(next, options, at(index + 1));
    return at(0)(messages);
  };
}

function callHandler(ctx: DeliveryContext): void | Promise<void> {
  return (ctx.subscription as SubscriptionRecord).handler(ctx.event, ctx);
}

function publishError(error: unknown, ctx: PublishContext): BusError {
  return BusError.from(error, 'TRANSPORT_FAILED', { eventId: ctx.envelope.id });
}

async function settle(work: () => unknown, onError?: (error: unknown) => void): Promise<void> {
  try {
    await work();
  } catch (error) {
    onError?.(error);
  }
}

function noop(): void {}
