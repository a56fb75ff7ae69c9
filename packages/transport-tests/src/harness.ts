/**
 * What every conformance test shares: buses built around fresh transports and
 * stopped after each test, unique event types, and waits bounded by the
 * delivery timeout whose errors say what was awaited.
 */
import type { Bus, BusError, EventEnvelope, Plugin, SubscriptionHandle, Transport, TransportCapabilities } from '@bus/core';
import { createBus } from '@bus/core';
import type { ConformanceSettings } from './options.js';
import { waitFor } from './wait-for.js';

/** The seven capability flags, in the order of `TransportCapabilities`. */
export const CAPABILITY_NAMES = [
  'inProcess',
  'durable',
  'consumerGroups',
  'orderedPerKey',
  'wildcards',
  'redelivery',
  'requiresEncodedData',
] as const satisfies readonly (keyof TransportCapabilities)[];

/** The tests' view of the transport under test. */
export class ConformanceHarness {
  readonly #buses: Bus[] = [];
  readonly #errors: BusError[] = [];
  #counter = 0;

  constructor(
    readonly settings: ConformanceSettings,
    readonly capabilities: TransportCapabilities,
  ) {}

  /** A type no other test (or run, with the default prefix) uses: `<prefix>.<label>.<n>`. */
  uniqueType(label: string): string {
    return `${this.settings.typePrefix}.${label}.${++this.#counter}`;
  }

  /** A consumer group name no other test uses. */
  uniqueGroup(label: string): string {
    return `${this.settings.typePrefix}.group.${label}.${++this.#counter}`;
  }

  /**
   * A bus around a new transport (passed through `wrapTransport` when given),
   * with the configured plugins, then `extraPlugins`; not started, stopped after the test.
   */
  async createBus(
    source = 'conformance',
    wrapTransport?: (transport: Transport) => Transport,
    extraPlugins: readonly Plugin<object>[] = [],
  ): Promise<Bus> {
    const created = await this.settings.createTransport();
    const transport = wrapTransport === undefined ? created : wrapTransport(created);
    let bus = createBus({ source, transport });
    this.#buses.push(bus);
    bus.events.on('error', (error) => void this.#errors.push(error));
    for (const plugin of [...this.settings.plugins(), ...extraPlugins]) bus = bus.use(plugin);
    return bus;
  }

  /** {@link createBus}, started. */
  async startedBus(
    source?: string,
    wrapTransport?: (transport: Transport) => Transport,
    extraPlugins?: readonly Plugin<object>[],
  ): Promise<Bus> {
    const bus = await this.createBus(source, wrapTransport, extraPlugins);
    await bus.start();
    return bus;
  }

  /** Waits until each subscription can receive: `ready`, then the caller's hook, in order. */
  async ready(...subscriptions: readonly (readonly [Bus, SubscriptionHandle])[]): Promise<void> {
    for (const [, handle] of subscriptions) await handle.ready;
    for (const [bus, handle] of subscriptions) await this.settings.subscriptionReady(handle, bus);
  }

  /** {@link waitFor} bounded by the delivery timeout; the error names what was awaited and any bus errors. */
  waitFor(predicate: () => boolean, message: string | (() => string)): Promise<void> {
    return waitFor(predicate, this.settings.deliveryTimeoutMs, {
      message: () => {
        const what = typeof message === 'function' ? message() : message;
        const errors = this.#errors.map((error) => `${error.code}: ${error.message}`);
        return errors.length === 0 ? what : `${what} (bus errors: ${errors.join('; ')})`;
      },
    });
  }

  /** Stops every bus made since the last call; a stuck handler gives up after the delivery timeout. */
  async stopAll(): Promise<void> {
    const buses = this.#buses.splice(0);
    this.#errors.length = 0;
    await Promise.all(buses.map((bus) => bus.stop({ timeoutMs: this.settings.deliveryTimeoutMs })));
  }
}

/** The ids of `events`, in the order they arrived. */
export function idsOf(events: readonly EventEnvelope[]): string[] {
  return events.map((event) => event.id);
}

/** The ids of `events` (or receipts), sorted: for comparing sets where order is not promised. */
export function sortedIds(items: readonly { readonly id: string }[]): string[] {
  return items.map((item) => item.id).sort();
}

/** Waits `ms`: only to give a transport the chance to do something it must not do. */
export function settle(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
