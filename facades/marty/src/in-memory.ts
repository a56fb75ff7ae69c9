/**
 * `@bus/facade-marty/in-memory`: the older in-memory API of Marty's events
 * module, the one `tests/unit/framework/test_events.py` drives: `Event`,
 * `EventHandler`, `EventSubscription` and `EventBus(serviceName)`, on `@bus/core`.
 *
 * @packageDocumentation
 */

export type { FieldsOf } from './fields.js';
export * from './in-memory/event.js';
export * from './in-memory/event-bus.js';
export { EventHandler, EventSubscription, type HandlerFunc, type HandlerOptions } from './in-memory/event-handler.js';
export * from './in-memory/fnmatch.js';
export { type LegacyLogger, logger } from './in-memory/legacy-logger.js';
