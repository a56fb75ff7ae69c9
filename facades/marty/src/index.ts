/**
 * `@bus/facade-marty`: the Marty Microservices Framework's events package
 * (`marty_msf.framework.events`) rebuilt on `@bus/core` and its plugins. The
 * `types.py` names are in `@bus/facade-marty/types`, the older in-memory
 * `EventBus` in `@bus/facade-marty/in-memory`.
 *
 * @packageDocumentation
 */

export * from './base-event.js';
export * from './create-events.js';
export * from './decorators.js';
export * from './enhanced-event-bus.js';
export * from './enums.js';
export * from './errors.js';
export * from './event-config.js';
export * from './event-filter.js';
export * from './event-handler.js';
export * from './event-metadata.js';
export * from './event-publisher.js';
export * from './event-registry.js';
export * from './events.js';
export { GenericEvent as Event } from './events.js';
export type { FieldsOf } from './fields.js';
export * from './kafka-config.js';
export * from './outbox-config.js';
export * from './python-str.js';
export * from './python-time.js';
