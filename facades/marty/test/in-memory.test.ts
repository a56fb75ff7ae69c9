// Port of Marty's tests/unit/framework/test_events.py (the older in-memory API), test names kept.
// Python slept 0.1 s after each publish "for async processing"; here `await bus.publish()` resolves once
// the handlers ran, so the tests need no sleep.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Event, EventBus, EventHandler, EventSubscription, fnmatch, logger } from '../src/in-memory.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('TestEvent', () => {
  it('test_event_creation', () => {
    const event = new Event('event-123', 'user.registered', { user_id: 123, email: 'test@example.com' });
    expect(event.id).toBe('event-123');
    expect(event.type).toBe('user.registered');
    expect(event.data).toEqual({ user_id: 123, email: 'test@example.com' });
    expect(event.timestamp).not.toBeNull();
    expect(event.timestamp).toBeInstanceOf(Date);
    expect(event.version).toBe(1);
  });

  it('test_event_creation_with_optional_fields', () => {
    const event = new Event(
      'event-456',
      'order.placed',
      { order_id: 456 },
      { source: 'order-service', correlationId: 'corr-789', version: 2 },
    );
    expect(event.source).toBe('order-service');
    expect(event.correlationId).toBe('corr-789');
    expect(event.version).toBe(2);
  });

  it('test_event_to_dict', () => {
    const event = new Event('event-123', 'user.registered', { user_id: 123 });
    const eventDict = event.toDict();
    expect(eventDict.id).toBe('event-123');
    expect(eventDict.type).toBe('user.registered');
    expect(eventDict.data).toEqual({ user_id: 123 });
    expect(eventDict).toHaveProperty('timestamp');
    expect(eventDict.version).toBe(1);
  });

  it('test_event_from_dict', () => {
    const event = Event.fromDict({
      id: 'event-456',
      type: 'order.placed',
      data: { order_id: 456 },
      timestamp: '2024-01-01T12:00:00Z',
      version: 2,
    });
    expect(event.id).toBe('event-456');
    expect(event.type).toBe('order.placed');
    expect(event.data).toEqual({ order_id: 456 });
    expect(event.version).toBe(2);
    expect(event.timestamp.getTime()).toBe(Date.UTC(2024, 0, 1, 12));
  });

  it('test_event_equality', () => {
    const event1 = new Event('event-123', 'user.registered', { user_id: 123 });
    const event2 = new Event('event-123', 'user.registered', { user_id: 123 }, { timestamp: new Date(0) });
    const event3 = new Event('event-456', 'user.registered', { user_id: 123 });
    expect(event1.equals(event2)).toBe(true);
    expect(event1.equals(event3)).toBe(false);
  });

  it('test_event_repr', () => {
    const reprStr = String(new Event('event-123', 'user.registered', { user_id: 123 }));
    expect(reprStr).toContain('Event');
    expect(reprStr).toContain('event-123');
    expect(reprStr).toContain('user.registered');
    expect(reprStr).toBe("Event(id='event-123', type='user.registered')");
  });

  it('round-trips toDict and toJSON, and refuses a malformed dict', () => {
    const event = new Event('e-1', 'a.b', { x: 1 }, { source: 's', correlationId: 'c', version: 3 });
    expect(Event.fromDict(event.toDict()).equals(event)).toBe(true);
    const copy = Event.fromDict(JSON.parse(JSON.stringify(event)));
    expect(copy.equals(event)).toBe(true);
    expect(copy.timestamp.getTime()).toBe(event.timestamp.getTime());
    expect(event.toJSON()).toHaveProperty('correlation_id', 'c');
    expect(() => Event.fromDict({ id: 1, type: 'x' })).toThrow(/string id and type/);
  });
});

describe('TestEventHandler', () => {
  it('test_event_handler_creation', () => {
    const handlerFunc = async (_event: Event) => {};
    const handler = new EventHandler('test-handler', 'user.registered', handlerFunc);
    expect(handler.name).toBe('test-handler');
    expect(handler.eventType).toBe('user.registered');
    expect(handler.handlerFunc).toBe(handlerFunc);
    expect(handler.priority).toBe(0);
    expect(handler.isAsync).toBe(true);
    expect(new EventHandler('sync', 'x', () => {}).isAsync).toBe(false);
  });

  it('test_event_handler_with_priority', () => {
    const handler = new EventHandler('priority-handler', 'user.registered', async () => {}, { priority: 10 });
    expect(handler.priority).toBe(10);
  });

  it('test_event_handler_execution', async () => {
    const executedEvents: Event[] = [];
    const handler = new EventHandler('test-handler', 'user.registered', async (event) => {
      executedEvents.push(event);
    });
    const event = new Event('event-123', 'user.registered', { user_id: 123 });
    await handler.execute(event);
    expect(executedEvents).toHaveLength(1);
    expect(executedEvents[0]).toBe(event);
  });

  it('test_event_handler_execution_with_error', async () => {
    const errors = vi.spyOn(logger, 'error').mockImplementation(() => {});
    const handler = new EventHandler('failing-handler', 'user.registered', async () => {
      throw new Error('Handler failed');
    });
    await expect(handler.execute(new Event('event-123', 'user.registered', { user_id: 123 }))).resolves.toBe(false);
    expect(errors).toHaveBeenCalledWith('Handler failing-handler failed on event event-123: Handler failed');
  });

  it('test_event_handler_matches_type', () => {
    const handler = new EventHandler('test-handler', 'user.registered', async () => {});
    expect(handler.matches(new Event('event-123', 'user.registered', { user_id: 123 }))).toBe(true);
    expect(handler.matches(new Event('event-456', 'order.placed', { order_id: 456 }))).toBe(false);
  });

  it('test_event_handler_pattern_matching', () => {
    const handler = new EventHandler('user-handler', 'user.*', async () => {});
    expect(handler.matches(new Event('event-123', 'user.registered', { user_id: 123 }))).toBe(true);
    expect(handler.matches(new Event('event-456', 'user.updated', { user_id: 123 }))).toBe(true);
    expect(handler.matches(new Event('event-789', 'order.placed', { order_id: 789 }))).toBe(false);
  });

  it('fnmatch follows Python: * spans dots, ?, [seq], [!seq], the rest literal', () => {
    expect(fnmatch('user.a.b', 'user.*')).toBe(true);
    expect(fnmatch('user', 'user.*')).toBe(false);
    expect(fnmatch('user.x', 'user.?')).toBe(true);
    expect(fnmatch('user.xy', 'user.?')).toBe(false);
    expect(fnmatch('v1', 'v[12]')).toBe(true);
    expect(fnmatch('v3', 'v[!12]')).toBe(true);
    expect(fnmatch('v1', 'v[!12]')).toBe(false);
    expect(fnmatch('userXregistered', 'user.registered')).toBe(false);
    expect(fnmatch('a+b', 'a+b')).toBe(true);
  });
});

describe('TestEventSubscription', () => {
  const handlerFunc = async (_event: Event) => {};

  it('test_subscription_creation', () => {
    const subscription = new EventSubscription('service-123', 'user.registered', handlerFunc);
    expect(subscription.subscriberId).toBe('service-123');
    expect(subscription.eventType).toBe('user.registered');
    expect(subscription.handlerFunc).toBe(handlerFunc);
    expect(subscription.isActive).toBe(true);
  });

  it('test_subscription_deactivation', () => {
    const subscription = new EventSubscription('service-123', 'user.registered', handlerFunc);
    expect(subscription.isActive).toBe(true);
    subscription.deactivate();
    expect(subscription.isActive).toBe(false);
  });

  it('test_subscription_reactivation', () => {
    const subscription = new EventSubscription('service-123', 'user.registered', handlerFunc);
    subscription.deactivate();
    expect(subscription.isActive).toBe(false);
    subscription.activate();
    expect(subscription.isActive).toBe(true);
  });
});

describe('TestEventBus', () => {
  const userRegistered = () => new Event('event-123', 'user.registered', { user_id: 123 });

  it('test_event_bus_creation', () => {
    const bus = new EventBus('test-service');
    expect(bus.serviceName).toBe('test-service');
    expect(bus.handlers.size).toBe(0);
    expect(bus.subscriptions).toHaveLength(0);
    expect(bus.isRunning).toBe(false);
  });

  it('test_event_bus_register_handler', () => {
    const bus = new EventBus('test-service');
    const handler = bus.registerHandler('test-handler', 'user.registered', async () => {});
    expect(bus.handlers.size).toBe(1);
    expect(handler.name).toBe('test-handler');
    expect(handler.eventType).toBe('user.registered');
  });

  it('test_event_bus_register_duplicate_handler', () => {
    const bus = new EventBus('test-service');
    bus.registerHandler('test-handler', 'user.registered', async () => {});
    expect(() => bus.registerHandler('test-handler', 'order.placed', async () => {})).toThrow("Handler 'test-handler' already registered");
    expect(bus.handlers.get('test-handler')?.eventType).toBe('user.registered');
  });

  it('test_event_bus_unregister_handler', () => {
    const bus = new EventBus('test-service');
    bus.registerHandler('test-handler', 'user.registered', async () => {});
    expect(bus.handlers.size).toBe(1);
    expect(bus.unregisterHandler('test-handler')).toBe(true);
    expect(bus.handlers.size).toBe(0);
    expect(bus.unregisterHandler('test-handler')).toBe(false);
  });

  it('test_event_bus_publish_event', async () => {
    const bus = new EventBus('test-service');
    const executedEvents: Event[] = [];
    bus.registerHandler('test-handler', 'user.registered', async (event) => {
      executedEvents.push(event);
    });
    const event = userRegistered();
    await bus.publish(event);
    expect(executedEvents).toHaveLength(1);
    expect(executedEvents[0]).toBe(event);
  });

  it('test_event_bus_publish_multiple_handlers', async () => {
    const bus = new EventBus('test-service');
    const handler1Events: Event[] = [];
    const handler2Events: Event[] = [];
    bus.registerHandler('handler-1', 'user.registered', async (event) => void handler1Events.push(event), { priority: 1 });
    bus.registerHandler('handler-2', 'user.registered', async (event) => void handler2Events.push(event), { priority: 2 });
    const event = userRegistered();
    await bus.publish(event);
    expect(handler1Events).toHaveLength(1);
    expect(handler2Events).toHaveLength(1);
    expect(handler1Events[0]).toBe(event);
    expect(handler2Events[0]).toBe(event);
  });

  it('test_event_bus_handler_priority_ordering', async () => {
    const bus = new EventBus('test-service');
    const executionOrder: string[] = [];
    // Each handler yields before recording: with handlers run concurrently the order would be lost.
    const record = (name: string) => async () => {
      await new Promise((resolve) => setImmediate(resolve));
      executionOrder.push(name);
    };
    bus.registerHandler('low-handler', 'user.registered', record('low'), { priority: 1 });
    bus.registerHandler('high-handler', 'user.registered', record('high'), { priority: 10 });
    bus.registerHandler('medium-handler', 'user.registered', record('medium'), { priority: 5 });
    await bus.publish(userRegistered());
    expect(executionOrder).toEqual(['high', 'medium', 'low']);
  });

  it('runs handlers one at a time, subscriptions ordered with them by priority', async () => {
    const bus = new EventBus('test-service');
    const trace: string[] = [];
    const slow = (name: string) => async () => {
      trace.push(`${name}:start`);
      await new Promise((resolve) => setImmediate(resolve));
      trace.push(`${name}:end`);
    };
    bus.registerHandler('a', 'user.*', slow('a'), { priority: 1 });
    bus.subscribe('svc', 'user.registered', slow('svc'), { priority: 5 });
    await bus.publish(userRegistered());
    expect(trace).toEqual(['svc:start', 'svc:end', 'a:start', 'a:end']);
  });

  it('test_event_bus_subscription_management', async () => {
    const bus = new EventBus('test-service');
    const executedEvents: Event[] = [];
    const subscription = bus.subscribe('service-123', 'user.registered', async (event) => void executedEvents.push(event));
    expect(bus.subscriptions).toHaveLength(1);
    expect(subscription.subscriberId).toBe('service-123');
    await bus.publish(userRegistered());
    expect(executedEvents).toHaveLength(1);
    expect(bus.unsubscribe('service-123', 'user.registered')).toBe(true);
    expect(bus.subscriptions).toHaveLength(0);
    await bus.publish(userRegistered());
    expect(executedEvents).toHaveLength(1);
  });

  it('test_event_bus_subscription_deactivation', async () => {
    const bus = new EventBus('test-service');
    const executedEvents: Event[] = [];
    const subscription = bus.subscribe('service-123', 'user.registered', async (event) => void executedEvents.push(event));
    subscription.deactivate();
    await bus.publish(userRegistered());
    expect(executedEvents).toHaveLength(0);
    subscription.activate();
    await bus.publish(userRegistered());
    expect(executedEvents).toHaveLength(1);
  });

  it('test_event_bus_error_handling', async () => {
    vi.spyOn(logger, 'error').mockImplementation(() => {});
    const bus = new EventBus('test-service');
    const successfulExecutions: Event[] = [];
    bus.registerHandler('failing-handler', 'user.registered', async () => {
      throw new Error('Handler failed');
    });
    bus.registerHandler('successful-handler', 'user.registered', async (event) => void successfulExecutions.push(event));
    await bus.publish(userRegistered());
    expect(successfulExecutions).toHaveLength(1);
  });

  it('test_event_bus_middleware', async () => {
    const bus = new EventBus('test-service');
    const middlewareCalls: string[] = [];
    bus.addMiddleware(async (event, nextHandler) => {
      middlewareCalls.push(`before:${event.id}`);
      await nextHandler(event);
      middlewareCalls.push(`after:${event.id}`);
    });
    bus.registerHandler('test-handler', 'user.registered', async (event) => void middlewareCalls.push(`handler:${event.id}`));
    await bus.publish(userRegistered());
    expect(middlewareCalls).toContain('before:event-123');
    expect(middlewareCalls).toContain('handler:event-123');
    expect(middlewareCalls).toContain('after:event-123');
    expect(middlewareCalls).toEqual(['before:event-123', 'handler:event-123', 'after:event-123']);
  });

  it('middleware run in the order added, may replace the event, and may stop it', async () => {
    const bus = new EventBus('test-service');
    const seen: string[] = [];
    bus.addMiddleware(async (event, next) => {
      seen.push('outer');
      await next(new Event(`${event.id}-2`, event.type, event.data));
    });
    bus.addMiddleware(async (event, next) => {
      seen.push(`inner:${event.id}`);
      if (event.data.stop !== true) await next(event);
    });
    bus.registerHandler('h', 'user.registered', (event) => void seen.push(`handler:${event.id}`));
    await bus.publish(userRegistered());
    await bus.publish(new Event('e-9', 'user.registered', { stop: true }));
    expect(seen).toEqual(['outer', 'inner:event-123-2', 'handler:event-123-2', 'outer', 'inner:e-9-2']);
  });

  it('test_event_bus_start_stop', async () => {
    const bus = new EventBus('test-service');
    expect(bus.isRunning).toBe(false);
    await bus.start();
    expect(bus.isRunning).toBe(true);
    await bus.stop();
    expect(bus.isRunning).toBe(false);
  });

  it('publishes with no start(), and after stop()', async () => {
    const bus = new EventBus('test-service');
    const seen: string[] = [];
    bus.registerHandler('h', 'user.registered', (event) => void seen.push(event.id));
    await bus.publish(userRegistered());
    await bus.start();
    await bus.stop();
    await bus.publish(new Event('e-2', 'user.registered', {}));
    expect(seen).toEqual(['event-123', 'e-2']);
  });

  it('test_event_bus_metrics_collection', async () => {
    const bus = new EventBus('test-service');
    bus.registerHandler('test-handler', 'user.registered', async () => {});
    await bus.publish(userRegistered());
    const metrics = bus.getMetrics();
    expect(metrics).toHaveProperty('eventsPublished');
    expect(metrics).toHaveProperty('eventsProcessed');
    expect(metrics).toHaveProperty('handlerExecutionTime');
    expect(metrics.eventsPublished).toBeGreaterThanOrEqual(1);
    expect(metrics.eventsPublished).toBe(1);
    expect(metrics.eventsProcessed).toBe(1);
    expect(metrics.handlerExecutionTime).toBeGreaterThanOrEqual(0);
  });

  it('test_event_bus_event_filtering', async () => {
    const bus = new EventBus('test-service');
    const filteredEvents: Event[] = [];
    bus.addFilter((event) => event.source === 'trusted-service');
    bus.registerHandler('test-handler', 'user.registered', async (event) => void filteredEvents.push(event));
    await bus.publish(new Event('event-123', 'user.registered', { user_id: 123 }, { source: 'trusted-service' }));
    await bus.publish(new Event('event-456', 'user.registered', { user_id: 456 }, { source: 'untrusted-service' }));
    expect(filteredEvents).toHaveLength(1);
    expect(filteredEvents[0]?.id).toBe('event-123');
    expect(bus.getMetrics().eventsPublished).toBe(1);
  });

  it('test_event_bus_logging', async () => {
    const info = vi.spyOn(logger, 'info').mockImplementation(() => {});
    const debug = vi.spyOn(logger, 'debug').mockImplementation(() => {});
    const bus = new EventBus('test-service');
    bus.registerHandler('test-handler', 'user.registered', async () => {});
    await bus.publish(userRegistered());
    expect(info).toHaveBeenCalled();
    expect(debug).toHaveBeenCalled();
    expect(debug).toHaveBeenCalledWith('Publishing event event-123 of type user.registered');
  });

  it('runs on @bus/core: the envelope carries the id, type, source and correlation id', async () => {
    const bus = new EventBus('test-service');
    const envelopes: unknown[] = [];
    bus.bus.events.on('published', (envelope) => envelopes.push(envelope));
    await bus.publish(new Event('e-1', 'order.placed', { n: 1 }, { correlationId: 'c-1' }));
    await bus.publish(new Event('e-2', 'order.placed', { n: 2 }, { source: 'orders' }));
    expect(envelopes).toMatchObject([
      { id: 'e-1', type: 'order.placed', source: 'test-service', correlationid: 'c-1' },
      { id: 'e-2', type: 'order.placed', source: 'orders' },
    ]);
  });
});
