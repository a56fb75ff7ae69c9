/**
 * Plugin registration: what `bus.use(plugin)` records before `start()` —
 * middleware by phase, hooks, the transport, the router, send interceptors —
 * and the `Kernel` surface each plugin's `setup` receives. `use()` only
 * records; `start()` freezes it (unified's processor idea).
 */
import type { Bus, StopOptions } from './bus-api.js';
import type { BusEventEmitter } from './bus-events.js';
import type { Middleware } from './compose.js';
import { BusError } from './errors.js';
import type { GaugeSource } from './gauges.js';
import type { DeliverMiddleware, DeliverPhase, MiddlewareOptions, PublishMiddleware, PublishPhase } from './pipeline.js';
import { DELIVER_PHASES, PUBLISH_PHASES } from './pipeline.js';
import type { Kernel, Plugin, SubscribeHook } from './plugin.js';
import type { Reporter } from './reporter.js';
import type { RouterFactory } from './router.js';
import type { SendInterceptor } from './send-interceptor.js';
import type { Transport } from './transport.js';
import type { UndecodableKeeper } from './undecodable.js';

/** A middleware and its order within its phase. */
interface Ordered<M> {
  readonly middleware: M;
  readonly order: number;
}

/** What the kernel gives every plugin besides the registration calls. */
export interface KernelServices {
  readonly bus: Bus;
  readonly events: BusEventEmitter;
  readonly source: string;
  readonly reporter: Reporter;
}

/** Everything plugins registered, read once by `start()`. */
export class Registration {
  readonly plugins: string[] = [];
  readonly startHooks: (() => void | Promise<void>)[] = [];
  readonly stopHooks: ((options: StopOptions) => void | Promise<void>)[] = [];
  readonly stoppingHooks: ((options: StopOptions) => void | Promise<void>)[] = [];
  readonly subscribeHooks: SubscribeHook[] = [];
  readonly sendInterceptors: SendInterceptor[] = [];
  readonly gaugeSources: GaugeSource[] = [];
  /** Middleware registered with `reentrant: true`: they may call next() again (retries). */
  readonly reentrant = new Set<Middleware<never>>();
  transport: Transport | undefined;
  routerFactory: RouterFactory | undefined;
  /** The plugin that keeps what transports could not decode, and its name. */
  undecodableKeeper: { readonly plugin: string; readonly keep: UndecodableKeeper } | undefined;
  /** Set by `start()`: from then on registration throws `BUS_FROZEN`. */
  frozen = false;
  readonly #publish = new Map<PublishPhase, Ordered<PublishMiddleware>[]>(PUBLISH_PHASES.map((phase) => [phase, []]));
  readonly #deliver = new Map<DeliverPhase, Ordered<DeliverMiddleware>[]>(DELIVER_PHASES.map((phase) => [phase, []]));

  constructor(transport: Transport | undefined) {
    this.transport = transport;
  }

  /** The publish middleware in the order they run. */
  publishMiddleware(): PublishMiddleware[] {
    return PUBLISH_PHASES.flatMap((phase) => inPhaseOrder(this.#publish.get(phase) ?? [], false));
  }

  /** The deliver middleware in the order they run (`decode` mirrored). */
  deliverMiddleware(): DeliverMiddleware[] {
    return DELIVER_PHASES.flatMap((phase) => inPhaseOrder(this.#deliver.get(phase) ?? [], phase === 'decode'));
  }

  /** `bus.use(plugin)`: checks it, runs its `setup`, and returns its extension. */
  use<E extends object>(plugin: Plugin<E>, target: object, services: KernelServices): E | undefined {
    if (this.frozen) {
      const name = typeof plugin?.name === 'string' ? plugin.name : 'plugin';
      throw new BusError(
        'BUS_FROZEN',
        `bus.use(${name}) was called after start(): the pipelines are composed once at start(). Call use() for every plugin before bus.start().`,
      );
    }
    if (typeof plugin !== 'object' || plugin === null || typeof plugin.name !== 'string' || typeof plugin.setup !== 'function') {
      throw new BusError('PLUGIN_INVALID', 'bus.use() takes a plugin: an object with a string `name` and a `setup(kernel)` function.');
    }
    if (this.plugins.includes(plugin.name)) {
      throw new BusError('PLUGIN_DUPLICATE', `A plugin named '${plugin.name}' is already used on this bus.`);
    }
    for (const required of plugin.requires ?? []) {
      if (!this.plugins.includes(required)) {
        throw new BusError(
          'PLUGIN_MISSING_DEPENDENCY',
          `Plugin '${plugin.name}' requires '${required}': call .use() with '${required}' before .use() with '${plugin.name}'.`,
        );
      }
    }
    const extension = plugin.setup(this.#kernelFor(plugin.name, services)) ?? undefined;
    if (extension !== undefined && extension !== null) {
      for (const key of Object.keys(extension)) {
        if (key in target) {
          throw new BusError('PLUGIN_CONFLICT', `Plugin '${plugin.name}' adds 'bus.${key}', which the bus already has.`);
        }
      }
    }
    this.plugins.push(plugin.name);
    return extension;
  }

  #kernelFor(pluginName: string, services: KernelServices): Kernel {
    const assertSetup = (what: string): void => {
      if (this.frozen) {
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
    const { reporter } = services;
    return {
      bus: services.bus,
      events: services.events,
      source: services.source,
      logger: reporter.logger,
      usePublish: (phase, middleware, options) => {
        assertSetup('usePublish');
        checkMiddleware(phase, PUBLISH_PHASES, middleware, options);
        this.#publish.get(phase)?.push({ middleware, order: options?.order ?? 0 });
        if (options?.reentrant === true) this.reentrant.add(middleware as Middleware<never>);
      },
      useDeliver: (phase, middleware, options) => {
        assertSetup('useDeliver');
        checkMiddleware(phase, DELIVER_PHASES, middleware, options);
        this.#deliver.get(phase)?.push({ middleware, order: options?.order ?? 0 });
        if (options?.reentrant === true) this.reentrant.add(middleware as Middleware<never>);
      },
      setTransport: (transport) => {
        assertSetup('setTransport');
        if (this.transport !== undefined) {
          throw new BusError(
            'PLUGIN_CONFLICT',
            `Plugin '${pluginName}' sets transport '${transport.name}', but the bus already has '${this.transport.name}'. A bus has one transport.`,
          );
        }
        this.transport = transport;
      },
      setRouter: (factory) => {
        assertSetup('setRouter');
        if (this.routerFactory !== undefined) {
          throw new BusError('PLUGIN_CONFLICT', `Plugin '${pluginName}' sets a router, but another plugin already did.`);
        }
        this.routerFactory = factory;
      },
      onStart: (hook) => {
        assertSetup('onStart');
        this.startHooks.push(hook);
      },
      onStop: (hook) => {
        assertSetup('onStop');
        this.stopHooks.push(hook);
      },
      onStopping: (hook) => {
        assertSetup('onStopping');
        this.stoppingHooks.push(hook);
      },
      onSubscribe: (hook) => {
        assertSetup('onSubscribe');
        this.subscribeHooks.push(hook);
      },
      interceptSend: (interceptor) => {
        assertSetup('interceptSend');
        if (typeof interceptor !== 'function') {
          throw new BusError('PLUGIN_INVALID', `Plugin '${pluginName}' gave interceptSend() something that is not a function.`);
        }
        this.sendInterceptors.push(interceptor);
      },
      provideGauges: (source) => {
        assertSetup('provideGauges');
        if (!Array.isArray(source?.gauges) || typeof source.collect !== 'function') {
          throw new BusError('PLUGIN_INVALID', `Plugin '${pluginName}' gave provideGauges() something that is not { gauges, collect }.`);
        }
        this.gaugeSources.push(source);
      },
      gaugeSources: () => this.gaugeSources,
      keepUndecodable: (keep) => {
        assertSetup('keepUndecodable');
        if (typeof keep !== 'function') throw new BusError('PLUGIN_INVALID', `Plugin '${pluginName}' gave keepUndecodable() no function.`);
        const current = this.undecodableKeeper;
        if (current !== undefined) {
          throw new BusError(
            'PLUGIN_CONFLICT',
            `Plugin '${pluginName}' wants to keep undecodable messages, which plugin '${current.plugin}' keeps already.`,
          );
        }
        this.undecodableKeeper = { plugin: pluginName, keep };
      },
      observe: (signal, listener) => {
        services.events.observe(signal, listener);
      },
      hasPlugin: (name) => this.plugins.includes(name),
      report: (error, code, eventId) => reporter.error(error, code, eventId),
      failDelivery: (error, event, subscription) => reporter.failed(error, event, subscription),
      drop: (dropped) => reporter.dropped(dropped),
    };
  }
}

/** By order, stable among equals; mirrored (highest first, last registered first) for `decode`. */
function inPhaseOrder<M>(entries: readonly Ordered<M>[], mirrored: boolean): M[] {
  const sorted = [...entries].sort((a, b) => a.order - b.order);
  if (mirrored) sorted.reverse();
  return sorted.map((entry) => entry.middleware);
}
