/**
 * The `create_*_event` helpers of `enhanced_events.py`: an event with fresh
 * metadata (a UUID, now) whose `eventType` is the one given, else the class name.
 */
import { randomUUID } from 'node:crypto';
import { EventPriority } from './enums.js';
import { EventMetadata } from './event-metadata.js';
import { DomainEvent, IntegrationEvent, PluginEvent, WorkflowEvent } from './events.js';

function metadata(eventType: string | null | undefined, fallback: string, fields: ConstructorParameters<typeof EventMetadata>[3]) {
  return new EventMetadata(randomUUID(), eventType || fallback, new Date(), fields);
}

/**
 * Options of {@link createDomainEvent}.
 *
 * @example
 * ```ts
 * const options: CreateDomainEventOptions = { eventType: 'order.placed', userId: 'u-1' };
 * ```
 */
export interface CreateDomainEventOptions {
  /** The event type; default `'DomainEvent'`. */
  readonly eventType?: string | null | undefined;
  /** Default `1`. */
  readonly aggregateVersion?: number | undefined;
  /** Default `null`. */
  readonly correlationId?: string | null | undefined;
  /** Default `null`. */
  readonly causationId?: string | null | undefined;
  /** Default `null`. */
  readonly userId?: string | null | undefined;
  /** Default `null`. */
  readonly tenantId?: string | null | undefined;
}

/**
 * Creates a {@link DomainEvent} with metadata.
 *
 * @example
 * ```ts
 * const event = createDomainEvent('o-1', 'Order', { eventType: 'order.placed', correlationId: 'req-1' });
 * ```
 */
export function createDomainEvent(aggregateId: string, aggregateType: string, options: CreateDomainEventOptions = {}): DomainEvent {
  const { eventType, aggregateVersion, ...fields } = options;
  return new DomainEvent(aggregateId, aggregateType, { eventType, aggregateVersion, metadata: metadata(eventType, 'DomainEvent', fields) });
}

/**
 * Options of {@link createIntegrationEvent}.
 *
 * @example
 * ```ts
 * const options: CreateIntegrationEventOptions = { targetService: 'billing', priority: EventPriority.HIGH };
 * ```
 */
export interface CreateIntegrationEventOptions {
  /** Default `null`. */
  readonly targetService?: string | null | undefined;
  /** The event type; default `'IntegrationEvent'`. */
  readonly eventType?: string | null | undefined;
  /** Default `{}`. */
  readonly payload?: Record<string, unknown> | null | undefined;
  /** Default `null`. */
  readonly correlationId?: string | null | undefined;
  /** Default {@link EventPriority.NORMAL}. */
  readonly priority?: EventPriority | undefined;
}

/**
 * Creates an {@link IntegrationEvent} with metadata.
 *
 * @example
 * ```ts
 * const event = createIntegrationEvent('orders', { targetService: 'billing', eventType: 'invoice.requested' });
 * ```
 */
export function createIntegrationEvent(sourceService: string, options: CreateIntegrationEventOptions = {}): IntegrationEvent {
  const { targetService, eventType, payload, correlationId, priority = EventPriority.NORMAL } = options;
  const meta = metadata(eventType, 'IntegrationEvent', { correlationId, sourceService, priority });
  return new IntegrationEvent(sourceService, { targetService, payload, eventType, metadata: meta });
}

/**
 * Options of {@link createPluginEvent}.
 *
 * @example
 * ```ts
 * const options: CreatePluginEventOptions = { eventType: 'plugin.loaded', pluginData: { version: '2' } };
 * ```
 */
export interface CreatePluginEventOptions {
  /** The event type; default `'PluginEvent'`. */
  readonly eventType?: string | null | undefined;
  /** Default `{}`. */
  readonly pluginData?: Record<string, unknown> | null | undefined;
  /** Default `null`. */
  readonly correlationId?: string | null | undefined;
}

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
  return new PluginEvent(pluginId, pluginAction, {
    pluginData,
    eventType,
    metadata: metadata(eventType, 'PluginEvent', { correlationId }),
  });
}

/**
 * Options of {@link createWorkflowEvent}.
 *
 * @example
 * ```ts
 * const options: CreateWorkflowEventOptions = { workflowStep: 'charge', workflowStatus: 'running' };
 * ```
 */
export interface CreateWorkflowEventOptions {
  /** The event type; default `'WorkflowEvent'`. */
  readonly eventType?: string | null | undefined;
  /** Default `null`. */
  readonly workflowStep?: string | null | undefined;
  /** Default `null`. */
  readonly workflowStatus?: string | null | undefined;
  /** Default `{}`. */
  readonly workflowData?: Record<string, unknown> | null | undefined;
  /** Default `null`. */
  readonly correlationId?: string | null | undefined;
}

/**
 * Creates a {@link WorkflowEvent} with metadata.
 *
 * @example
 * ```ts
 * const event = createWorkflowEvent('wf-1', 'checkout', { workflowStep: 'charge', correlationId: 'order-1' });
 * ```
 */
export function createWorkflowEvent(workflowId: string, workflowType: string, options: CreateWorkflowEventOptions = {}): WorkflowEvent {
  const { eventType, correlationId, ...workflow } = options;
  return new WorkflowEvent(workflowId, workflowType, {
    ...workflow,
    eventType,
    metadata: metadata(eventType, 'WorkflowEvent', { correlationId }),
  });
}
