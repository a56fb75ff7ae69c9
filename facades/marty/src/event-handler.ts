/**
 * `EventHandler` and `PluginEventHandler` of `enhanced_event_bus.py`: a
 * handler with a priority, a concurrency limit and a timeout, and the
 * handler a plugin subscribes with.
 */
import { randomUUID } from 'node:crypto';
import { consoleLogger, isThenable, type Logger } from '@bus/core';
import type { BaseEvent } from './base-event.js';
import type { EventFilter } from './event-filter.js';
import { assignFields, type FieldsOf } from './fields.js';

/**
 * Options of {@link EventHandler} (Python's keyword arguments; `timeout` in ms), and where `safeHandle` logs.
 *
 * @example
 * ```ts
 * const options: EventHandlerOptions = { priority: 10, maxConcurrent: 4, timeout: 5_000 };
 * ```
 */
export type EventHandlerOptions = FieldsOf<EventHandler, 'eventTypes' | 'activeTasks'> & { readonly logger?: Logger | undefined };

const TIMED_OUT = Symbol('timed out');

/**
 * A handler of events of type `E`. Subclasses implement `handle`, `canHandle` and `eventTypes`.
 *
 * @typeParam E - the events it handles.
 * @example
 * ```ts
 * class AuditWriter extends EventHandler {
 *   async handle(event: BaseEvent) { await audit.write(event.toJSON()); }
 *   canHandle(event: BaseEvent) { return event.eventType.startsWith('audit.'); }
 *   get eventTypes() { return ['audit.*']; }
 * }
 * ```
 */
export abstract class EventHandler<E extends BaseEvent = BaseEvent> {
  /** The handler's id; default a random UUID. */
  readonly handlerId: string = randomUUID();
  /** Higher numbers are higher priority. */
  priority = 0;
  /** How many `safeHandle` calls may run at once. */
  maxConcurrent = 1;
  /** How long `handle` may take in `safeHandle`, in ms. */
  timeout = 30_000;
  /** Where `safeHandle` reports failures; default `consoleLogger()` of `@bus/core`. Not in the Python API. */
  protected readonly logger: Logger = consoleLogger();
  #active = 0;

  constructor(options: EventHandlerOptions = {}) {
    assignFields(this, options);
    this.timeout ||= 30_000; // Python: `timeout or timedelta(seconds=30)`
  }

  /** Handles the event. */
  abstract handle(event: E): Promise<void>;

  /** Whether this handler can handle the event. */
  abstract canHandle(event: BaseEvent): boolean;

  /** The event types this handler processes. */
  abstract get eventTypes(): string[];

  /** How many `safeHandle` calls are running. */
  get activeTasks(): number {
    return this.#active;
  }

  /**
   * Runs `handle` within the concurrency limit and the timeout. Resolves `false`
   * when the limit is reached (without calling `handle`), on timeout, or when
   * `handle` throws; `true` when it finished. A timed-out `handle` is not
   * cancelled (JavaScript cannot), but no longer counts against the limit.
   *
   * @example
   * ```ts
   * if (!(await handler.safeHandle(event))) retryLater(event);
   * ```
   */
  async safeHandle(event: E): Promise<boolean> {
    if (this.#active >= this.maxConcurrent) return false;
    this.#active++;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timedOut = new Promise<typeof TIMED_OUT>((resolve) => {
        timer = setTimeout(resolve, this.timeout, TIMED_OUT);
      });
      if ((await Promise.race([this.handle(event), timedOut])) === TIMED_OUT) {
        this.logger.error(
          { handlerId: this.handlerId, eventId: event.eventId },
          `Handler ${this.handlerId} timed out processing event ${event.eventId}`,
        );
        return false;
      }
      return true;
    } catch (error) {
      this.logger.error(
        { handlerId: this.handlerId, eventId: event.eventId, err: error },
        `Handler ${this.handlerId} failed processing event ${event.eventId}: ${error instanceof Error ? error.message : String(error)}`,
      );
      return false;
    } finally {
      clearTimeout(timer);
      this.#active--;
    }
  }
}

/**
 * What a plugin's handler function receives; it may return a promise.
 *
 * @example
 * ```ts
 * const onEvent: PluginHandlerFunc = async (event) => { await index.add(event.data); };
 * ```
 */
export type PluginHandlerFunc = (event: BaseEvent) => unknown;

/**
 * The handler of a plugin: id `plugin-<pluginId>`, handles the events its filter matches.
 *
 * @example
 * ```ts
 * const handler = new PluginEventHandler('search', 'Search indexer', new EventFilter({ eventTypes: ['doc.saved'] }), index);
 * handler.eventTypes; // ['doc.saved']
 * ```
 */
export class PluginEventHandler extends EventHandler {
  /**
   * @param pluginId - The plugin's id.
   * @param pluginName - The plugin's name.
   * @param eventFilter - Which events the plugin wants.
   * @param handlerFunc - The plugin's function.
   * @param options - The {@link EventHandler} options but `handlerId`.
   */
  constructor(
    readonly pluginId: string,
    readonly pluginName: string,
    public eventFilter: EventFilter,
    readonly handlerFunc: PluginHandlerFunc,
    options: Omit<EventHandlerOptions, 'handlerId'> = {},
  ) {
    super({ ...options, handlerId: `plugin-${pluginId}` });
  }

  /**
   * Calls the plugin's function, awaiting it when it returns a promise.
   *
   * @example
   * ```ts
   * await handler.handle(event);
   * ```
   */
  async handle(event: BaseEvent): Promise<void> {
    const result = this.handlerFunc(event);
    if (isThenable(result)) await result;
  }

  /**
   * Whether the event matches the plugin's filter.
   *
   * @example
   * ```ts
   * handler.canHandle(new BaseEvent({ eventType: 'doc.saved' })); // true
   * ```
   */
  canHandle(event: BaseEvent): boolean {
    return event.matchesFilter(this.eventFilter);
  }

  /** The filter's event types, or `['*']` when it has none. */
  get eventTypes(): string[] {
    return this.eventFilter.eventTypes?.length ? this.eventFilter.eventTypes : ['*'];
  }
}
