/**
 * `@bus/facade-marty`: the Marty Microservices Framework's events package
 * (`marty_msf.framework.events`) rebuilt on `@bus/core` and its plugins. The
 * `types.py` names are in `@bus/facade-marty/types`, the older in-memory
 * `EventBus` in `@bus/facade-marty/in-memory`.
 *
 * @packageDocumentation
 */

export type { BaseEventInit } from './base-event.js';
export { BaseEvent } from './base-event.js';
export type {
  CreateDomainEventOptions,
  CreateIntegrationEventOptions,
  CreatePluginEventOptions,
  CreateWorkflowEventOptions,
} from './create-events.js';
export { createDomainEvent, createIntegrationEvent, createPluginEvent, createWorkflowEvent } from './create-events.js';
// The Kafka and outbox side: the enhanced bus, its configs and the decorators.
export type { AuditEventOptions, DecoratorsEventBus, DomainEventOptions, EventDecorator, PublishOnOptions } from './decorators.js';
export {
  auditEvent,
  cleanupDecoratorsEventBus,
  domainEvent,
  getDecoratorsEventBus,
  publishOnError,
  publishOnSuccess,
  setDecoratorsEventBus,
} from './decorators.js';
export type { DeadLetterInfo, EnhancedEventBusOptions, HealthCheck, PublishEventOptions } from './enhanced-event-bus.js';
export { EnhancedEventBus, legacyTopic } from './enhanced-event-bus.js';
export {
  AuditEventType,
  DeliveryGuarantee,
  EventBackendType,
  EventBusMode,
  EventCategory,
  EventPriority,
  EventStatus,
  NotificationEventType,
} from './enums.js';
export type { EventPublishingErrorOptions } from './errors.js';
export {
  EventPublishingError,
  EventSerializationError,
  EventTimeoutError,
  EventValidationError,
  KafkaConnectionError,
  OutboxError,
  TopicNotFoundError,
} from './errors.js';
export type { EventConfigFields } from './event-config.js';
export { EventConfig, EventPublisherConfig } from './event-config.js';
export type { EventFilterFields } from './event-filter.js';
export { EventFilter } from './event-filter.js';
export type { EventHandlerOptions, PluginHandlerFunc } from './event-handler.js';
export { EventHandler, PluginEventHandler } from './event-handler.js';
export type { EventMetadataFields } from './event-metadata.js';
export { EventMetadata } from './event-metadata.js';
export type { PublishMetadataOptions } from './event-publisher.js';
export { EventPublisher, getEventPublisher } from './event-publisher.js';
export type { EventClass } from './event-registry.js';
export { EVENT_REGISTRY, EventRegistry, registerEvent, registerPluginEvent } from './event-registry.js';
export type { DomainEventInit, IntegrationEventInit, PluginEventInit, SystemEventInit, WorkflowEventInit } from './events.js';
export { DomainEvent, GenericEvent as Event, GenericEvent, IntegrationEvent, PluginEvent, SystemEvent, WorkflowEvent } from './events.js';
export type { KafkaConfigFields, SecurityProtocol } from './kafka-config.js';
export { KafkaConfig } from './kafka-config.js';
export type { OutboxConfigOptions } from './outbox-config.js';
export { OutboxConfig } from './outbox-config.js';
export { pythonStr } from './python-str.js';
export { isoformat, parseIsoformat } from './python-time.js';
