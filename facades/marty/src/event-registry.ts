/**
 * `EventRegistry` of `enhanced_events.py`: event classes by class name,
 * globally and per plugin, with the `register_event` decorators.
 */
import type { BaseEvent } from './base-event.js';
import { DomainEvent, GenericEvent, IntegrationEvent, PluginEvent, SystemEvent, WorkflowEvent } from './events.js';

/**
 * An event class: a constructor of {@link BaseEvent}s, whatever its arguments.
 *
 * @example
 * ```ts
 * const cls: EventClass = DomainEvent;
 * ```
 */
export type EventClass = new (...args: never[]) => BaseEvent;

/**
 * Event classes by name (`cls.name`), with plugin ownership.
 *
 * @example
 * ```ts
 * const registry = new EventRegistry();
 * registry.registerPluginEvent('search', IndexedEvent);
 * registry.get('IndexedEvent') === IndexedEvent; // true
 * ```
 */
export class EventRegistry {
  readonly #events = new Map<string, EventClass>();
  readonly #pluginEvents = new Map<string, Map<string, EventClass>>();

  /** A registry holding `classes` (none by default). */
  constructor(classes: Iterable<EventClass> = []) {
    for (const cls of classes) this.register(cls);
  }

  /**
   * Registers `eventClass` under its name (a later class of the same name replaces it).
   *
   * @example
   * ```ts
   * registry.register(UserCreated);
   * ```
   */
  register(eventClass: EventClass): void {
    this.#events.set(eventClass.name, eventClass);
  }

  /**
   * Registers `eventClass` for plugin `pluginId`, and globally.
   *
   * @example
   * ```ts
   * registry.registerPluginEvent('search', IndexedEvent);
   * ```
   */
  registerPluginEvent(pluginId: string, eventClass: EventClass): void {
    const events = this.#pluginEvents.get(pluginId) ?? new Map<string, EventClass>();
    this.#pluginEvents.set(pluginId, events);
    events.set(eventClass.name, eventClass);
    this.register(eventClass);
  }

  /**
   * The class registered under `eventType`, or `null`.
   *
   * @example
   * ```ts
   * registry.get('DomainEvent'); // DomainEvent
   * ```
   */
  get(eventType: string): EventClass | null {
    return this.#events.get(eventType) ?? null;
  }

  /**
   * The classes plugin `pluginId` registered, by name (a copy; `{}` for an unknown plugin).
   *
   * @example
   * ```ts
   * Object.keys(registry.getPluginEvents('search')); // ['IndexedEvent']
   * ```
   */
  getPluginEvents(pluginId: string): Record<string, EventClass> {
    return Object.fromEntries(this.#pluginEvents.get(pluginId) ?? []);
  }

  /**
   * The names of every registered class, in registration order.
   *
   * @example
   * ```ts
   * EVENT_REGISTRY.listTypes(); // ['GenericEvent', 'DomainEvent', …]
   * ```
   */
  listTypes(): string[] {
    return [...this.#events.keys()];
  }

  /**
   * Removes every class plugin `pluginId` registered, globally too.
   *
   * @example
   * ```ts
   * registry.unregisterPluginEvents('search');
   * ```
   */
  unregisterPluginEvents(pluginId: string): void {
    for (const name of this.#pluginEvents.get(pluginId)?.keys() ?? []) this.#events.delete(name);
    this.#pluginEvents.delete(pluginId);
  }
}

/**
 * The global registry, holding the built-in event classes (as Python's `@register_event` put them there).
 *
 * @example
 * ```ts
 * EVENT_REGISTRY.get('SystemEvent'); // SystemEvent
 * ```
 */
export const EVENT_REGISTRY = new EventRegistry([GenericEvent, DomainEvent, IntegrationEvent, SystemEvent, PluginEvent, WorkflowEvent]);

/**
 * Registers a class in {@link EVENT_REGISTRY}: a TC39 class decorator, or a plain call.
 *
 * @example
 * ```ts
 * @registerEvent
 * class UserCreated extends BaseEvent {}
 * // or: registerEvent(UserCreated);
 * ```
 */
export function registerEvent<C extends EventClass>(eventClass: C, _context?: ClassDecoratorContext): C {
  EVENT_REGISTRY.register(eventClass);
  return eventClass;
}

/**
 * A decorator that registers a class for plugin `pluginId` in {@link EVENT_REGISTRY}.
 *
 * @example
 * ```ts
 * @registerPluginEvent('search')
 * class IndexedEvent extends BaseEvent {}
 * ```
 */
export function registerPluginEvent(pluginId: string): <C extends EventClass>(eventClass: C, context?: ClassDecoratorContext) => C {
  return (eventClass) => {
    EVENT_REGISTRY.registerPluginEvent(pluginId, eventClass);
    return eventClass;
  };
}
