/** `EventHandler` and `EventSubscription` of the older in-memory API. */

import type { Event } from './event.js';
import { fnmatch } from './fnmatch.js';
import { logger } from './legacy-logger.js';

/**
 * A handler function; it may be async.
 *
 * @example
 * ```ts
 * const onRegistered: HandlerFunc = async (event) => { await mailer.welcome(event.data); };
 * ```
 */
export type HandlerFunc = (event: Event) => unknown;

/**
 * Options of {@link EventHandler} and {@link EventSubscription}.
 *
 * @example
 * ```ts
 * const options: HandlerOptions = { priority: 10 };
 * ```
 */
export interface HandlerOptions {
  /** Higher runs first; default `0`. */
  readonly priority?: number | undefined;
}

/**
 * Runs `handlerFunc(event)`, awaiting it; logs and swallows what it throws.
 *
 * @internal
 */
export async function runSafely(label: string, handlerFunc: HandlerFunc, event: Event): Promise<boolean> {
  try {
    await handlerFunc(event);
    return true;
  } catch (error) {
    logger.error(`Handler ${label} failed on event ${event.id}: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  }
}

/**
 * A named handler of one event type or fnmatch pattern (`user.*`).
 *
 * @example
 * ```ts
 * const handler = new EventHandler('welcome', 'user.*', async (event) => mailer.welcome(event.data), { priority: 5 });
 * handler.matches(new Event('e-1', 'user.registered', {})); // true
 * ```
 */
export class EventHandler {
  /** The handler's name, unique per bus. */
  readonly name: string;
  /** The event type or fnmatch pattern. */
  readonly eventType: string;
  /** The function. */
  readonly handlerFunc: HandlerFunc;
  /** Higher runs first. */
  readonly priority: number;

  constructor(name: string, eventType: string, handlerFunc: HandlerFunc, options: HandlerOptions = {}) {
    this.name = name;
    this.eventType = eventType;
    this.handlerFunc = handlerFunc;
    this.priority = options.priority ?? 0;
  }

  /** Whether the function is an `async function` (Python's `iscoroutinefunction`). */
  get isAsync(): boolean {
    return this.handlerFunc.constructor.name === 'AsyncFunction';
  }

  /**
   * Whether `event`'s type matches this handler's type or pattern.
   *
   * @example
   * ```ts
   * new EventHandler('h', 'user.*', fn).matches(new Event('e', 'order.placed', {})); // false
   * ```
   */
  matches(event: Event): boolean {
    return fnmatch(event.type, this.eventType);
  }

  /**
   * Runs the function on `event`; an error is logged and swallowed. Resolves whether it succeeded.
   *
   * @example
   * ```ts
   * await handler.execute(event);
   * ```
   */
  execute(event: Event): Promise<boolean> {
    return runSafely(this.name, this.handlerFunc, event);
  }
}

/**
 * A subscriber's subscription to an event type; it can be paused (`deactivate`) without removing it.
 *
 * @example
 * ```ts
 * const subscription = bus.subscribe('service-123', 'user.registered', onRegistered);
 * subscription.deactivate();
 * ```
 */
export class EventSubscription {
  /** The subscriber. */
  readonly subscriberId: string;
  /** The event type or fnmatch pattern. */
  readonly eventType: string;
  /** The function. */
  readonly handlerFunc: HandlerFunc;
  /** Higher runs first. */
  readonly priority: number;
  #active = true;

  constructor(subscriberId: string, eventType: string, handlerFunc: HandlerFunc, options: HandlerOptions = {}) {
    this.subscriberId = subscriberId;
    this.eventType = eventType;
    this.handlerFunc = handlerFunc;
    this.priority = options.priority ?? 0;
  }

  /** Whether it receives events. */
  get isActive(): boolean {
    return this.#active;
  }

  /** Resumes delivery. */
  activate(): void {
    this.#active = true;
  }

  /** Pauses delivery. */
  deactivate(): void {
    this.#active = false;
  }

  /**
   * Whether it is active and `event`'s type matches.
   *
   * @example
   * ```ts
   * subscription.matches(event);
   * ```
   */
  matches(event: Event): boolean {
    return this.#active && fnmatch(event.type, this.eventType);
  }
}
