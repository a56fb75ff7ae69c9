/**
 * `createBus()` and the kernel behind it (the public shape is in `bus-api.ts`). The kernel is split by
 * concept: registration (`registration.ts`), the publish path
 * (`publish-path.ts`), the delivery path (`delivery-path.ts`), subscriptions
 * (`subscriptions.ts`), reporting (`reporter.ts`) and in-flight tracking
 * (`in-flight.ts`); this file holds the lifecycle that ties them together.
 */
import type { Bus, BusOptions, BusStatus, DispatchReport, PublishReceipt, StopOptions } from './bus-api.js';
import { BusEventEmitter } from './bus-events.js';
import { assertSource } from './cloudevents-attributes.js';
import { compose, isThenable, type Middleware } from './compose.js';
import { callHandler, DeliveryPath } from './delivery-path.js';
import type { EnvelopeDefaults, EnvelopeInput, PublishOptions } from './envelope.js';
import { assertEventType, createEventId, normalizeEnvelope } from './envelope.js';
import { BusError } from './errors.js';
import { InFlight } from './in-flight.js';
import { inOrder, settle } from './lifecycle.js';
import { consoleLogger, isLogger } from './logger.js';
import { memoryTransport } from './memory-transport.js';
import type { DeliveryContext, PublishContext } from './pipeline.js';
import type { Plugin } from './plugin.js';
import { PublishPath } from './publish-path.js';
import { Registration } from './registration.js';
import { Reporter } from './reporter.js';
import type { RouterFactory } from './router.js';
import { exactRouter } from './router.js';
import type { EventHandler, SubscribeOptions, SubscriptionHandle } from './subscription.js';
import { Subscriptions } from './subscriptions.js';
import type { Transport } from './transport.js';
import { handOver } from './undecodable.js';

/**
 * Creates a bus. Add plugins with `use`, then `start()`.
 *
 * @example
 * ```ts
 * const bus = createBus({ source: 'game' });
 * bus.subscribe('player.moved', (event) => render(event.data));
 * bus.start();              // in-process: live at once
 * bus.emit('player.moved', { x: 1, y: 2 }); // synchronous
 * ```
 */
export function createBus(options: BusOptions = {}): Bus {
  return new BusKernel(options);
}

const EMPTY_OPTIONS: PublishOptions = Object.freeze({});
const DEFAULT_STOP_TIMEOUT_MS = 30_000;

/** What exists only while the bus runs. */
interface Running {
  readonly transport: Transport;
  readonly createRouter: RouterFactory;
  readonly publish: PublishPath;
  readonly delivery: DeliveryPath;
}

class BusKernel implements Bus {
  readonly events: BusEventEmitter = new BusEventEmitter();
  #status: BusStatus = 'idle';
  readonly #registration: Registration;
  readonly #reporter: Reporter;
  readonly #subscriptions: Subscriptions;
  readonly #inFlight = new InFlight();
  readonly #defaults: EnvelopeDefaults;
  readonly #devChecks: boolean;
  readonly #autoStart: boolean;
  #running: Running | undefined;
  #starting: Promise<void> | undefined;
  /** Whether `start()` has completed, its hooks included. */
  #started = false;
  /** `emit` while calls run at once: set and cleared by {@link BusKernel.#settle}, so `emit` checks one field. */
  #emitNow: ((type: string, data: unknown) => void) | undefined;
  #stopping: Promise<void> | undefined;
  /** With `autoStart`: the calls made before the bus started, in order; `undefined` once they ran. */
  #held: ((startError?: BusError) => void)[] | undefined;

  constructor(options: BusOptions) {
    const source = assertSource(options.source ?? 'bus');
    if (options.logger !== undefined && !isLogger(options.logger)) {
      throw new BusError('CONFIG_INVALID', 'createBus({ logger }) needs debug, info, warn and error methods (pino and console have them).');
    }
    this.#defaults = { source, createId: options.createId ?? createEventId };
    this.#devChecks = options.devChecks ?? process.env.NODE_ENV === 'development';
    this.#autoStart = options.autoStart === true;
    this.#reporter = new Reporter(this.events, options.logger ?? consoleLogger());
    this.#registration = new Registration(options.transport);
    this.#subscriptions = new Subscriptions(this.#registration.subscribeHooks, this.#reporter);
  }

  get status(): BusStatus {
    return this.#status;
  }

  get transport(): Transport | undefined {
    return this.#running?.transport ?? this.#registration.transport;
  }

  get plugins(): readonly string[] {
    return this.#registration.plugins;
  }

  use<E extends object>(plugin: Plugin<E>): this & E {
    const services = { bus: this, events: this.events, source: this.#defaults.source, reporter: this.#reporter };
    const extension = this.#registration.use(plugin, this, services);
    if (extension !== undefined) Object.assign(this, extension);
    return this as this & E;
  }

  // ── lifecycle ──────────────────────────────────────────────────────────

  start(): Promise<void> {
    if (this.#status === 'stopping' || this.#status === 'stopped') return Promise.reject(this.#notRunning());
    if (this.#starting !== undefined) return this.#starting;
    const started = (): void => {
      this.#started = true;
      this.#settle();
    };
    try {
      const outcome = this.#begin();
      this.#starting = isThenable(outcome) ? outcome.then(started, (error: unknown) => this.#failStart(error)) : Promise.resolve(started());
    } catch (error) {
      this.#starting = this.#failStart(error);
    }
    return this.#starting;
  }

  /** Builds the paths and starts the transport, subscriptions and hooks: synchronously when each of them is. */
  #begin(): void | Promise<void> {
    this.#status = 'starting';
    const registration = this.#registration;
    registration.frozen = true;
    registration.transport ??= memoryTransport();
    const transport = registration.transport;
    const createRouter = registration.routerFactory ?? exactRouter;
    // The set holds both kinds of middleware; compose only asks whether it has a given one.
    const composeOptions = {
      detectMissingAwait: this.#devChecks,
      reentrant: registration.reentrant as ReadonlySet<Middleware<never>> as ReadonlySet<Middleware<unknown>>,
    };
    const publishMiddleware = registration.publishMiddleware();
    const deliverMiddleware = registration.deliverMiddleware();
    const shared = { bus: this, events: this.events, inFlight: this.#inFlight, reporter: this.#reporter };
    const delivery = new DeliveryPath({
      ...shared,
      chain: deliverMiddleware.length === 0 ? undefined : compose<DeliveryContext>(deliverMiddleware, callHandler, composeOptions),
      nackable: transport.capabilities.redelivery,
    });
    const publish = new PublishPath({
      ...shared,
      defaults: this.#defaults,
      transport,
      interceptors: registration.sendInterceptors,
      compose: (terminal) => compose<PublishContext>(publishMiddleware, terminal, composeOptions),
      hasMiddleware: publishMiddleware.length > 0,
      emitDirect:
        publishMiddleware.length === 0 &&
        deliverMiddleware.length === 0 &&
        registration.sendInterceptors.length === 0 &&
        transport.capabilities.inProcess,
    });
    this.#subscriptions.checkPatterns(createRouter);
    this.#subscriptions.target = delivery;
    return inOrder([
      () =>
        transport.start({
          createRouter,
          events: this.events,
          source: this.#defaults.source,
          logger: this.#reporter.logger,
          report: (error, code = 'TRANSPORT_FAILED') => this.#reporter.error(error, code),
          drop: (dropped) => this.#reporter.dropped(dropped),
          undecodable: (message) => handOver(registration.undecodableKeeper?.keep, this.#reporter, message),
        }),
      () => {
        this.#running = { transport, createRouter, publish, delivery };
      },
      () => this.#subscriptions.attachAll(transport),
      () => {
        this.#status = 'started';
        this.#settle();
        // Subscriptions made while an asynchronous start ran; from now on subscribe() attaches at once.
        const late = this.#subscriptions.attachAll(transport);
        if (isThenable(late)) late.then(undefined, (error: unknown) => this.#reporter.error(error, 'TRANSPORT_FAILED'));
      },
      ...registration.startHooks,
    ]);
  }

  /** Undoes a failed start. Until that is done the bus stays `starting`, so auto-started calls made meanwhile learn the outcome. */
  #failStart(error: unknown): Promise<never> {
    this.#status = 'starting';
    this.#emitNow = undefined;
    const running = this.#running;
    this.#running = undefined;
    const cleanUp = async (): Promise<never> => {
      if (running !== undefined) await settle(() => running.transport.stop());
      for (const hook of [...this.#registration.stopHooks].reverse()) await settle(() => hook({ drain: false }));
      this.#status = 'stopped';
      throw BusError.from(error, 'BUS_START_FAILED');
    };
    return cleanUp();
  }

  stop(options: StopOptions = {}): Promise<void> {
    this.#stopping ??= this.#stop(options);
    return this.#stopping;
  }

  async #stop(options: StopOptions): Promise<void> {
    if (this.#status === 'starting') await this.#starting?.catch(() => undefined);
    const running = this.#running;
    if (this.#status !== 'started' || running === undefined) {
      this.#status = 'stopped';
      return;
    }
    this.#status = 'stopping';
    this.#emitNow = undefined;
    const report = (code: 'TRANSPORT_FAILED' | 'BUS_STOP_FAILED') => (error: unknown) => void this.#reporter.error(error, code);
    for (const hook of [...this.#registration.stoppingHooks].reverse()) await settle(() => hook(options), report('BUS_STOP_FAILED'));
    if (options.drain !== false) {
      const timeoutMs = options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
      await this.#inFlight.idle(timeoutMs, (count) =>
        this.#reporter.error(
          new BusError('BUS_STOP_TIMEOUT', `stop() gave up after ${timeoutMs} ms with ${count} publishes or deliveries in flight.`),
          'BUS_STOP_TIMEOUT',
        ),
      );
    }
    for (const record of this.#subscriptions.records.values())
      await settle(() => record.attached?.unsubscribe(), report('TRANSPORT_FAILED'));
    await settle(() => running.transport.stop(), report('TRANSPORT_FAILED'));
    for (const hook of [...this.#registration.stopHooks].reverse()) await settle(() => hook(options), report('BUS_STOP_FAILED'));
    this.#running = undefined;
    this.#status = 'stopped';
  }

  /**
   * Whether a call can run now. With `autoStart`, the first call starts the
   * bus — and runs at once when the start completed synchronously.
   */
  #runsNow(): boolean {
    if (!this.#autoStart) return this.#status === 'started';
    if (this.#status === 'idle') this.start().catch(noop);
    return this.#started && this.#status === 'started' && this.#held === undefined;
  }

  /** With `autoStart`, queues `work` until the start settles; `false` when the call must be refused instead. */
  #hold(work: (startError?: BusError) => void): boolean {
    if (!this.#autoStart || this.#status === 'stopping' || this.#status === 'stopped' || this.#starting === undefined) return false;
    if (this.#held === undefined) {
      const held: ((startError?: BusError) => void)[] = [];
      this.#held = held;
      const release = (startError?: BusError): void => {
        this.#held = undefined;
        for (const run of held) run(startError);
        this.#settle();
      };
      this.#starting.then(
        () => release(),
        (error: unknown) => release(BusError.from(error, 'BUS_START_FAILED')),
      );
    }
    this.#held.push(work);
    return true;
  }

  /** `run` once the auto-start settled, as a promise; a rejection with the reason when the call is refused. */
  #later<R>(run: () => Promise<R>): Promise<R> {
    const { promise, resolve, reject } = Promise.withResolvers<R>();
    const held = this.#hold((startError) => (startError === undefined ? run().then(resolve, reject) : reject(startError)));
    return held ? promise : Promise.reject(this.#notRunning());
  }

  #notRunning(): BusError {
    return this.#status === 'stopping' || this.#status === 'stopped'
      ? new BusError('BUS_STOPPED', 'The bus is stopping or stopped; create a new bus to publish again.')
      : new BusError(
          'BUS_NOT_STARTED',
          'The bus is not started: call bus.start() (and await it for an out-of-process transport) before publishing.',
        );
  }

  // ── publishing and delivery ────────────────────────────────────────────

  publish<T>(typeOrEvent: string | EnvelopeInput<T>, data?: T, options?: PublishOptions): Promise<PublishReceipt> {
    if (!this.#runsNow()) return this.#later(() => this.publish(typeOrEvent, data as T, options as PublishOptions));
    return (this.#running as Running).publish.publish(typeOrEvent, data as T, options);
  }

  publishBatch(events: readonly EnvelopeInput[], options: PublishOptions = EMPTY_OPTIONS): Promise<PublishReceipt[]> {
    if (!this.#runsNow()) return this.#later(() => this.publishBatch(events, options));
    return (this.#running as Running).publish.publishBatch(events, options);
  }

  /** After a change of state: whether `emit` (and every call) runs at once now. */
  #settle(): void {
    const now = this.#status === 'started' && (!this.#autoStart || (this.#started && this.#held === undefined));
    this.#emitNow = now ? this.#running?.publish.emit : undefined;
  }

  emit<T>(type: string, data: T): void {
    const emitNow = this.#emitNow;
    if (emitNow !== undefined) {
      emitNow(type, data);
      return;
    }
    if (this.#autoStart) assertEventType(type);
    if (this.#runsNow()) {
      (this.#running as Running).publish.emit(type, data);
      return;
    }
    const held = this.#hold((startError) => {
      if (startError !== undefined) return void this.#reporter.error(startError, 'BUS_START_FAILED');
      try {
        this.emit(type, data);
      } catch (error) {
        this.#reporter.error(error, 'INVALID_EVENT');
      }
    });
    if (!held) throw this.#notRunning();
  }

  subscribe<T = unknown>(pattern: string, handler: EventHandler<T>, options: SubscribeOptions = {}): SubscriptionHandle {
    if (this.#status === 'stopping' || this.#status === 'stopped') throw this.#notRunning();
    return this.#subscriptions.subscribe(pattern, handler as EventHandler, options, this.#status === 'started' ? this.#running : undefined);
  }

  dispatch(input: EnvelopeInput): Promise<DispatchReport> {
    if (!this.#runsNow()) return this.#later(() => this.dispatch(input));
    const running = this.#running as Running;
    let event: ReturnType<typeof normalizeEnvelope>;
    try {
      event = normalizeEnvelope(input, this.#defaults);
    } catch (error) {
      return Promise.reject(error);
    }
    return running.delivery.dispatch(event, this.#subscriptions.matching(event, running.createRouter));
  }
}

function noop(): void {}
