/**
 * `@bus/facade-marty/types`: the names of `types.py`, the EventPublisher's
 * types. Its string `EventPriority` and its `EventMetadata(serviceName, …)`
 * differ from the bus's numeric `EventPriority` and `EventMetadata`, hence their own entry.
 *
 * @packageDocumentation
 */

export { AuditEventType, NotificationEventType } from './enums.js';
export type { FieldsOf } from './fields.js';
export * from './legacy-types/audit-event-data.js';
export * from './legacy-types/domain-event-data.js';
export * from './legacy-types/event-metadata.js';
export { EventPriority } from './legacy-types/event-priority.js';
export * from './legacy-types/notification-event-data.js';
