/**
 * `@bus/facade-marty/types`: the names of `types.py`, the EventPublisher's
 * types. Its string `EventPriority` and its `EventMetadata(serviceName, …)`
 * differ from the bus's numeric `EventPriority` and `EventMetadata`, hence their own entry.
 *
 * @packageDocumentation
 */

export { AuditEventType, NotificationEventType } from './enums.js';
export type { AuditEventDataFields } from './legacy-types/audit-event-data.js';
export { AuditEventData } from './legacy-types/audit-event-data.js';
export type { DomainEventDataFields } from './legacy-types/domain-event-data.js';
export { DomainEventData } from './legacy-types/domain-event-data.js';
export type { EventMetadataFields } from './legacy-types/event-metadata.js';
export { EventMetadata } from './legacy-types/event-metadata.js';
export { EventPriority } from './legacy-types/event-priority.js';
export type { NotificationEventDataFields } from './legacy-types/notification-event-data.js';
export { NotificationEventData } from './legacy-types/notification-event-data.js';
