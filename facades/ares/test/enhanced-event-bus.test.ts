import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type BusError, definePlugin, type EventEnvelope } from '@bus/core';
import { describe, expect, it, vi } from 'vitest';
import {
  EnhancedEventBus,
  type EnhancedEventBusConfig,
  type Event,
  type EventBusSettings,
  EventSnapshot,
  EventStatus,
  EventType,
  enhancedEventBus,
  FileEventStore,
  type IEventStore,
  setupEnhancedEventBus,
} from '../src/index.js';
import { tempDir } from './support.js';

const memoryOnly = (settings: Record<string, unknown> = {}): EnhancedEventBusConfig => ({
  eventBus: { processingInterval: 0.1, maxHistory: 100, enablePersistence: false, enableSnapshots: false, ...settings },
});
const persistent = (settings: Record<string, unknown> = {}): EnhancedEventBusConfig => ({
  eventBus: {
    processingInterval: 0.1,
    maxHistory: 100,
    enablePersistence: true,
    enableSnapshots: false,
    storagePath: tempDir(),
    ...settings,
  },
});
const marketData = { symbol: 'BTCUSDT', price: 50000, volume: 100 };
const trade = (quantity: number) => ({ symbol: 'BTCUSDT', side: 'buy', quantity, price: 50000 });

/** A bus whose reports are collected instead of printed. */
async function ready(config: EnhancedEventBusConfig) {
  const ares = new EnhancedEventBus(config);
  const errors: BusError[] = [];
  const failed: BusError[] = [];
  const dropped: BusError[] = [];
  ares.bus.events.on('error', (error) => errors.push(error));
  ares.bus.events.on('failed', (error) => failed.push(error));
  ares.bus.events.on('dropped', ({ error }) => dropped.push(error));
  expect(await ares.initialize()).toBe(true);
  return { ares, errors, failed, dropped };
}

describe('EnhancedEventBus (legacy TestEnhancedEventBus)', () => {
  it('test_initialization: initializes, takes the config values, and is not running', async () => {
    const ares = new EnhancedEventBus({
      eventBus: { processingInterval: 1, maxHistory: 100, enablePersistence: false, enableSnapshots: false },
    });
    expect(await ares.initialize()).toBe(true);
    expect(ares.isRunning).toBe(false);
    expect(ares.processingInterval).toBe(1);
    expect(ares.maxHistory).toBe(100);
  });

  it('test_publish_and_subscribe: processEvents() delivers the data and source to the subscriber', async () => {
    const { ares } = await ready(memoryOnly());
    const received: Event[] = [];
    ares.subscribe(EventType.MARKET_DATA_RECEIVED, (event) => void received.push(event));
    const eventId = await ares.publish(EventType.MARKET_DATA_RECEIVED, marketData, { source: 'test' });
    expect(eventId).not.toBe('');
    await ares.processEvents();
    expect(received).toHaveLength(1);
    expect((received[0]?.data as typeof marketData | undefined)?.symbol).toBe('BTCUSDT');
    expect(received[0]?.metadata.source).toBe('test');
    expect(received[0]?.metadata.eventId).toBe(eventId);
  });

  it('test_unsubscribe: an unsubscribed callback receives nothing', async () => {
    const { ares } = await ready(memoryOnly());
    const received: Event[] = [];
    const subscriber = (event: Event) => void received.push(event);
    ares.subscribe(EventType.MARKET_DATA_RECEIVED, subscriber);
    ares.unsubscribe(EventType.MARKET_DATA_RECEIVED, subscriber);
    await ares.publish(EventType.MARKET_DATA_RECEIVED, marketData);
    await ares.processEvents();
    expect(received).toHaveLength(0);
  });

  it('test_async_subscriber: an async subscriber is awaited', async () => {
    const { ares } = await ready(memoryOnly());
    const received: Event[] = [];
    ares.subscribe(EventType.ANALYSIS_COMPLETED, async (event) => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      received.push(event);
    });
    await ares.publish(EventType.ANALYSIS_COMPLETED, { result: 'bullish' });
    await ares.processEvents();
    expect(received).toHaveLength(1);
    expect(received[0]?.data).toEqual({ result: 'bullish' });
  });

  it('test_event_persistence: a processed event is in the store', async () => {
    const { ares } = await ready(persistent());
    await ares.publish(EventType.TRADE_EXECUTED, { symbol: 'ETHUSDT', side: 'buy', quantity: 1.0, price: 3000 }, { source: 'test' });
    await ares.processEvents();
    const events = await ares.eventStore.getEvents();
    expect(events).toHaveLength(1);
    expect((events[0]?.data as { symbol: string } | undefined)?.symbol).toBe('ETHUSDT');
  });

  it('test_event_replay: replays sequences 1 to 3 of trader_1, bounds inclusive', async () => {
    const { ares } = await ready(persistent());
    for (let i = 0; i < 5; i++) await ares.publish(EventType.TRADE_EXECUTED, trade(i), { source: 'test', aggregateId: 'trader_1' });
    await ares.processEvents();
    const replayed = await ares.replayEvents({ aggregateId: 'trader_1', fromSequence: 1, toSequence: 3 });
    expect(replayed).toHaveLength(3);
    expect(replayed[0]?.metadata.sequenceNumber).toBe(1);
    expect(replayed[2]?.metadata.sequenceNumber).toBe(3);
  });

  it('test_snapshot_creation: snapshotFrequency 3 gives a "system" snapshot', async () => {
    const { ares } = await ready(persistent({ enableSnapshots: true, snapshotFrequency: 3 }));
    for (let i = 0; i < 5; i++) {
      await ares.publish(EventType.TRADE_EXECUTED, trade(i), { source: 'test' });
      await ares.processEvents();
    }
    expect(ares.metrics.snapshotsCreated).toBeGreaterThan(0);
    expect('system' in ares.snapshots).toBe(true);
  });

  it('test_rebuild_from_events: rebuilds trader_1 with its 3 trades', async () => {
    const { ares } = await ready(persistent({ enableSnapshots: true }));
    for (let i = 0; i < 3; i++) {
      await ares.publish(
        EventType.TRADE_EXECUTED,
        { symbol: 'BTCUSDT', side: 'buy', quantity: i + 1, price: 50000 + i },
        { source: 'test', aggregateId: 'trader_1' },
      );
    }
    await ares.processEvents();
    const state = await ares.rebuildFromEvents('trader_1');
    expect(state).toHaveProperty('trades');
    expect(state.trades).toHaveLength(3);
    expect((state.trades?.[0] as { quantity: number } | undefined)?.quantity).toBe(1.0);
  });

  it('test_error_handling_in_subscriber: a failing subscriber does not stop the others; the event is PROCESSED', async () => {
    const { ares, failed } = await ready(memoryOnly());
    ares.subscribe(EventType.SYSTEM_ERROR, () => {
      throw new Error('Test error');
    });
    ares.subscribe(EventType.SYSTEM_ERROR, (event) => {
      event.metadata.tags.processed = 'true';
    });
    await ares.publish(EventType.SYSTEM_ERROR, { error: 'test' });
    await ares.processEvents();
    expect(ares.eventHistory).toHaveLength(1);
    expect(ares.eventHistory[0]?.metadata.status).toBe(EventStatus.PROCESSED);
    expect(ares.eventHistory[0]?.metadata.tags.processed).toBe('true');
    expect(ares.eventHistory[0]?.metadata.retryCount).toBe(1);
    expect(failed.map((error) => error.code)).toEqual(['HANDLER_FAILED']);
  });

  it('test_get_status: has the status keys and the feature flags', () => {
    const ares = new EnhancedEventBus({
      eventBus: { processingInterval: 1, maxHistory: 100, enablePersistence: true, enableSnapshots: true },
    });
    const status = ares.getStatus();
    for (const key of ['metrics', 'queueSize', 'subscribersCount', 'persistenceEnabled', 'snapshotsEnabled'])
      expect(status).toHaveProperty(key);
    expect(status.persistenceEnabled).toBe(true);
    expect(status.snapshotsEnabled).toBe(true);
  });

  it('test_get_metrics: starts with zero counters', () => {
    const ares = new EnhancedEventBus({
      eventBus: { processingInterval: 1, maxHistory: 100, enablePersistence: false, enableSnapshots: false },
    });
    expect(ares.getMetrics()).toEqual({ eventsProcessed: 0, eventsFailed: 0, snapshotsCreated: 0, replaysPerformed: 0 });
  });
});

describe('setupEnhancedEventBus (legacy TestSetupFunction)', () => {
  it('test_setup_with_config: builds and initializes a bus from the config', async () => {
    const ares = await setupEnhancedEventBus({
      eventBus: { processingInterval: 2, maxHistory: 200, enablePersistence: false, enableSnapshots: false },
    });
    expect(ares).not.toBeNull();
    expect(ares?.processingInterval).toBe(2);
    expect(ares?.maxHistory).toBe(200);
    expect(ares?.enablePersistence).toBe(false);
    expect(enhancedEventBus).toBe(ares);
  });

  it('test_setup_with_default_config: uses the legacy defaults', async () => {
    const ares = await setupEnhancedEventBus();
    expect(ares).not.toBeNull();
    expect(ares?.processingInterval).toBe(1);
    expect(ares?.maxHistory).toBe(1000);
    expect(ares?.enablePersistence).toBe(true);
    expect([ares?.enableSnapshots, ares?.snapshotFrequency, ares?.storagePath]).toEqual([true, 100, 'event_store']);
    expect(existsSync('event_store')).toBe(false); // nothing is written until something is stored
  });

  it('returns null (and logs why) for a config it cannot use', async () => {
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    expect(await setupEnhancedEventBus({ eventBus: { processingInterval: 0, enablePersistence: false } }, { logger })).toBeNull();
    expect(await setupEnhancedEventBus('nope' as unknown as EnhancedEventBusConfig, { logger })).toBeNull();
    const printed = logger.error.mock.calls.map(([, message]) => String(message));
    expect(printed.join('\n')).toMatch(/processingInterval must be a number > 0/);
    expect(printed.join('\n')).toMatch(/takes a config object/);
  });
});

describe('EnhancedEventBus: publishing and the queue', () => {
  it('returns "" for a type string that is not an EventType, and reports it', async () => {
    const { ares, errors } = await ready(memoryOnly());
    expect(await ares.publish('trade_exploded', {})).toBe('');
    expect(errors[0]?.code).toBe('INVALID_EVENT');
    expect(ares.getStatus().queueSize).toBe(0);
    expect(ares.sequenceCounter).toBe(0);
  });

  it('accepts the type as its string value', async () => {
    const { ares } = await ready(memoryOnly());
    const seen: string[] = [];
    ares.subscribe('risk_alert', (event) => void seen.push(event.eventType));
    expect(await ares.publish('risk_alert', { level: 'high' })).not.toBe('');
    await ares.processEvents();
    expect(seen).toEqual([EventType.RISK_ALERT]);
  });

  it('returns "" and reports INVALID_EVENT for options of the wrong types, as the legacy caught everything', async () => {
    const { ares, errors } = await ready(memoryOnly());
    expect(await ares.publish(EventType.RISK_ALERT, {}, { source: 42 as unknown as string })).toBe('');
    expect(await ares.publish(EventType.RISK_ALERT, {}, 'source' as unknown as object)).toBe('');
    expect(errors.map((error) => error.code)).toEqual(['INVALID_EVENT', 'INVALID_EVENT']);
  });

  it('queues: nothing is delivered before processEvents()', async () => {
    const { ares } = await ready(memoryOnly());
    const seen: Event[] = [];
    ares.subscribe(EventType.RISK_ALERT, (event) => void seen.push(event));
    await ares.publish(EventType.RISK_ALERT, {});
    await ares.publish(EventType.RISK_ALERT, {});
    expect(seen).toHaveLength(0);
    expect(ares.getStatus().queueSize).toBe(2);
    await ares.processEvents();
    expect(seen).toHaveLength(2);
    expect(ares.getStatus().queueSize).toBe(0);
  });

  it('numbers events from 0 with the sequence counter, and keeps the publish options in the metadata', async () => {
    const { ares } = await ready(memoryOnly());
    const seen: Event[] = [];
    ares.subscribe(EventType.RISK_ALERT, (event) => void seen.push(event));
    for (let i = 0; i < 3; i++) {
      await ares.publish(
        EventType.RISK_ALERT,
        { i },
        { source: 'risk', correlationId: 'c-1', aggregateId: 'desk', tags: { n: String(i) } },
      );
    }
    await ares.processEvents();
    expect(seen.map((event) => event.metadata.sequenceNumber)).toEqual([0, 1, 2]);
    expect(ares.sequenceCounter).toBe(3);
    expect(seen[2]?.metadata).toMatchObject({ source: 'risk', correlationId: 'c-1', aggregateId: 'desk', tags: { n: '2' } });
  });

  it('drains at most 100 events per processEvents() call', async () => {
    const { ares } = await ready(memoryOnly());
    for (let i = 0; i < 150; i++) await ares.publish(EventType.SYSTEM_HEALTH_CHECK, { i });
    await ares.processEvents();
    expect(ares.metrics.eventsProcessed).toBe(100);
    expect(ares.getStatus().queueSize).toBe(50);
    await ares.processEvents();
    expect(ares.metrics.eventsProcessed).toBe(150);
  });

  it('processes in the same call what a subscriber publishes while the batch runs', async () => {
    const { ares } = await ready(memoryOnly());
    const seen: string[] = [];
    ares.subscribe(EventType.TRADE_DECISION_MADE, async (event) => {
      seen.push(event.eventType);
      await ares.publish(EventType.TRADE_EXECUTED, trade(1), { correlationId: event.metadata.correlationId });
    });
    ares.subscribe(EventType.TRADE_EXECUTED, (event) => void seen.push(`${event.eventType}:${event.metadata.correlationId}`));
    await ares.publish(EventType.TRADE_DECISION_MADE, { action: 'buy' }, { correlationId: 'flow-1' });
    await ares.processEvents();
    expect(seen).toEqual(['trade_decision_made', 'trade_executed:flow-1']);
  });
});

describe('EnhancedEventBus: dispatch', () => {
  it('sets PROCESSING while subscribers run, then PROCESSED', async () => {
    const { ares } = await ready(memoryOnly());
    const during: string[] = [];
    ares.subscribe(EventType.RISK_ALERT, (event) => void during.push(event.metadata.status));
    await ares.publish(EventType.RISK_ALERT, {});
    await ares.processEvents();
    expect(during).toEqual([EventStatus.PROCESSING]);
    expect(ares.eventHistory[0]?.metadata.status).toBe(EventStatus.PROCESSED);
  });

  it('calls subscribers in subscription order and awaits async ones before PROCESSED', async () => {
    const { ares } = await ready(memoryOnly());
    const order: string[] = [];
    ares.subscribe(EventType.RISK_ALERT, () => void order.push('first'));
    ares.subscribe(EventType.RISK_ALERT, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      order.push('async');
    });
    ares.subscribe(EventType.RISK_ALERT, () => void order.push('third'));
    await ares.publish(EventType.RISK_ALERT, {});
    await ares.processEvents();
    expect(order).toEqual(['first', 'third', 'async']);
    expect(ares.metrics.eventsProcessed).toBe(1);
  });

  it('fails an event whose data misses a required field: FAILED, counted, not delivered, stored or kept', async () => {
    const { ares, dropped } = await ready(persistent());
    const seen: Event[] = [];
    ares.subscribe(EventType.MARKET_DATA_RECEIVED, (event) => void seen.push(event));
    const id = await ares.publish(EventType.MARKET_DATA_RECEIVED, { symbol: 'BTCUSDT', price: 50000 });
    await ares.processEvents();
    expect(seen).toHaveLength(0);
    expect(ares.getMetrics()).toMatchObject({ eventsProcessed: 0, eventsFailed: 1 });
    expect(ares.eventHistory).toHaveLength(0);
    expect(await ares.eventStore.getEvents()).toHaveLength(0);
    expect(dropped[0]).toMatchObject({ code: 'SCHEMA_INVALID', eventId: id });
  });

  it('logs a schema drop and a store failure on options.logger when plugins only observe them (kernel.observe)', async () => {
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const failing: IEventStore = {
      saveEvent: async () => {
        throw new Error('disk gone');
      },
      getEvents: async () => [],
      saveSnapshot: async () => false,
      getLatestSnapshot: async () => null,
    };
    const ares = new EnhancedEventBus(memoryOnly({ enablePersistence: true }), { eventStore: failing, logger });
    const observed: string[] = [];
    ares.bus.use(
      definePlugin({
        name: 'counter',
        setup(kernel) {
          kernel.observe('dropped', ({ error }) => void observed.push(error.code));
          kernel.observe('error', (error) => void observed.push(error.code));
        },
      }),
    );
    expect(await ares.initialize()).toBe(true);
    const bad = await ares.publish(EventType.MARKET_DATA_RECEIVED, { symbol: 'BTCUSDT', price: 50000 });
    await ares.publish(EventType.MARKET_DATA_RECEIVED, marketData);
    await ares.processEvents();
    expect(observed).toEqual(['SCHEMA_INVALID', 'STORE_FAILED']);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'SCHEMA_INVALID', eventId: bad }),
      expect.stringContaining(bad),
    );
    expect(logger.error).toHaveBeenCalledWith(expect.objectContaining({ err: expect.anything() }), expect.stringContaining('disk gone'));
  });

  it('counts every failing subscriber in retryCount and reports each on bus.events "failed"', async () => {
    const { ares, failed } = await ready(memoryOnly());
    ares.subscribe(EventType.RISK_ALERT, () => {
      throw new Error('sync failure');
    });
    ares.subscribe(EventType.RISK_ALERT, async () => {
      throw new Error('async failure');
    });
    await ares.publish(EventType.RISK_ALERT, {});
    await ares.processEvents();
    expect(ares.eventHistory[0]?.metadata.retryCount).toBe(2);
    expect(ares.eventHistory[0]?.metadata.status).toBe(EventStatus.PROCESSED);
    expect(failed.map((error) => error.message).sort()).toEqual(['async failure', 'sync failure']);
  });

  it('caps the event history (and the status history) at maxHistory', async () => {
    const { ares } = await ready(memoryOnly({ maxHistory: 3 }));
    for (let i = 0; i < 5; i++) {
      await ares.publish(EventType.RISK_ALERT, { i });
      await ares.processEvents();
    }
    expect(ares.eventHistory.map((event) => (event.data as { i: number }).i)).toEqual([2, 3, 4]);
    expect(ares.history).toHaveLength(3);
  });

  it('takes a "system" snapshot after every snapshotFrequency-th processed event and stores it', async () => {
    const config = persistent({ enableSnapshots: true, snapshotFrequency: 2 });
    const { ares } = await ready(config);
    for (let i = 0; i < 5; i++) await ares.publish(EventType.RISK_ALERT, { i });
    await ares.processEvents(); // one batch of 5: snapshots at 2 and 4
    expect(ares.metrics.snapshotsCreated).toBe(2);
    const snapshot = ares.snapshots.system as EventSnapshot;
    expect(snapshot).toBeInstanceOf(EventSnapshot);
    expect([snapshot.aggregateId, snapshot.sequenceNumber]).toEqual(['system', 5]);
    expect(snapshot.stateData).toMatchObject({ metrics: { eventsProcessed: 4 }, queueSize: 1 });
    const storagePath = config.eventBus?.storagePath as string;
    expect(readdirSync(join(storagePath, 'snapshots'))).toEqual(['snapshot_system_5.json']);
    await ares.processEvents(); // nothing new processed: no snapshot while idle
    expect(ares.metrics.snapshotsCreated).toBe(2);
  });

  it('takes no snapshot when snapshots are off', async () => {
    const { ares } = await ready(memoryOnly({ snapshotFrequency: 1 }));
    await ares.publish(EventType.RISK_ALERT, {});
    await ares.processEvents();
    await ares.stop();
    expect(ares.metrics.snapshotsCreated).toBe(0);
    expect(ares.snapshots).toEqual({});
  });

  it('reports a store that throws: the event is FAILED and counted', async () => {
    const throwing: IEventStore = {
      saveEvent: async () => {
        throw new Error('disk on fire');
      },
      getEvents: async () => [],
      saveSnapshot: async () => true,
      getLatestSnapshot: async () => null,
    };
    const ares = new EnhancedEventBus(memoryOnly({ enablePersistence: true }), { eventStore: throwing });
    const errors: BusError[] = [];
    ares.bus.events.on('error', (error) => errors.push(error));
    expect(await ares.initialize()).toBe(true);
    await ares.publish(EventType.RISK_ALERT, {});
    await ares.processEvents();
    expect(ares.getMetrics()).toMatchObject({ eventsProcessed: 0, eventsFailed: 1 });
    expect(errors[0]).toMatchObject({ code: 'STORE_FAILED', message: 'disk on fire' });
  });
});

describe('EnhancedEventBus: the underlying bus', () => {
  it('is a real @bus/core bus, started by the first processEvents()', async () => {
    const { ares } = await ready(memoryOnly());
    expect(ares.bus.status).toBe('idle');
    expect(ares.bus.plugins).toEqual(['ares']);
    await ares.processEvents();
    expect(ares.bus.status).toBe('started');
  });

  it('hands the events to direct bus subscriptions as CloudEvents envelopes', async () => {
    const { ares } = await ready(memoryOnly());
    const envelopes: EventEnvelope[] = [];
    ares.bus.subscribe('trade_executed', (envelope) => void envelopes.push(envelope));
    const id = await ares.publish(EventType.TRADE_EXECUTED, trade(2), {
      source: 'ExchangeAPI',
      correlationId: 'c-9',
      aggregateId: 'trader_1',
    });
    await ares.processEvents();
    expect(envelopes[0]).toMatchObject({
      id,
      type: 'trade_executed',
      source: 'ExchangeAPI',
      subject: 'trader_1',
      correlationid: 'c-9',
      sequence: '0',
      schemaversion: '1.0.0',
      data: trade(2),
    });
  });

  it('runs plugins used on .bus for every dispatched event', async () => {
    const { ares } = await ready(memoryOnly());
    const audited: string[] = [];
    ares.bus.use(
      definePlugin({
        name: 'audit',
        setup(kernel) {
          kernel.usePublish('enrich', (ctx, next) => {
            audited.push(`${ctx.envelope.type}#${ctx.envelope.sequence}`);
            return next();
          });
        },
      }),
    );
    await ares.publish(EventType.RISK_ALERT, {});
    await ares.publish(EventType.MODEL_UPDATED, {});
    await ares.processEvents();
    expect(audited).toEqual(['risk_alert#0', 'model_updated#1']);
  });

  it('gives legacy subscribers an Event for envelopes published on .bus directly', async () => {
    const { ares } = await ready(memoryOnly());
    const seen: Event[] = [];
    ares.subscribe(EventType.RISK_ALERT, (event) => void seen.push(event));
    await ares.processEvents();
    await ares.bus.publish({ type: 'risk_alert', id: 'direct-1', subject: 'desk', sequence: '12', data: { level: 'low' } });
    expect(seen[0]?.metadata).toMatchObject({
      eventId: 'direct-1',
      aggregateId: 'desk',
      sequenceNumber: 12,
      status: EventStatus.PROCESSING,
    });
    expect(seen[0]?.data).toEqual({ level: 'low' });
  });

  it('leaves the events queued and throws BUS_STOPPED once .bus was stopped', async () => {
    const { ares } = await ready(memoryOnly());
    await ares.processEvents();
    await ares.bus.stop();
    await ares.publish(EventType.RISK_ALERT, {});
    await expect(ares.processEvents()).rejects.toMatchObject({ code: 'BUS_STOPPED' });
    expect(ares.getStatus().queueSize).toBe(1);
  });
});

describe('EnhancedEventBus: subscriptions', () => {
  it('refuses an unknown event type or a callback that is not a function with INVALID_SUBSCRIPTION', () => {
    const ares = new EnhancedEventBus(memoryOnly());
    expect(() => ares.subscribe('trade_exploded', () => undefined)).toThrow(expect.objectContaining({ code: 'INVALID_SUBSCRIPTION' }));
    expect(() => ares.subscribe(EventType.RISK_ALERT, 'nope' as unknown as () => void)).toThrow(
      expect.objectContaining({ code: 'INVALID_SUBSCRIPTION' }),
    );
  });

  it('counts subscribers per type, keeping a type at 0 after its last unsubscribe', () => {
    const ares = new EnhancedEventBus(memoryOnly());
    const a = () => undefined;
    const b = () => undefined;
    ares.subscribe(EventType.RISK_ALERT, a);
    ares.subscribe(EventType.RISK_ALERT, b);
    ares.subscribe(EventType.MODEL_UPDATED, a);
    expect(ares.getStatus().subscribersCount).toEqual({ risk_alert: 2, model_updated: 1 });
    ares.unsubscribe(EventType.MODEL_UPDATED, a);
    ares.unsubscribe('trade_exploded', a); // unknown: nothing to do
    ares.unsubscribe(EventType.SYSTEM_ERROR, a); // never subscribed: nothing to do
    expect(ares.getStatus().subscribersCount).toEqual({ risk_alert: 2, model_updated: 0 });
    expect(ares.subscribers.risk_alert).toEqual([a, b]);
  });

  it('removes every subscription of the same callback to the type', async () => {
    const { ares } = await ready(memoryOnly());
    let calls = 0;
    const callback = () => void calls++;
    ares.subscribe(EventType.RISK_ALERT, callback);
    ares.subscribe(EventType.RISK_ALERT, callback);
    await ares.publish(EventType.RISK_ALERT, {});
    await ares.processEvents();
    ares.unsubscribe(EventType.RISK_ALERT, callback);
    await ares.publish(EventType.RISK_ALERT, {});
    await ares.processEvents();
    expect(calls).toBe(2);
  });
});

describe('EnhancedEventBus: initialize, run and stop', () => {
  it('returns false and reports CONFIG_INVALID for bad values', async () => {
    for (const bad of [
      { processingInterval: 0 },
      { processingInterval: -1 },
      { maxHistory: 0 },
      { snapshotFrequency: 0 },
      { processingInterval: 'fast' },
      { maxHistory: Number.NaN },
      { enablePersistence: 'yes' },
      { enableSnapshots: 1 },
    ]) {
      const ares = new EnhancedEventBus(memoryOnly(bad));
      const errors: BusError[] = [];
      ares.bus.events.on('error', (error) => errors.push(error));
      expect(await ares.initialize(), JSON.stringify(bad)).toBe(false);
      expect(errors[0]?.code).toBe('CONFIG_INVALID');
    }
  });

  it('throws CONFIG_INVALID for a config that is not an object, a bad storagePath or a bad eventStore', () => {
    expect(() => new EnhancedEventBus(null as unknown as EnhancedEventBusConfig)).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
    expect(() => new EnhancedEventBus({ eventBus: [] as unknown as EventBusSettings })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
    expect(() => new EnhancedEventBus({ eventBus: { storagePath: '' } })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => new EnhancedEventBus({}, { eventStore: {} as IEventStore })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('returns false and reports when the store throws while loading, rather than restarting the sequence at 0', async () => {
    const broken: IEventStore = {
      saveEvent: async () => true,
      getEvents: async () => {
        throw new Error('database unreachable');
      },
      saveSnapshot: async () => true,
      getLatestSnapshot: async () => null,
    };
    const ares = new EnhancedEventBus(memoryOnly({ enablePersistence: true }), { eventStore: broken });
    const errors: BusError[] = [];
    ares.bus.events.on('error', (error) => errors.push(error));
    expect(await ares.initialize()).toBe(false);
    expect(errors[0]).toMatchObject({ code: 'STORE_FAILED', message: 'database unreachable' });
  });

  it('does not write the defaults into the config it was given', async () => {
    const config = { eventBus: { enablePersistence: false } };
    await new EnhancedEventBus(config).initialize();
    expect(config).toEqual({ eventBus: { enablePersistence: false } });
  });

  it('ignores other legacy settings and sections', async () => {
    const ares = new EnhancedEventBus({
      eventBus: { enablePersistence: false, batchSize: 100, eventTtlDays: 30 },
      trading: { leverage: 2 },
    });
    expect(await ares.initialize()).toBe(true);
  });

  it('uses a FileEventStore at storagePath by default', () => {
    const storagePath = tempDir();
    const ares = new EnhancedEventBus({ eventBus: { storagePath } });
    expect(ares.eventStore).toBeInstanceOf(FileEventStore);
    expect((ares.eventStore as FileEventStore).storagePath).toBe(storagePath);
  });

  it('continues the sequence after the stored events and loads the last maxHistory of them', async () => {
    const config = persistent({ maxHistory: 2 });
    const first = (await ready(config)).ares;
    for (let i = 0; i < 3; i++) await first.publish(EventType.RISK_ALERT, { i });
    await first.processEvents();
    const second = (await ready(config)).ares;
    expect(second.sequenceCounter).toBe(3);
    expect(second.eventHistory.map((event) => event.metadata.sequenceNumber)).toEqual([1, 2]);
    expect(await second.publish(EventType.RISK_ALERT, {})).not.toBe('');
    await second.processEvents();
    expect((await second.replayEvents({ fromSequence: 3 })).map((event) => event.metadata.sequenceNumber)).toEqual([3]);
  });

  it('run() processes on its loop until stop(), which resolves it with true', async () => {
    const { ares } = await ready(memoryOnly({ processingInterval: 0.005 }));
    const seen: Event[] = [];
    ares.subscribe(EventType.RISK_ALERT, (event) => void seen.push(event));
    const running = ares.run();
    expect(ares.isRunning).toBe(true);
    expect(ares.run()).toBe(running);
    await ares.publish(EventType.RISK_ALERT, {});
    while (seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    await ares.stop();
    expect(await running).toBe(true);
    expect(ares.isRunning).toBe(false);
    expect(ares.status.status).toBe('stopped');
    expect(ares.getHistory().every((entry) => entry.status === 'running' && typeof entry.timestamp === 'string')).toBe(true);
  });

  it('run() right after stop() runs again once the old loop has ended', async () => {
    const { ares } = await ready(memoryOnly({ processingInterval: 0.005 }));
    const first = ares.run();
    await ares.stop();
    const second = ares.run();
    expect(await first).toBe(true);
    expect(ares.isRunning).toBe(true);
    await ares.publish(EventType.RISK_ALERT, {});
    while (ares.metrics.eventsProcessed === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    await ares.stop();
    expect(await second).toBe(true);
  });

  it('stop() takes a final snapshot when snapshots are on', async () => {
    const { ares } = await ready(memoryOnly({ enableSnapshots: true }));
    await ares.stop();
    expect(ares.metrics.snapshotsCreated).toBe(1);
    expect(ares.snapshots.system?.aggregateId).toBe('system');
  });

  it('run() resolves false when the bus cannot process', async () => {
    const { ares, errors } = await ready(memoryOnly({ processingInterval: 0.005 }));
    await ares.bus.stop();
    expect(await ares.run()).toBe(false);
    expect(ares.isRunning).toBe(false);
    expect(errors[0]?.code).toBe('BUS_STOPPED');
  });
});

describe('EnhancedEventBus: replay, rebuild, history', () => {
  it('replays [] without counting when persistence is off', async () => {
    const { ares } = await ready(memoryOnly());
    await ares.publish(EventType.RISK_ALERT, {});
    await ares.processEvents();
    expect(await ares.replayEvents()).toEqual([]);
    expect(ares.metrics.replaysPerformed).toBe(0);
  });

  it('counts replays and filters them by type', async () => {
    const { ares } = await ready(persistent());
    await ares.publish(EventType.RISK_ALERT, {}, { aggregateId: 'desk' });
    await ares.publish(EventType.TRADE_EXECUTED, trade(1), { aggregateId: 'desk' });
    await ares.processEvents();
    const trades = await ares.replayEvents({ aggregateId: 'desk', eventTypes: [EventType.TRADE_EXECUTED] });
    expect(trades.map((event) => event.eventType)).toEqual(['trade_executed']);
    expect(await ares.replayEvents({ toSequence: 0 })).toHaveLength(2);
    expect(ares.metrics.replaysPerformed).toBe(2);
  });

  it('rebuilds from the latest snapshot: its state plus the events after it, up to targetSequence', async () => {
    const { ares } = await ready(persistent());
    for (let i = 0; i < 4; i++) await ares.publish(EventType.TRADE_EXECUTED, trade(i), { aggregateId: 'trader_1' });
    await ares.publish(EventType.PERFORMANCE_UPDATE, { pnl: 12 }, { aggregateId: 'trader_1' });
    await ares.processEvents();
    await ares.eventStore.saveSnapshot(
      new EventSnapshot({ aggregateId: 'trader_1', sequenceNumber: 1, stateData: { trades: [{ from: 'snapshot' }], balance: 5 } }),
    );
    const state = await ares.rebuildFromEvents('trader_1');
    expect(state).toEqual({ trades: [{ from: 'snapshot' }, trade(2), trade(3)], balance: 5, performance: { pnl: 12 } });
    expect((await ares.rebuildFromEvents('trader_1', { targetSequence: 2 })).trades).toEqual([{ from: 'snapshot' }, trade(2)]);
    expect(await ares.rebuildFromEvents('nobody')).toEqual({});
    const again = await ares.eventStore.getLatestSnapshot('trader_1');
    expect(again?.stateData.trades).toEqual([{ from: 'snapshot' }]); // the rebuild did not change the snapshot
  });

  it('answers {} and reports when the rebuild fails', async () => {
    const { ares, errors } = await ready(persistent());
    await ares.eventStore.saveSnapshot(new EventSnapshot({ aggregateId: 'trader_1', sequenceNumber: 0, stateData: { trades: 'many' } }));
    await ares.publish(EventType.TRADE_EXECUTED, trade(1), { aggregateId: 'trader_1' });
    await ares.publish(EventType.TRADE_EXECUTED, trade(2), { aggregateId: 'trader_1' });
    await ares.processEvents();
    expect(await ares.rebuildFromEvents('trader_1')).toEqual({});
    expect(await ares.rebuildFromEvents(7 as unknown as string)).toEqual({});
    expect(errors.map((error) => error.code)).toEqual(['INVALID_EVENT', 'INVALID_EVENT']);
  });

  it('getHistory and getEventHistory return copies, the most recent `limit` when given', async () => {
    const { ares } = await ready(memoryOnly());
    for (let i = 0; i < 4; i++) {
      await ares.publish(EventType.RISK_ALERT, { i });
      await ares.processEvents();
    }
    expect(ares.getEventHistory({ limit: 2 }).map((event) => (event.data as { i: number }).i)).toEqual([2, 3]);
    expect(ares.getEventHistory()).toHaveLength(4);
    expect(ares.getEventHistory({ limit: 0 })).toHaveLength(4);
    expect(ares.getHistory({ limit: 3 })).toHaveLength(3);
    ares.getEventHistory().pop();
    expect(ares.eventHistory).toHaveLength(4);
    expect(() => ares.getHistory({ limit: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_EVENT' }));
  });

  it('getStatus() spreads the last status entry', async () => {
    const { ares } = await ready(memoryOnly());
    await ares.processEvents();
    const status = ares.getStatus();
    expect(status.status).toBe('running');
    expect(typeof status.timestamp).toBe('string');
    expect(status.metrics).toEqual(ares.getMetrics());
    expect(status.metrics).not.toBe(ares.metrics);
  });
});
