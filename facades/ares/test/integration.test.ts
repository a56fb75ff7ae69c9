// The legacy tests/test_event_bus_integration.py: components subscribe, the bus
// runs its processing loop, events flow, are persisted, replayed and rebuilt.
// The legacy slept fixed times; these wait for the outcome instead.
import { describe, expect, it } from 'vitest';
import { type EnhancedEventBus, type Event, EventType, setupEnhancedEventBus } from '../src/index.js';
import { tempDir, until } from './support.js';

/** The legacy MockTradingComponent. */
class MockTradingComponent {
  readonly receivedEvents: Event[] = [];
  readonly correlationMap = new Map<string, Event>();

  constructor(
    readonly name: string,
    readonly eventBus: EnhancedEventBus,
  ) {
    eventBus.subscribe(EventType.MARKET_DATA_RECEIVED, this.handleMarketData);
    eventBus.subscribe(EventType.TRADE_EXECUTED, this.handleTradeExecuted);
    eventBus.subscribe(EventType.PERFORMANCE_UPDATE, this.handlePerformanceUpdate);
  }

  readonly handleMarketData = async (event: Event<{ symbol?: string; price?: number }>): Promise<void> => {
    this.receivedEvents.push(event);
    if ((event.data.price ?? 0) < 50000) {
      await this.eventBus.publish(
        EventType.TRADE_DECISION_MADE,
        { symbol: event.data.symbol, action: 'buy', quantity: 0.1, reason: 'price_below_threshold' },
        { source: this.name, correlationId: event.metadata.correlationId, aggregateId: `${this.name}_decisions` },
      );
    }
  };

  readonly handleTradeExecuted = async (event: Event): Promise<void> => {
    this.receivedEvents.push(event);
    if (event.metadata.correlationId) this.correlationMap.set(event.metadata.correlationId, event);
    await this.eventBus.publish(
      EventType.PERFORMANCE_UPDATE,
      {
        portfolio_value: 10000 + this.receivedEvents.length * 100,
        trade_count: this.receivedEvents.filter((e) => e.eventType === EventType.TRADE_EXECUTED).length,
        component: this.name,
      },
      { source: this.name, correlationId: event.metadata.correlationId },
    );
  };

  readonly handlePerformanceUpdate = async (event: Event): Promise<void> => {
    this.receivedEvents.push(event);
  };
}

const config = (settings: Record<string, unknown>) => ({
  eventBus: {
    processingInterval: 0.005,
    maxHistory: 100,
    enablePersistence: true,
    enableSnapshots: false,
    storagePath: tempDir(),
    ...settings,
  },
});

describe('EnhancedEventBus integration (legacy TestEventBusIntegration)', () => {
  it('test_complete_event_flow: market data → decisions → trade → performance updates, correlated and persisted', async () => {
    const eventBus = await setupEnhancedEventBus(config({}));
    expect(eventBus).not.toBeNull();
    if (eventBus === null) return;
    const trader1 = new MockTradingComponent('Trader1', eventBus);
    const trader2 = new MockTradingComponent('Trader2', eventBus);
    const running = eventBus.run();
    try {
      const correlationId = 'test_correlation_1';
      await eventBus.publish(
        EventType.MARKET_DATA_RECEIVED,
        { symbol: 'BTCUSDT', price: 49500, volume: 100, timestamp: '2024-01-15T10:30:00Z' },
        { source: 'MarketDataProvider', correlationId, aggregateId: 'market_data_btc' },
      );
      await eventBus.publish(
        EventType.TRADE_EXECUTED,
        { symbol: 'BTCUSDT', side: 'buy', quantity: 0.1, price: 49500, order_id: 'test_order_1' },
        { source: 'ExchangeAPI', correlationId, aggregateId: 'trader1_trades' },
      );
      // 2 published + 2 decisions + 2 performance updates.
      await until(() => eventBus.metrics.eventsProcessed === 6);

      expect(trader1.receivedEvents.length).toBeGreaterThan(0);
      expect(trader2.receivedEvents.length).toBeGreaterThan(0);
      expect(trader1.correlationMap.has(correlationId) || trader2.correlationMap.has(correlationId)).toBe(true);
      const types = new Set([...trader1.receivedEvents, ...trader2.receivedEvents].map((event) => event.eventType));
      expect(types).toEqual(new Set([EventType.MARKET_DATA_RECEIVED, EventType.TRADE_EXECUTED, EventType.PERFORMANCE_UPDATE]));

      const stored = await eventBus.eventStore.getEvents();
      expect(stored).toHaveLength(6);
      const correlated = stored.filter((event) => event.metadata.correlationId === correlationId);
      expect(correlated.length).toBeGreaterThanOrEqual(2);
      expect(
        stored
          .filter((event) => event.eventType === EventType.TRADE_DECISION_MADE)
          .map((event) => event.metadata.aggregateId)
          .sort(),
      ).toEqual(['Trader1_decisions', 'Trader2_decisions']);
    } finally {
      await eventBus.stop();
      await running;
    }
  });

  it('test_event_replay_and_reconstruction: inclusive replay of 2..7, a rebuild of 10 trades, a type filter, snapshots', async () => {
    const eventBus = await setupEnhancedEventBus(config({ enableSnapshots: true, snapshotFrequency: 5 }));
    if (eventBus === null) throw new Error('setup failed');
    const running = eventBus.run();
    try {
      const aggregateId = 'integration_test_trader';
      for (let i = 0; i < 10; i++) {
        await eventBus.publish(
          EventType.TRADE_EXECUTED,
          {
            symbol: 'BTCUSDT',
            side: i % 2 === 0 ? 'buy' : 'sell',
            quantity: 0.1 * (i + 1),
            price: 50000 + i * 100,
            order_id: `integration_order_${i}`,
          },
          { source: 'IntegrationTest', aggregateId },
        );
      }
      await until(() => eventBus.metrics.eventsProcessed === 10);

      const replayed = await eventBus.replayEvents({ aggregateId, fromSequence: 2, toSequence: 7 });
      expect(replayed).toHaveLength(6);
      expect(replayed.every((event) => event.metadata.aggregateId === aggregateId)).toBe(true);
      expect(replayed[0]?.metadata.sequenceNumber).toBe(2);
      expect(replayed.at(-1)?.metadata.sequenceNumber).toBe(7);

      const state = await eventBus.rebuildFromEvents(aggregateId);
      const trades = state.trades as { side: string }[];
      expect(trades).toHaveLength(10);
      expect(trades.filter((t) => t.side === 'buy')).toHaveLength(5);
      expect(trades.filter((t) => t.side === 'sell')).toHaveLength(5);

      const tradeEvents = await eventBus.replayEvents({ aggregateId, eventTypes: [EventType.TRADE_EXECUTED] });
      expect(tradeEvents).toHaveLength(10);
      expect(tradeEvents.every((event) => event.eventType === EventType.TRADE_EXECUTED)).toBe(true);

      expect(eventBus.metrics.snapshotsCreated).toBeGreaterThan(0);
    } finally {
      await eventBus.stop();
      await running;
    }
  });

  it('test_error_handling_and_recovery: failing subscribers do not stop processing or persistence', async () => {
    const eventBus = await setupEnhancedEventBus(config({}));
    if (eventBus === null) throw new Error('setup failed');
    eventBus.bus.events.on('failed', () => undefined); // the two failures below are expected
    let failureCount = 0;
    const processedEvents: Event[] = [];
    eventBus.subscribe(EventType.SYSTEM_ERROR, (event) => {
      failureCount++;
      if (failureCount <= 2) throw new Error(`Simulated failure ${failureCount}`);
      processedEvents.push(event);
    });
    eventBus.subscribe(EventType.SYSTEM_ERROR, (event) => {
      event.metadata.tags.processed_by_working = 'true';
    });
    const running = eventBus.run();
    try {
      for (let i = 0; i < 5; i++) {
        await eventBus.publish(
          EventType.SYSTEM_ERROR,
          { error_code: `TEST_ERROR_${i}`, message: `Test error ${i}` },
          { source: 'IntegrationTest' },
        );
      }
      await until(() => eventBus.metrics.eventsProcessed === 5);

      const inHistory = eventBus.eventHistory.filter((event) => event.eventType === EventType.SYSTEM_ERROR);
      expect(inHistory.filter((event) => event.metadata.tags.processed_by_working === 'true')).toHaveLength(5);
      expect(processedEvents.length).toBeGreaterThanOrEqual(3);
      expect(inHistory.map((event) => event.metadata.retryCount)).toEqual([1, 1, 0, 0, 0]);
      expect(await eventBus.eventStore.getEvents({ eventTypes: [EventType.SYSTEM_ERROR] })).toHaveLength(5);
    } finally {
      await eventBus.stop();
      await running;
    }
  });

  it('test_metrics_and_monitoring: counters, snapshots every 3 events, replay count, status and histories', async () => {
    const eventBus = await setupEnhancedEventBus(config({ maxHistory: 50, enableSnapshots: true, snapshotFrequency: 3 }));
    if (eventBus === null) throw new Error('setup failed');
    expect(eventBus.getMetrics()).toEqual({ eventsProcessed: 0, eventsFailed: 0, snapshotsCreated: 0, replaysPerformed: 0 });
    const running = eventBus.run();
    try {
      for (let i = 0; i < 10; i++) {
        await eventBus.publish(
          EventType.PERFORMANCE_UPDATE,
          { metric: `test_metric_${i}`, value: i * 10 },
          { source: 'MetricsTest', aggregateId: 'metrics_aggregate' },
        );
      }
      await until(() => eventBus.metrics.eventsProcessed === 10);

      const metrics = eventBus.getMetrics();
      expect(metrics.eventsProcessed).toBe(10);
      expect(metrics.eventsFailed).toBe(0);
      expect(metrics.snapshotsCreated).toBeGreaterThan(0);

      await eventBus.replayEvents({ aggregateId: 'metrics_aggregate' });
      expect(eventBus.getMetrics().replaysPerformed).toBe(1);

      const status = eventBus.getStatus();
      for (const key of ['metrics', 'queueSize', 'subscribersCount', 'persistenceEnabled', 'snapshotsEnabled'])
        expect(status).toHaveProperty(key);
      expect(status.persistenceEnabled).toBe(true);
      expect(status.snapshotsEnabled).toBe(true);
      expect(status.metrics.eventsProcessed).toBe(10);

      const history = eventBus.getHistory({ limit: 5 });
      expect(history.length).toBeLessThanOrEqual(5);
      expect(history.every((entry) => 'timestamp' in entry)).toBe(true);
      const eventHistory = eventBus.getEventHistory({ limit: 5 });
      expect(eventHistory).toHaveLength(5);
      expect(eventHistory.every((event) => event.eventType === EventType.PERFORMANCE_UPDATE)).toBe(true);
    } finally {
      await eventBus.stop();
      await running;
    }
  });
});
