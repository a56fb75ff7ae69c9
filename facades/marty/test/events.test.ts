import { describe, expect, it } from 'vitest';
import {
  BaseEvent,
  createDomainEvent,
  createIntegrationEvent,
  createPluginEvent,
  createWorkflowEvent,
  DomainEvent,
  EVENT_REGISTRY,
  Event,
  EventPriority,
  EventRegistry,
  EventValidationError,
  GenericEvent,
  IntegrationEvent,
  PluginEvent,
  registerEvent,
  registerPluginEvent,
  SystemEvent,
  WorkflowEvent,
} from '../src/index.js';

describe('event classes', () => {
  it('GenericEvent is exported as Event and defaults its type to its class name', () => {
    expect(Event).toBe(GenericEvent);
    const event = new GenericEvent({ data: { a: 1 } });
    expect(event.eventType).toBe('GenericEvent');
    expect(event.toJSON()).toMatchObject({ event_id: event.eventId, event_type: 'GenericEvent', data: { a: 1 } });
    expect(Object.keys(event.toJSON())).toEqual(['event_id', 'event_type', 'timestamp', 'data', 'metadata']);
  });

  it('DomainEvent keeps the aggregate and writes the flat Python form', () => {
    const event = new DomainEvent('o-1', 'Order', { aggregateVersion: 3, eventType: 'order.placed', data: { total: 5 }, userId: 'u-1' });
    expect(event).toMatchObject({ aggregateId: 'o-1', aggregateType: 'Order', aggregateVersion: 3, eventType: 'order.placed' });
    expect(event.metadata.userId).toBe('u-1');
    const json = event.toJSON();
    expect(Object.keys(json)).toEqual([
      'event_id',
      'event_type',
      'timestamp',
      'aggregate_id',
      'aggregate_type',
      'aggregate_version',
      'data',
      'metadata',
    ]);
    expect(json.timestamp).toMatch(/\+00:00$/);
    expect((json.metadata as Record<string, unknown>).user_id).toBe('u-1');
    expect(event.toDict()).toMatchObject({ eventId: event.eventId, aggregateId: 'o-1', aggregateVersion: 3 });
    expect(new DomainEvent('o-2', 'Order').aggregateVersion).toBe(1);
  });

  it('IntegrationEvent sets metadata.sourceService', () => {
    const event = new IntegrationEvent('orders', { targetService: 'billing', payload: { id: 1 } });
    expect(event.metadata.sourceService).toBe('orders');
    expect(event.toJSON()).toMatchObject({ source_service: 'orders', target_service: 'billing', payload: { id: 1 } });
    expect(new IntegrationEvent('a')).toMatchObject({ targetService: null, payload: {} });
  });

  it('SystemEvent, PluginEvent and WorkflowEvent keep their fields', () => {
    expect(new SystemEvent('db', 'failover', 'done').toJSON()).toMatchObject({
      component: 'db',
      action: 'failover',
      status: 'done',
      details: {},
    });
    expect(new PluginEvent('p', 'loaded', { pluginData: { v: 2 } }).toJSON()).toMatchObject({
      plugin_id: 'p',
      plugin_action: 'loaded',
      plugin_data: { v: 2 },
    });
    expect(new WorkflowEvent('w', 'checkout', { workflowStep: 'pay' }).toJSON()).toMatchObject({
      workflow_id: 'w',
      workflow_type: 'checkout',
      workflow_step: 'pay',
      workflow_status: null,
      workflow_data: {},
    });
  });

  it.each([
    ['GenericEvent', new GenericEvent({ eventType: 'a.b', data: { x: 1 } }), GenericEvent],
    ['DomainEvent', new DomainEvent('o-1', 'Order', { aggregateVersion: 2, data: { x: 1 } }), DomainEvent],
    ['IntegrationEvent', new IntegrationEvent('orders', { targetService: 'billing', payload: { y: 2 } }), IntegrationEvent],
    ['SystemEvent', new SystemEvent('db', 'failover', 'done', { details: { z: 3 } }), SystemEvent],
    ['PluginEvent', new PluginEvent('p', 'loaded', { pluginData: { v: 2 } }), PluginEvent],
    [
      'WorkflowEvent',
      new WorkflowEvent('w', 'checkout', { workflowStep: 'pay', workflowStatus: 'ok', workflowData: { n: 1 } }),
      WorkflowEvent,
    ],
  ] as const)('%s round-trips through toJSON, toDict and the wire JSON', (_name, event, cls) => {
    for (const dict of [event.toJSON(), event.toDict(), JSON.parse(JSON.stringify(event))]) {
      const copy = cls.fromDict(dict);
      expect(copy).toBeInstanceOf(cls);
      expect(copy).toEqual(event);
    }
  });

  it('BaseEvent.fromDict reads a subclass wire form (as the Python consumer does)', () => {
    const event = new DomainEvent('o-1', 'Order', { eventType: 'order.placed', data: { total: 5 }, priority: EventPriority.CRITICAL });
    const copy = BaseEvent.fromJSON(JSON.stringify(event));
    expect(copy.eventType).toBe('order.placed');
    expect(copy.data).toEqual({ total: 5 });
    expect(copy.metadata).toEqual(event.metadata);
  });

  it('fromDict refuses missing required fields', () => {
    expect(() => DomainEvent.fromDict({ aggregate_type: 'Order' })).toThrow(EventValidationError);
    expect(() => SystemEvent.fromDict({ component: 'db', action: 'x' })).toThrow(/status must be a string/);
    expect(() => PluginEvent.fromDict({ plugin_id: 'p', plugin_action: 'a', plugin_data: 'no' })).toThrow(/plugin_data must be an object/);
  });
});

describe('create*Event helpers', () => {
  it('createDomainEvent fills the metadata and the type', () => {
    const event = createDomainEvent('o-1', 'Order', {
      eventType: 'order.placed',
      correlationId: 'c',
      causationId: 'k',
      userId: 'u',
      tenantId: 't',
      aggregateVersion: 4,
    });
    expect(event).toBeInstanceOf(DomainEvent);
    expect(event.eventType).toBe('order.placed');
    expect(event.aggregateVersion).toBe(4);
    expect(event.metadata).toMatchObject({ eventType: 'order.placed', correlationId: 'c', causationId: 'k', userId: 'u', tenantId: 't' });
    const plain = createDomainEvent('o-1', 'Order');
    expect(plain.eventType).toBe('DomainEvent');
    expect(plain.metadata.eventType).toBe('DomainEvent');
  });

  it('createIntegrationEvent sets source service and priority', () => {
    const event = createIntegrationEvent('orders', { targetService: 'billing', priority: EventPriority.HIGH, payload: { a: 1 } });
    expect(event.eventType).toBe('IntegrationEvent');
    expect(event.metadata).toMatchObject({ sourceService: 'orders', priority: 3, eventType: 'IntegrationEvent' });
    expect(event.payload).toEqual({ a: 1 });
  });

  it('createPluginEvent and createWorkflowEvent', () => {
    const plugin = createPluginEvent('p', 'loaded', { eventType: 'plugin.loaded', pluginData: { v: 1 }, correlationId: 'c' });
    expect(plugin).toMatchObject({ eventType: 'plugin.loaded', pluginId: 'p', pluginData: { v: 1 } });
    expect(plugin.metadata.correlationId).toBe('c');
    const workflow = createWorkflowEvent('w', 'checkout', { workflowStep: 's', workflowStatus: 'running', workflowData: { n: 1 } });
    expect(workflow).toMatchObject({ eventType: 'WorkflowEvent', workflowStep: 's', workflowStatus: 'running', workflowData: { n: 1 } });
    expect(workflow.metadata.eventType).toBe('WorkflowEvent');
  });
});

describe('EventRegistry', () => {
  it('the global registry holds the built-in classes', () => {
    for (const cls of [GenericEvent, DomainEvent, IntegrationEvent, SystemEvent, PluginEvent, WorkflowEvent]) {
      expect(EVENT_REGISTRY.get(cls.name)).toBe(cls);
    }
    expect(EVENT_REGISTRY.get('Nope')).toBeNull();
  });

  it('registers, lists, and unregisters plugin events', () => {
    class Indexed extends BaseEvent {}
    class Removed extends BaseEvent {}
    class Kept extends BaseEvent {}
    const registry = new EventRegistry();
    registry.register(Kept);
    registry.registerPluginEvent('search', Indexed);
    registry.registerPluginEvent('search', Removed);
    expect(registry.listTypes()).toEqual(['Kept', 'Indexed', 'Removed']);
    expect(registry.getPluginEvents('search')).toEqual({ Indexed, Removed });
    expect(registry.getPluginEvents('other')).toEqual({});
    registry.unregisterPluginEvents('search');
    expect(registry.listTypes()).toEqual(['Kept']);
    expect(registry.getPluginEvents('search')).toEqual({});
  });

  it('registerEvent and registerPluginEvent work as class decorators and as calls', () => {
    // The test runner's transform has no decorator syntax: apply them as TC39 does, with a class context.
    const context = (name: string) => ({ kind: 'class', name }) as ClassDecoratorContext;
    const DecoratedEvent = registerEvent(class DecoratedEvent extends BaseEvent {}, context('DecoratedEvent'));
    const InvoiceEvent = registerPluginEvent('billing')(class InvoiceEvent extends BaseEvent {}, context('InvoiceEvent'));
    class CalledEvent extends BaseEvent {}
    expect(registerEvent(CalledEvent)).toBe(CalledEvent);
    expect(EVENT_REGISTRY.get('DecoratedEvent')).toBe(DecoratedEvent);
    expect(EVENT_REGISTRY.get('CalledEvent')).toBe(CalledEvent);
    expect(EVENT_REGISTRY.getPluginEvents('billing')).toEqual({ InvoiceEvent });
    EVENT_REGISTRY.unregisterPluginEvents('billing');
    expect(EVENT_REGISTRY.get('InvoiceEvent')).toBeNull();
  });
});
