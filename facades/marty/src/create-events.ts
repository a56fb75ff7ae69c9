/**
 * The `create_*_event` helpers of `enhanced_events.py`: an event with fresh
 * metadata (a UUID, now, the fields given) whose type, in the event and its
 * metadata, is `eventType`, else the class name.
 */
import {
  DomainEvent,
  type DomainEventInit,
  IntegrationEvent,
  type IntegrationEventInit,
  PluginEvent,
  type PluginEventInit,
  WorkflowEvent,
  type WorkflowEventInit,
} from './events.js';

/**
 * Options of {@link createDomainEvent}.
 *
 * @example
 * ```ts
 * const options: CreateDomainEventOptions = { eventType: 'order.placed', userId: 'u-1' };
 * ```
 */
export type CreateDomainEventOptions = Pick<
  DomainEventInit,
  'eventType' | 'aggregateVersion' | 'correlationId' | 'causationId' | 'userId' | 'tenantId'
>;

/**
 * Creates a {@link DomainEvent} with metadata.
 *
 * @example
 * ```ts
 * const event = createDomainEvent('o-1', 'Order', { eventType: 'order.placed', correlationId: 'req-1' });
 * ```
 */
export function createDomainEvent(aggregateId: string, aggregateType: string, options: CreateDomainEventOptions = {}): DomainEvent {
  const { eventType, aggregateVersion, correlationId, causationId, userId, tenantId } = options;
  return new DomainEvent(aggregateId, aggregateType, { eventType, aggregateVersion, correlationId, causationId, userId, tenantId });
}

/**
 * Options of {@link createIntegrationEvent}.
 *
 * @example
 * ```ts
 * const options: CreateIntegrationEventOptions = { targetService: 'billing', priority: EventPriority.HIGH };
 * ```
 */
export type CreateIntegrationEventOptions = Pick<
  IntegrationEventInit,
  'targetService' | 'eventType' | 'payload' | 'correlationId' | 'priority'
>;

/**
 * Creates an {@link IntegrationEvent} with metadata (its `sourceService` set).
 *
 * @example
 * ```ts
 * const event = createIntegrationEvent('orders', { targetService: 'billing', eventType: 'invoice.requested' });
 * ```
 */
export function createIntegrationEvent(sourceService: string, options: CreateIntegrationEventOptions = {}): IntegrationEvent {
  const { targetService, eventType, payload, correlationId, priority } = options;
  return new IntegrationEvent(sourceService, { targetService, eventType, payload, correlationId, priority });
}

/**
 * Options of {@link createPluginEvent}.
 *
 * @example
 * ```ts
 * const options: CreatePluginEventOptions = { eventType: 'plugin.loaded', pluginData: { version: '2' } };
 * ```
 */
export type CreatePluginEventOptions = Pick<PluginEventInit, 'eventType' | 'pluginData' | 'correlationId'>;

/**
 * Creates a {@link PluginEvent} with metadata.
 *
 * @example
 * ```ts
 * const event = createPluginEvent('search', 'loaded', { pluginData: { version: '2' } });
 * ```
 */
export function createPluginEvent(pluginId: string, pluginAction: string, options: CreatePluginEventOptions = {}): PluginEvent {
  const { eventType, pluginData, correlationId } = options;
  return new PluginEvent(pluginId, pluginAction, { eventType, pluginData, correlationId });
}

/**
 * Options of {@link createWorkflowEvent}.
 *
 * @example
 * ```ts
 * const options: CreateWorkflowEventOptions = { workflowStep: 'charge', workflowStatus: 'running' };
 * ```
 */
export type CreateWorkflowEventOptions = Pick<
  WorkflowEventInit,
  'eventType' | 'workflowStep' | 'workflowStatus' | 'workflowData' | 'correlationId'
>;

/**
 * Creates a {@link WorkflowEvent} with metadata.
 *
 * @example
 * ```ts
 * const event = createWorkflowEvent('wf-1', 'checkout', { workflowStep: 'charge', correlationId: 'order-1' });
 * ```
 */
export function createWorkflowEvent(workflowId: string, workflowType: string, options: CreateWorkflowEventOptions = {}): WorkflowEvent {
  const { eventType, workflowStep, workflowStatus, workflowData, correlationId } = options;
  return new WorkflowEvent(workflowId, workflowType, { eventType, workflowStep, workflowStatus, workflowData, correlationId });
}
