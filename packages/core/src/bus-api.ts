/**
 * The bus's public shape: what `createBus()` returns and the options and
 * results of its calls. The kernel that implements it is in `bus.ts`.
 */
import type { BusEvents } from './bus-events.js';
import type { EnvelopeInput, PublishOptions } from './envelope.js';
import type { BusError } from './errors.js';
import type { Logger } from './logger.js';
import type { Plugin } from './plugin.js';
import type { EventHandler, SubscribeOptions, SubscriptionHandle } from './subscription.js';
import type { Transport } from './transport.js';

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
