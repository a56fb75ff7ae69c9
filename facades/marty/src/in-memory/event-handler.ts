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
 * A named handler of one event type or fnmatch pattern (`user.*`).
 *
 * @example
 * ```ts
 * const handler = new EventHandler('welcome', 'user.*', async (event) => mailer.welcome(event.data), { priority: 5 });
 * handler.matches(new Event('e-1', 'user.registered', {})); // true
 * ```
 */
export class EventHandler {
  /** Higher runs first. */
  readonly priority: number;

  /**
   * @param name - The handler's name, unique per bus.
   * @param eventType - The event type or fnmatch pattern.
   * @param handlerFunc - The function.
   */
  constructor(
    readonly name: string,
    readonly eventType: string,
    readonly handlerFunc: HandlerFunc,
    options: HandlerOptions = {},
  ) {
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
  async execute(event: Event): Promise<boolean> {
    try {
      await this.handlerFunc(event);
      return true;
    } catch (error) {
      logger.error(`Handler ${this.name} failed on event ${event.id}: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
  }
}

/**
 * A subscriber's subscription to an event type (a handler named after the subscriber); it can be paused (`deactivate`) without removing it.
 *
 * @example
 * ```ts
 * const subscription = bus.subscribe('service-123', 'user.registered', onRegistered);
 * subscription.deactivate();
 * ```
 */
export class EventSubscription extends EventHandler {
  #active = true;

  /** The subscriber (the handler's `name`). */
  get subscriberId(): string {
    return this.name;
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
  override matches(event: Event): boolean {
    return this.#active && super.matches(event);
  }
}
