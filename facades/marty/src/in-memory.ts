/**
 * `@bus/facade-marty/in-memory`: the older in-memory API of Marty's events
 * module, the one `tests/unit/framework/test_events.py` drives: `Event`,
 * `EventHandler`, `EventSubscription` and `EventBus(serviceName)`, on `@bus/core`.
 *
 * @packageDocumentation
 */

export type { EventOptions } from './in-memory/event.js';
export { Event } from './in-memory/event.js';
export type { EventBusMetrics, LegacyFilter, LegacyMiddleware } from './in-memory/event-bus.js';
export { EventBus } from './in-memory/event-bus.js';
export type { HandlerFunc, HandlerOptions } from './in-memory/event-handler.js';
export { EventHandler, EventSubscription } from './in-memory/event-handler.js';
export { fnmatch } from './in-memory/fnmatch.js';
export type { LegacyLogger } from './in-memory/legacy-logger.js';
export { logger } from './in-memory/legacy-logger.js';
