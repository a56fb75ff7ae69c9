/** The signals a bus emits on `bus.events`. */
import { EventEmitter } from 'eventemitter3';
import type { EventEnvelope } from './envelope.js';
import type { BusError } from './errors.js';
import type { Subscription } from './subscription.js';

/** An event that was dropped on purpose (a full queue, an expired message). */
export interface DroppedEvent {
  /** The dropped event. */
  readonly event: EventEnvelope;
  /** Why, as a `BusError` (e.g. `BACKPRESSURE_REJECTED`). */
  readonly error: BusError;
  /** The subscription it was dropped for, if it concerns one. */
  readonly subscription?: Subscription | undefined;
}

/** An event that went to a dead-letter sink. */
export interface DeadLetteredEvent {
  /** The event, as it was delivered. */
  readonly event: EventEnvelope;
  /** The last failure. */
  readonly error: BusError;
  /** How many attempts were made. */
  readonly attempts: number;
  /** The subscription that failed it, if any. */
  readonly subscription?: Subscription | undefined;
}

/**
 * The signals of `bus.events`, by name, with their arguments.
 *
 * @example
 * ```ts
 * bus.events.on('failed', (error, event, subscription) => {
 *   console.error(`${subscription.name} failed ${event.id}: ${error.code}`);
 * });
 * ```
 */
export interface BusEventMap {
  /** An event was accepted by the transport (or the outbox). */
  published: [event: EventEnvelope];
  /** A handler finished an event. */
  delivered: [event: EventEnvelope, subscription: Subscription];
  /** A handler or deliver middleware failed an event. */
  failed: [error: BusError, event: EventEnvelope, subscription: Subscription];
  /** An event was dropped on purpose. */
  dropped: [dropped: DroppedEvent];
  /** An event went to a dead-letter sink. */
  deadLettered: [deadLettered: DeadLetteredEvent];
  /** Something failed outside any one event's delivery (a transport, a plugin hook). */
  error: [error: BusError];
}

/** The eventemitter3 emitter behind `bus.events`. */
export type BusEvents = EventEmitter<BusEventMap>;

type SignalName = keyof BusEventMap;

/**
 * `bus.events`: an eventemitter3 emitter that also keeps, per signal, whether
 * anyone listens, so the hot path skips building a signal nobody hears.
 */
export class BusEventEmitter extends EventEmitter<BusEventMap> {
  /** Whether each signal has listeners; kept current by every add and remove. */
  readonly heard: Record<SignalName, boolean> = {
    published: false,
    delivered: false,
    failed: false,
    dropped: false,
    deadLettered: false,
    error: false,
  };

  constructor() {
    super();
    // eventemitter3 routes on/once/off/removeAllListeners through these methods'
    // prototype slots; wrapping them on the instance keeps `heard` exact.
    for (const method of ['on', 'addListener', 'once', 'off', 'removeListener', 'removeAllListeners'] as const) {
      const original = EventEmitter.prototype[method] as (this: BusEventEmitter, ...args: unknown[]) => BusEventEmitter;
      Object.defineProperty(this, method, {
        value: (...args: unknown[]) => {
          original.apply(this, args);
          this.#refresh(args[0] as SignalName | undefined);
          return this;
        },
      });
    }
  }

  /**
   * Whether each signal has a listener that handles it — one not added with
   * {@link BusEventEmitter.observe}. The kernel prints failures and errors
   * nobody handles; observers alone do not silence that.
   */
  readonly handled: Record<SignalName, boolean> = {
    published: false,
    delivered: false,
    failed: false,
    dropped: false,
    deadLettered: false,
    error: false,
  };
  readonly #observers = new Set<unknown>();

  /**
   * Listens to `signal` without taking charge of it (metrics counting
   * failures): remove it with `off` as usual.
   */
  observe<K extends SignalName>(signal: K, listener: (...args: BusEventMap[K]) => void): this {
    this.#observers.add(listener);
    return this.on(signal, listener as never);
  }

  #refresh(signal: SignalName | undefined): void {
    for (const name of Object.keys(this.heard) as SignalName[]) {
      if (signal !== undefined && signal !== name) continue;
      const listeners = this.listeners(name);
      this.heard[name] = listeners.length > 0;
      this.handled[name] = listeners.some((listener) => !this.#observers.has(listener));
    }
  }
}
