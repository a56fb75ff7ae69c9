// The Ares trading loop, moved from Python by changing imports and casing:
// components subscribe to the enhanced event bus, market data flows into
// decisions, executions, risk alerts and performance updates on the bus's
// processing loop; then the audit trail is replayed and a trader's state is
// rebuilt from the JSON Lines files. One step of migrating to the plugin
// world: an audit plugin and a pager that uses CloudEvents, both on `.bus`.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { definePlugin } from '@bus/core';
import { type EnhancedEventBus, type Event, EventType, setupEnhancedEventBus } from '@bus/facade-ares';

interface MarketData {
  symbol: string;
  price: number;
  volume: number;
}
interface Decision {
  symbol: string;
  action: 'buy' | 'sell';
  quantity: number;
  price: number;
}
interface Trade {
  symbol: string;
  side: 'buy' | 'sell';
  quantity: number;
  price: number;
  order_id: string;
}

/** Buys 0.1 whenever the price dips below the threshold (legacy `Strategist`). */
class Strategist {
  readonly bus: EnhancedEventBus;
  readonly log: (line: string) => void;

  constructor(bus: EnhancedEventBus, log: (line: string) => void) {
    this.bus = bus;
    this.log = log;
    bus.subscribe(EventType.MARKET_DATA_RECEIVED, this.onMarketData);
  }

  readonly onMarketData = async (event: Event<MarketData>): Promise<void> => {
    const { symbol, price } = event.data;
    if (price >= 50_000) return this.log(`📈 strategist: ${symbol} at ${price}, holding`);
    this.log(`📉 strategist: ${symbol} at ${price} is below 50000, buying 0.1`);
    await this.bus.publish(EventType.TRADE_DECISION_MADE, { symbol, action: 'buy', quantity: 0.1, price } satisfies Decision, {
      source: 'Strategist',
      correlationId: event.metadata.correlationId,
      aggregateId: 'trader_1',
    });
  };
}

/** Turns decisions into executions (legacy `Executor`). */
class Executor {
  readonly bus: EnhancedEventBus;
  #orders = 0;

  constructor(bus: EnhancedEventBus) {
    this.bus = bus;
    bus.subscribe(EventType.TRADE_DECISION_MADE, this.onDecision);
  }

  readonly onDecision = async (event: Event<Decision>): Promise<void> => {
    const { symbol, action, quantity, price } = event.data;
    const trade: Trade = { symbol, side: action, quantity, price, order_id: `order-${++this.#orders}` };
    await this.bus.publish(EventType.TRADE_EXECUTED, trade, {
      source: 'ExchangeAPI',
      correlationId: event.metadata.correlationId,
      aggregateId: 'trader_1',
    });
  };
}

/** Watches the position and reports performance (legacy `RiskManager` and `PerformanceTracker`). */
class Portfolio {
  readonly bus: EnhancedEventBus;
  readonly log: (line: string) => void;
  #position = 0;
  #spent = 0;

  constructor(bus: EnhancedEventBus, log: (line: string) => void) {
    this.bus = bus;
    this.log = log;
    bus.subscribe(EventType.TRADE_EXECUTED, this.onTrade);
  }

  readonly onTrade = async (event: Event<Trade>): Promise<void> => {
    const { quantity, price, order_id: orderId } = event.data;
    this.#position = Math.round((this.#position + quantity) * 10) / 10;
    this.#spent += quantity * price;
    this.log(`✅ ${orderId} filled: +${quantity} at ${price}, position ${this.#position} (sequence ${event.metadata.sequenceNumber})`);
    const correlation = { source: 'Portfolio', correlationId: event.metadata.correlationId, aggregateId: 'trader_1' };
    await this.bus.publish(
      EventType.PERFORMANCE_UPDATE,
      { position: this.#position, average_price: this.#spent / this.#position },
      correlation,
    );
    if (this.#position > 0.15) await this.bus.publish(EventType.RISK_ALERT, { level: 'high', position: this.#position }, correlation);
  };
}

/** A plugin on `.bus` that counts what the legacy bus dispatches: the first step towards the plugin world. */
function auditTrail(counts: Map<string, number>) {
  return definePlugin({
    name: 'audit-trail',
    setup(kernel) {
      kernel.usePublish('enrich', function audit(ctx, next) {
        counts.set(ctx.envelope.type, (counts.get(ctx.envelope.type) ?? 0) + 1);
        return next();
      });
    },
  });
}

/** Runs the trading session, writing each line through `log`. */
export async function runAres(log: (line: string) => void): Promise<void> {
  const storagePath = mkdtempSync(join(tmpdir(), 'ares-event-store-'));
  try {
    const eventBus = await setupEnhancedEventBus({
      eventBus: {
        processingInterval: 0.01,
        maxHistory: 1000,
        enablePersistence: true,
        enableSnapshots: true,
        snapshotFrequency: 5,
        storagePath,
      },
    });
    if (eventBus === null) throw new Error('the event bus configuration was refused');
    log(`event bus ready: persistence ${eventBus.enablePersistence}, a snapshot every ${eventBus.snapshotFrequency} events`);

    // Legacy components, unchanged but for casing.
    new Strategist(eventBus, log);
    new Executor(eventBus);
    new Portfolio(eventBus, log);

    // New code, on the underlying bus: a plugin, a CloudEvents subscriber, and failure signals.
    const audited = new Map<string, number>();
    eventBus.bus.use(auditTrail(audited));
    eventBus.bus.subscribe('risk_alert', (envelope) => {
      log(`📟 pager (CloudEvents on .bus): ${envelope.type} for ${envelope.subject}, correlationid ${envelope.correlationid}`);
    });
    eventBus.bus.events.on('dropped', ({ error }) => log(`✋ dropped: ${error.code} — ${error.message}`));

    const ticks: MarketData[] = [
      { symbol: 'BTCUSDT', price: 50_200, volume: 12 },
      { symbol: 'BTCUSDT', price: 49_800, volume: 30 },
      { symbol: 'BTCUSDT', price: 49_500, volume: 41 },
    ];
    for (const [index, tick] of ticks.entries()) {
      await eventBus.publish(EventType.MARKET_DATA_RECEIVED, tick, { source: 'MarketDataProvider', correlationId: `tick-${index + 1}` });
    }
    // A feed glitch: no volume, which schema 1.0.0 of market_data_received requires.
    await eventBus.publish(EventType.MARKET_DATA_RECEIVED, { symbol: 'BTCUSDT', price: 1 }, { source: 'MarketDataProvider' });

    const running = eventBus.run();
    // 3 ticks → 2 decisions → 2 trades → 2 performance updates and 1 risk alert: 10 processed; the glitch fails.
    while (eventBus.metrics.eventsProcessed + eventBus.metrics.eventsFailed < 11) await new Promise((resolve) => setTimeout(resolve, 5));
    await eventBus.stop();
    await running;

    const metrics = eventBus.getMetrics();
    log(`processed ${metrics.eventsProcessed}, failed ${metrics.eventsFailed}, snapshots ${metrics.snapshotsCreated}`);
    log(`audit plugin saw: ${[...audited].map(([type, count]) => `${type}×${count}`).join(', ')}`);

    const trades = await eventBus.replayEvents({ aggregateId: 'trader_1', eventTypes: [EventType.TRADE_EXECUTED] });
    log(
      `replayed trades of trader_1: ${trades.map((event) => `#${event.metadata.sequenceNumber} ${(event.data as Trade).order_id}`).join(', ')}`,
    );
    const first = trades[0]?.metadata.sequenceNumber ?? 0;
    const window = await eventBus.replayEvents({ aggregateId: 'trader_1', fromSequence: first, toSequence: first + 2 });
    log(`replay of sequences ${first}..${first + 2} (inclusive): ${window.map((event) => event.eventType).join(', ')}`);

    const state = await eventBus.rebuildFromEvents('trader_1');
    log(`rebuilt trader_1: ${state.trades?.length ?? 0} trades, performance ${JSON.stringify(state.performance)}`);

    const eventFiles = readdirSync(join(storagePath, 'events'));
    const snapshotFiles = readdirSync(join(storagePath, 'snapshots'));
    log(`files: events/${eventFiles.join(', ')}; snapshots/${snapshotFiles.join(', ')}`);
    const firstLine = readFileSync(join(storagePath, 'events', eventFiles[0] as string), 'utf8').split('\n')[0] ?? '';
    log(`a stored line, readable by the Python system: ${firstLine.slice(0, 60)}…`);

    const migrated = eventBus.versionManager.migrateEvent(trades[0] as Event, '1.1.0');
    log(`migrated to schema ${migrated.metadata.schemaVersion}: data now has timestamp ${'timestamp' in (migrated.data as object)}`);

    await eventBus.bus.stop();
    log('event bus stopped');
  } finally {
    rmSync(storagePath, { recursive: true, force: true });
  }
}
