import { join } from 'node:path';
import { createEventStore, memoryBackend, sqliteBackend } from '@bus/persistence';
import { describe, expect, it } from 'vitest';
import { EnhancedEventBus, type Event, EventSnapshot, EventStatus, EventType, PersistenceEventStore } from '../src/index.js';
import { errorSink, eventOf, tempDir } from './support.js';

const trade = (quantity: number) => ({ symbol: 'BTCUSDT', side: 'buy', quantity, price: 50000 });
const sequences = (events: Event[]) => events.map((event) => event.metadata.sequenceNumber);

describe('PersistenceEventStore: IEventStore over @bus/persistence', () => {
  it('round-trips every legacy field', async () => {
    const store = new PersistenceEventStore(createEventStore({ backend: memoryBackend() }));
    const event = eventOf(EventType.TRADE_EXECUTED, trade(1), {
      eventId: 'e-1',
      version: '2.0.0',
      schemaVersion: '1.1.0',
      timestamp: '2025-08-14T12:00:00.250Z',
      correlationId: 'c-1',
      causationId: 'e-0',
      aggregateId: 'trader_1',
      sequenceNumber: 4,
      retryCount: 1,
      status: EventStatus.PROCESSED,
      tags: { venue: 'binance' },
    });
    expect(await store.saveEvent(event)).toBe(true);
    const [read] = await store.getEvents();
    expect(read?.toDict()).toEqual(event.toDict());
  });

  it('stores CloudEvents envelopes in the stream of the aggregate (or of the type without one)', async () => {
    const persistence = createEventStore({ backend: memoryBackend() });
    const store = new PersistenceEventStore(persistence);
    await store.saveEvent(
      eventOf(EventType.TRADE_EXECUTED, trade(1), { eventId: 'a', aggregateId: 'trader_1', sequenceNumber: 3, source: 'ExchangeAPI' }),
    );
    await store.saveEvent(eventOf(EventType.RISK_ALERT, {}, { eventId: 'b', sequenceNumber: 4 }));
    const [record] = await persistence.readStream('trader_1');
    expect(record?.event).toMatchObject({
      id: 'a',
      type: 'trade_executed',
      source: 'ExchangeAPI',
      subject: 'trader_1',
      sequence: '3',
      data: trade(1),
    });
    expect((await persistence.readStream('risk_alert')).map((r) => r.event.id)).toEqual(['b']);
  });

  it('applies the legacy filters: inclusive bounds, toSequence 0 = none, aggregate, types, sorted by sequence', async () => {
    const store = new PersistenceEventStore(createEventStore({ backend: memoryBackend() }));
    for (const i of [4, 0, 3, 1, 2]) {
      await store.saveEvent(
        eventOf(i === 4 ? EventType.RISK_ALERT : EventType.TRADE_EXECUTED, trade(i), {
          aggregateId: i % 2 ? 'odd' : 'even',
          sequenceNumber: i,
        }),
      );
    }
    expect(sequences(await store.getEvents())).toEqual([0, 1, 2, 3, 4]);
    expect(sequences(await store.getEvents({ fromSequence: 2, toSequence: 3 }))).toEqual([2, 3]);
    expect(sequences(await store.getEvents({ fromSequence: 1, toSequence: 0 }))).toEqual([1, 2, 3, 4]);
    expect(sequences(await store.getEvents({ aggregateId: 'odd' }))).toEqual([1, 3]);
    expect(sequences(await store.getEvents({ eventTypes: [EventType.RISK_ALERT] }))).toEqual([4]);
  });

  it('keeps snapshots at their sequence number and returns the highest', async () => {
    const store = new PersistenceEventStore(createEventStore({ backend: memoryBackend() }));
    for (const sequenceNumber of [10, 30, 20]) {
      expect(
        await store.saveSnapshot(
          new EventSnapshot({
            snapshotId: `s-${sequenceNumber}`,
            aggregateId: 'trader_1',
            sequenceNumber,
            stateData: { at: sequenceNumber },
          }),
        ),
      ).toBe(true);
    }
    const latest = await store.getLatestSnapshot('trader_1');
    expect([latest?.snapshotId, latest?.sequenceNumber, latest?.stateData]).toEqual(['s-30', 30, { at: 30 }]);
    expect(await store.getLatestSnapshot('trader_2')).toBeNull();
  });

  it('skips and reports stored events that are not Ares events', async () => {
    const persistence = createEventStore({ backend: memoryBackend() });
    await persistence.append('orders', { type: 'orders.created', data: {} });
    const { errors, onError } = errorSink();
    const store = new PersistenceEventStore(persistence, { onError });
    await store.saveEvent(eventOf(EventType.RISK_ALERT, {}));
    expect((await store.getEvents()).map((event) => event.eventType)).toEqual(['risk_alert']);
    expect(errors[0]?.message).toMatch(/orders\.created/);
  });

  it('answers false / [] / null and reports when the store fails or is given bad arguments', async () => {
    const persistence = createEventStore({ backend: memoryBackend() });
    await persistence.close();
    const { errors, onError } = errorSink();
    const store = new PersistenceEventStore(persistence, { onError });
    expect(await store.saveEvent(eventOf(EventType.RISK_ALERT, {}))).toBe(false);
    expect(await store.getEvents()).toEqual([]);
    expect(await store.saveSnapshot(new EventSnapshot({ aggregateId: 'a' }))).toBe(false);
    expect(await store.getLatestSnapshot('a')).toBeNull();
    expect(await store.saveEvent({} as Event)).toBe(false);
    expect(errors.map((error) => error.code)).toEqual(['STORE_FAILED', 'STORE_FAILED', 'STORE_FAILED', 'STORE_FAILED', 'INVALID_EVENT']);
  });

  it('refuses something that is not a @bus/persistence store with CONFIG_INVALID', () => {
    expect(() => new PersistenceEventStore({} as never)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('backs an EnhancedEventBus on SQLite: persistence, replay, rebuild, and the sequence across restarts', async () => {
    const path = join(tempDir(), 'ares.db');
    const config = { eventBus: { enablePersistence: true, enableSnapshots: true, snapshotFrequency: 2 } };
    const persistence = createEventStore({ backend: sqliteBackend({ path }) });
    const ares = new EnhancedEventBus(config, { eventStore: new PersistenceEventStore(persistence) });
    expect(await ares.initialize()).toBe(true);
    for (let i = 0; i < 3; i++) await ares.publish(EventType.TRADE_EXECUTED, trade(i + 1), { aggregateId: 'trader_1' });
    await ares.processEvents();
    expect(sequences(await ares.replayEvents({ aggregateId: 'trader_1', fromSequence: 1, toSequence: 2 }))).toEqual([1, 2]);
    expect((await ares.rebuildFromEvents('trader_1')).trades).toEqual([trade(1), trade(2), trade(3)]);
    expect((await ares.eventStore.getLatestSnapshot('system'))?.sequenceNumber).toBe(3);
    await persistence.close();

    const reopened = createEventStore({ backend: sqliteBackend({ path }) });
    const restarted = new EnhancedEventBus(config, { eventStore: new PersistenceEventStore(reopened) });
    expect(await restarted.initialize()).toBe(true);
    expect(restarted.sequenceCounter).toBe(3);
    expect(restarted.eventHistory).toHaveLength(3);
    await reopened.close();
  });
});
