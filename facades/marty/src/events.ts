/**
 * The event classes of `enhanced_events.py`. Each keeps Python's flat
 * `to_dict()` form in `toJSON()` (id, type, time, its fields, then `data` and
 * the metadata's JSON form) and reads it back with its own `fromDict`.
 */
import { BaseEvent, type BaseEventInit, type EventDict } from './base-event.js';
import { EventValidationError } from './errors.js';
import { assignFields, type FieldsOf, pick } from './fields.js';

/** The string at `snake` (or its camelCase twin); `null` when absent and not `required`. */
function text<R extends boolean>(dict: EventDict, snake: string, required: R): R extends true ? string : string | null {
  const value = pick(dict, snake) ?? null;
  if ((value !== null || required) && typeof value !== 'string') throw new EventValidationError(`${snake} must be a string.`);
  return value as string;
}

/** The object at `snake` (or its camelCase twin), `undefined` when absent. */
function object(dict: EventDict, snake: string): Record<string, unknown> | undefined {
  const value = pick(dict, snake) ?? undefined;
  if (value !== undefined && (typeof value !== 'object' || value === null)) throw new EventValidationError(`${snake} must be an object.`);
  return value as Record<string, unknown> | undefined;
}

/** The subclass's own fields of `init` (not the `BaseEvent` ones, which `super` took). */
function assignOwn(event: BaseEvent, init: object): void {
  const { eventType: _type, data: _data, metadata: _metadata, ...own } = init as BaseEventInit;
  assignFields(event, own);
}

/**
 * A generic event for simple cases; exported also as `Event`.
 *
 * @example
 * ```ts
 * const event = new GenericEvent({ eventType: 'cache.flushed', data: { keys: 12 } });
 * event.toJSON(); // { event_id, event_type: 'cache.flushed', timestamp, data: { keys: 12 }, metadata }
 * ```
 */
export class GenericEvent extends BaseEvent {
  protected static override readonly flatForm = true;

  /** Rebuilds a `GenericEvent` from `toJSON()` or `toDict()` output. */
  static override fromDict(dict: EventDict): GenericEvent {
    return new GenericEvent(GenericEvent.initFromDict(dict));
  }
}

/**
 * Options of {@link DomainEvent}.
 *
 * @example
 * ```ts
 * const init: DomainEventInit = { aggregateVersion: 3, eventType: 'order.shipped' };
 * ```
 */
export type DomainEventInit = BaseEventInit & FieldsOf<DomainEvent, keyof BaseEvent | 'aggregateId' | 'aggregateType'>;

/**
 * A domain event of an aggregate.
 *
 * @example
 * ```ts
 * const event = new DomainEvent('o-1', 'Order', { aggregateVersion: 2, eventType: 'order.placed', data: { total: 10 } });
 * ```
 */
export class DomainEvent extends BaseEvent {
  protected static override readonly flatForm = true;
  /** The aggregate's id. */
  aggregateId: string;
  /** The aggregate's type. */
  aggregateType: string;
  /** The aggregate's version. */
  aggregateVersion = 1;

  constructor(aggregateId: string, aggregateType: string, init: DomainEventInit = {}) {
    super(init);
    this.aggregateId = aggregateId;
    this.aggregateType = aggregateType;
    assignOwn(this, init);
  }

  /** Rebuilds a `DomainEvent` from `toJSON()` or `toDict()` output. */
  static override fromDict(dict: EventDict): DomainEvent {
    const version = pick(dict, 'aggregate_version') ?? undefined;
    if (version !== undefined && typeof version !== 'number') throw new EventValidationError('aggregate_version must be a number.');
    const init = { ...DomainEvent.initFromDict(dict), aggregateVersion: version };
    return new DomainEvent(text(dict, 'aggregate_id', true), text(dict, 'aggregate_type', true), init);
  }
}

/**
 * Options of {@link IntegrationEvent} (`sourceService` is its first argument).
 *
 * @example
 * ```ts
 * const init: IntegrationEventInit = { targetService: 'billing', payload: { invoice: 'i-1' } };
 * ```
 */
export type IntegrationEventInit = Omit<BaseEventInit, 'sourceService'> & FieldsOf<IntegrationEvent, keyof BaseEvent | 'sourceService'>;

/**
 * An event between services; sets `metadata.sourceService`.
 *
 * @example
 * ```ts
 * const event = new IntegrationEvent('orders', { targetService: 'billing', payload: { orderId: 'o-1' } });
 * event.metadata.sourceService; // 'orders'
 * ```
 */
export class IntegrationEvent extends BaseEvent {
  protected static override readonly flatForm = true;
  /** The sending service. */
  sourceService: string;
  /** The receiving service, if one. */
  targetService: string | null = null;
  /** The payload. */
  payload: Record<string, unknown> = {};

  constructor(sourceService: string, init: IntegrationEventInit = {}) {
    super(init);
    this.sourceService = sourceService;
    assignOwn(this, init);
    this.metadata.sourceService = sourceService;
  }

  /** Rebuilds an `IntegrationEvent` from `toJSON()` or `toDict()` output. */
  static override fromDict(dict: EventDict): IntegrationEvent {
    const init = {
      ...IntegrationEvent.initFromDict(dict),
      targetService: text(dict, 'target_service', false),
      payload: object(dict, 'payload'),
    };
    return new IntegrationEvent(text(dict, 'source_service', true), init);
  }
}

/**
 * Options of {@link SystemEvent}.
 *
 * @example
 * ```ts
 * const init: SystemEventInit = { details: { region: 'eu' } };
 * ```
 */
export type SystemEventInit = BaseEventInit & FieldsOf<SystemEvent, keyof BaseEvent | 'component' | 'action' | 'status'>;

/**
 * An infrastructure or operational event.
 *
 * @example
 * ```ts
 * const event = new SystemEvent('database', 'failover', 'completed', { details: { primary: 'db-2' } });
 * ```
 */
export class SystemEvent extends BaseEvent {
  protected static override readonly flatForm = true;
  /** The component. */
  component: string;
  /** What it did. */
  action: string;
  /** The outcome. */
  status: string;
  /** Details. */
  details: Record<string, unknown> = {};

  constructor(component: string, action: string, status: string, init: SystemEventInit = {}) {
    super(init);
    this.component = component;
    this.action = action;
    this.status = status;
    assignOwn(this, init);
  }

  /** Rebuilds a `SystemEvent` from `toJSON()` or `toDict()` output. */
  static override fromDict(dict: EventDict): SystemEvent {
    const init = { ...SystemEvent.initFromDict(dict), details: object(dict, 'details') };
    return new SystemEvent(text(dict, 'component', true), text(dict, 'action', true), text(dict, 'status', true), init);
  }
}

/**
 * Options of {@link PluginEvent}.
 *
 * @example
 * ```ts
 * const init: PluginEventInit = { pluginData: { version: '2.0' } };
 * ```
 */
export type PluginEventInit = BaseEventInit & FieldsOf<PluginEvent, keyof BaseEvent | 'pluginId' | 'pluginAction'>;

/**
 * An event of the plugin system.
 *
 * @example
 * ```ts
 * const event = new PluginEvent('search', 'loaded', { pluginData: { version: '2.0' } });
 * ```
 */
export class PluginEvent extends BaseEvent {
  protected static override readonly flatForm = true;
  /** The plugin's id. */
  pluginId: string;
  /** What the plugin did. */
  pluginAction: string;
  /** The plugin's data. */
  pluginData: Record<string, unknown> = {};

  constructor(pluginId: string, pluginAction: string, init: PluginEventInit = {}) {
    super(init);
    this.pluginId = pluginId;
    this.pluginAction = pluginAction;
    assignOwn(this, init);
  }

  /** Rebuilds a `PluginEvent` from `toJSON()` or `toDict()` output. */
  static override fromDict(dict: EventDict): PluginEvent {
    const init = { ...PluginEvent.initFromDict(dict), pluginData: object(dict, 'plugin_data') };
    return new PluginEvent(text(dict, 'plugin_id', true), text(dict, 'plugin_action', true), init);
  }
}

/**
 * Options of {@link WorkflowEvent}.
 *
 * @example
 * ```ts
 * const init: WorkflowEventInit = { workflowStep: 'charge', workflowStatus: 'running' };
 * ```
 */
export type WorkflowEventInit = BaseEventInit & FieldsOf<WorkflowEvent, keyof BaseEvent | 'workflowId' | 'workflowType'>;

/**
 * An event of the workflow and saga system.
 *
 * @example
 * ```ts
 * const event = new WorkflowEvent('wf-1', 'checkout', { workflowStep: 'charge', workflowStatus: 'running' });
 * ```
 */
export class WorkflowEvent extends BaseEvent {
  protected static override readonly flatForm = true;
  /** The workflow's id. */
  workflowId: string;
  /** The workflow's type. */
  workflowType: string;
  /** The current step. */
  workflowStep: string | null = null;
  /** The workflow's status. */
  workflowStatus: string | null = null;
  /** The workflow's data. */
  workflowData: Record<string, unknown> = {};

  constructor(workflowId: string, workflowType: string, init: WorkflowEventInit = {}) {
    super(init);
    this.workflowId = workflowId;
    this.workflowType = workflowType;
    assignOwn(this, init);
  }

  /** Rebuilds a `WorkflowEvent` from `toJSON()` or `toDict()` output. */
  static override fromDict(dict: EventDict): WorkflowEvent {
    const [workflowStep, workflowStatus] = [text(dict, 'workflow_step', false), text(dict, 'workflow_status', false)];
    const init = { ...WorkflowEvent.initFromDict(dict), workflowStep, workflowStatus, workflowData: object(dict, 'workflow_data') };
    return new WorkflowEvent(text(dict, 'workflow_id', true), text(dict, 'workflow_type', true), init);
  }
}
