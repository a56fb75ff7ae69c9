/**
 * The event classes of `enhanced_events.py`. Each keeps Python's flat
 * `to_dict()` form in `toJSON()` (id, type, time, its fields, then `data` and
 * the metadata's JSON form) and reads it back with its own `fromDict`.
 */
import { BaseEvent, type BaseEventInit } from './base-event.js';
import { EventValidationError } from './errors.js';
import { pick } from './event-metadata.js';

type Dict = Readonly<Record<string, unknown>>;

function text(dict: Dict, snake: string, required: true): string;
function text(dict: Dict, snake: string, required: false): string | null;
function text(dict: Dict, snake: string, required: boolean): string | null {
  const value = pick(dict, snake) ?? null;
  if (value === null && !required) return null;
  if (typeof value !== 'string')
    throw new EventValidationError(`${snake} must be a string, got ${value === null ? 'none' : typeof value}.`);
  return value;
}

function object(dict: Dict, snake: string): Record<string, unknown> {
  const value = pick(dict, snake) ?? {};
  if (typeof value !== 'object' || value === null) throw new EventValidationError(`${snake} must be an object.`);
  return value as Record<string, unknown>;
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
  protected override ownFields(): Record<string, unknown> {
    return {};
  }

  /**
   * Rebuilds a `GenericEvent` from `toJSON()` or `toDict()` output.
   *
   * @example
   * ```ts
   * GenericEvent.fromDict(JSON.parse(text));
   * ```
   */
  static override fromDict(dict: Dict): GenericEvent {
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
export interface DomainEventInit extends BaseEventInit {
  /** Default `1`. */
  readonly aggregateVersion?: number | undefined;
}

/**
 * A domain event of an aggregate.
 *
 * @example
 * ```ts
 * const event = new DomainEvent('o-1', 'Order', { aggregateVersion: 2, eventType: 'order.placed', data: { total: 10 } });
 * ```
 */
export class DomainEvent extends BaseEvent {
  /** The aggregate's id. */
  aggregateId: string;
  /** The aggregate's type. */
  aggregateType: string;
  /** The aggregate's version. */
  aggregateVersion: number;

  constructor(aggregateId: string, aggregateType: string, init: DomainEventInit = {}) {
    const { aggregateVersion, ...rest } = init;
    super(rest);
    this.aggregateId = aggregateId;
    this.aggregateType = aggregateType;
    this.aggregateVersion = aggregateVersion ?? 1;
  }

  protected override ownFields(): Record<string, unknown> {
    return { aggregateId: this.aggregateId, aggregateType: this.aggregateType, aggregateVersion: this.aggregateVersion };
  }

  /**
   * Rebuilds a `DomainEvent` from `toJSON()` or `toDict()` output.
   *
   * @example
   * ```ts
   * DomainEvent.fromDict(event.toJSON()).aggregateId; // 'o-1'
   * ```
   */
  static override fromDict(dict: Dict): DomainEvent {
    const version = pick(dict, 'aggregate_version') ?? 1;
    if (typeof version !== 'number') throw new EventValidationError('aggregate_version must be a number.');
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
export interface IntegrationEventInit extends Omit<BaseEventInit, 'sourceService'> {
  /** Default `null`. */
  readonly targetService?: string | null | undefined;
  /** Default `{}`. */
  readonly payload?: Record<string, unknown> | null | undefined;
}

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
  /** The sending service. */
  sourceService: string;
  /** The receiving service, if one. */
  targetService: string | null;
  /** The payload. */
  payload: Record<string, unknown>;

  constructor(sourceService: string, init: IntegrationEventInit = {}) {
    const { targetService, payload, ...rest } = init;
    super(rest);
    this.sourceService = sourceService;
    this.targetService = targetService ?? null;
    this.payload = payload ?? {};
    this.metadata.sourceService = sourceService;
  }

  protected override ownFields(): Record<string, unknown> {
    return { sourceService: this.sourceService, targetService: this.targetService, payload: this.payload };
  }

  /**
   * Rebuilds an `IntegrationEvent` from `toJSON()` or `toDict()` output.
   *
   * @example
   * ```ts
   * IntegrationEvent.fromDict(event.toJSON()).targetService; // 'billing'
   * ```
   */
  static override fromDict(dict: Dict): IntegrationEvent {
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
export interface SystemEventInit extends BaseEventInit {
  /** Default `{}`. */
  readonly details?: Record<string, unknown> | null | undefined;
}

/**
 * An infrastructure or operational event.
 *
 * @example
 * ```ts
 * const event = new SystemEvent('database', 'failover', 'completed', { details: { primary: 'db-2' } });
 * ```
 */
export class SystemEvent extends BaseEvent {
  /** The component. */
  component: string;
  /** What it did. */
  action: string;
  /** The outcome. */
  status: string;
  /** Details. */
  details: Record<string, unknown>;

  constructor(component: string, action: string, status: string, init: SystemEventInit = {}) {
    const { details, ...rest } = init;
    super(rest);
    this.component = component;
    this.action = action;
    this.status = status;
    this.details = details ?? {};
  }

  protected override ownFields(): Record<string, unknown> {
    return { component: this.component, action: this.action, status: this.status, details: this.details };
  }

  /**
   * Rebuilds a `SystemEvent` from `toJSON()` or `toDict()` output.
   *
   * @example
   * ```ts
   * SystemEvent.fromDict(event.toJSON()).status; // 'completed'
   * ```
   */
  static override fromDict(dict: Dict): SystemEvent {
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
export interface PluginEventInit extends BaseEventInit {
  /** Default `{}`. */
  readonly pluginData?: Record<string, unknown> | null | undefined;
}

/**
 * An event of the plugin system.
 *
 * @example
 * ```ts
 * const event = new PluginEvent('search', 'loaded', { pluginData: { version: '2.0' } });
 * ```
 */
export class PluginEvent extends BaseEvent {
  /** The plugin's id. */
  pluginId: string;
  /** What the plugin did. */
  pluginAction: string;
  /** The plugin's data. */
  pluginData: Record<string, unknown>;

  constructor(pluginId: string, pluginAction: string, init: PluginEventInit = {}) {
    const { pluginData, ...rest } = init;
    super(rest);
    this.pluginId = pluginId;
    this.pluginAction = pluginAction;
    this.pluginData = pluginData ?? {};
  }

  protected override ownFields(): Record<string, unknown> {
    return { pluginId: this.pluginId, pluginAction: this.pluginAction, pluginData: this.pluginData };
  }

  /**
   * Rebuilds a `PluginEvent` from `toJSON()` or `toDict()` output.
   *
   * @example
   * ```ts
   * PluginEvent.fromDict(event.toJSON()).pluginAction; // 'loaded'
   * ```
   */
  static override fromDict(dict: Dict): PluginEvent {
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
export interface WorkflowEventInit extends BaseEventInit {
  /** Default `null`. */
  readonly workflowStep?: string | null | undefined;
  /** Default `null`. */
  readonly workflowStatus?: string | null | undefined;
  /** Default `{}`. */
  readonly workflowData?: Record<string, unknown> | null | undefined;
}

/**
 * An event of the workflow and saga system.
 *
 * @example
 * ```ts
 * const event = new WorkflowEvent('wf-1', 'checkout', { workflowStep: 'charge', workflowStatus: 'running' });
 * ```
 */
export class WorkflowEvent extends BaseEvent {
  /** The workflow's id. */
  workflowId: string;
  /** The workflow's type. */
  workflowType: string;
  /** The current step. */
  workflowStep: string | null;
  /** The workflow's status. */
  workflowStatus: string | null;
  /** The workflow's data. */
  workflowData: Record<string, unknown>;

  constructor(workflowId: string, workflowType: string, init: WorkflowEventInit = {}) {
    const { workflowStep, workflowStatus, workflowData, ...rest } = init;
    super(rest);
    this.workflowId = workflowId;
    this.workflowType = workflowType;
    this.workflowStep = workflowStep ?? null;
    this.workflowStatus = workflowStatus ?? null;
    this.workflowData = workflowData ?? {};
  }

  protected override ownFields(): Record<string, unknown> {
    const { workflowId, workflowType, workflowStep, workflowStatus, workflowData } = this;
    return { workflowId, workflowType, workflowStep, workflowStatus, workflowData };
  }

  /**
   * Rebuilds a `WorkflowEvent` from `toJSON()` or `toDict()` output.
   *
   * @example
   * ```ts
   * WorkflowEvent.fromDict(event.toJSON()).workflowStep; // 'charge'
   * ```
   */
  static override fromDict(dict: Dict): WorkflowEvent {
    const init = {
      ...WorkflowEvent.initFromDict(dict),
      workflowStep: text(dict, 'workflow_step', false),
      workflowStatus: text(dict, 'workflow_status', false),
      workflowData: object(dict, 'workflow_data'),
    };
    return new WorkflowEvent(text(dict, 'workflow_id', true), text(dict, 'workflow_type', true), init);
  }
}
