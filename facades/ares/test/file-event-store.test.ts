import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Event, EventSnapshot, EventStatus, EventType, FileEventStore } from '../src/index.js';
import { errorSink, eventOf, tempDir } from './support.js';

const trade = (quantity: number) => ({ symbol: 'BTCUSDT', side: 'buy', quantity, price: 50000 });
const sequences = (events: Event[]) => events.map((event) => event.metadata.sequenceNumber);

describe('FileEventStore (legacy TestFileEventStore)', () => {
  it('test_save_and_retrieve_event: saves an event and reads it back', async () => {
    const store = new FileEventStore(tempDir());
    const event = eventOf(
      EventType.TRADE_EXECUTED,
      { symbol: 'BTCUSDT', quantity: 1.0 },
      { eventId: 'test-id', aggregateId: 'test_aggregate', sequenceNumber: 1 },
    );
    expect(await store.saveEvent(event)).toBe(true);
    const events = await store.getEvents();
    expect(events).toHaveLength(1);
    expect(events[0]?.metadata.eventId).toBe('test-id');
    expect((events[0]?.data as { symbol: string } | undefined)?.symbol).toBe('BTCUSDT');
  });

  it('test_retrieve_events_with_filters: inclusive sequence bounds, aggregate and type filters', async () => {
    const store = new FileEventStore(tempDir());
    for (let i = 0; i < 5; i++) {
      await store.saveEvent(
        eventOf(EventType.TRADE_EXECUTED, trade(i), { eventId: `test-id-${i}`, aggregateId: 'test_aggregate', sequenceNumber: i }),
      );
    }
    const ranged = await store.getEvents({ fromSequence: 2, toSequence: 3 });
    expect(ranged).toHaveLength(2);
    expect(ranged[0]?.metadata.sequenceNumber).toBe(2);
    expect(ranged[1]?.metadata.sequenceNumber).toBe(3);
    expect(await store.getEvents({ aggregateId: 'test_aggregate' })).toHaveLength(5);
    expect(await store.getEvents({ eventTypes: [EventType.TRADE_EXECUTED] })).toHaveLength(5);
  });

  it('test_save_and_retrieve_snapshot: saves a snapshot and reads it back', async () => {
    const store = new FileEventStore(tempDir());
    const snapshot = new EventSnapshot({
      snapshotId: 'test-snapshot',
      aggregateId: 'test_aggregate',
      sequenceNumber: 10,
      stateData: { balance: 1000, trades: [] },
    });
    expect(await store.saveSnapshot(snapshot)).toBe(true);
    const retrieved = await store.getLatestSnapshot('test_aggregate');
    expect(retrieved).not.toBeNull();
    expect(retrieved?.snapshotId).toBe('test-snapshot');
    expect(retrieved?.stateData.balance).toBe(1000);
  });
});

describe('FileEventStore behaviours', () => {
  it('writes {path}/events/events_YYYYMMDD.jsonl by the event’s UTC day, one legacy JSON line per event', async () => {
    const directory = tempDir();
    const store = new FileEventStore(directory);
    await store.saveEvent(eventOf(EventType.TRADE_EXECUTED, trade(1), { eventId: 'a', timestamp: '2025-08-14T23:59:59Z' }));
    await store.saveEvent(eventOf(EventType.TRADE_EXECUTED, trade(2), { eventId: 'b', timestamp: '2025-08-15T00:00:01+02:00' }));
    await store.saveEvent(eventOf(EventType.TRADE_EXECUTED, trade(3), { eventId: 'c', timestamp: '2025-08-15T08:00:00Z' }));
    expect(readdirSync(join(directory, 'events')).sort()).toEqual(['events_20250814.jsonl', 'events_20250815.jsonl']);
    const lines = readFileSync(join(directory, 'events', 'events_20250814.jsonl'), 'utf8')
      .trimEnd()
      .split('\n');
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0] as string);
    expect(Object.keys(first)).toEqual(['event_type', 'data', 'metadata']);
    expect(first.metadata).toMatchObject({ event_id: 'a', schema_version: '1.0.0', sequence_number: 0, status: 'pending' });
    expect(first.metadata.timestamp).toBe('2025-08-14T23:59:59.000000+00:00');
  });

  it('writes {path}/snapshots/snapshot_{aggregate}_{seq}.json, indented, with snake_case keys', async () => {
    const directory = tempDir();
    const store = new FileEventStore(directory);
    await store.saveSnapshot(new EventSnapshot({ aggregateId: 'trader_1', sequenceNumber: 150, stateData: { balance: 5 } }));
    expect(readdirSync(join(directory, 'snapshots'))).toEqual(['snapshot_trader_1_150.json']);
    const text = readFileSync(join(directory, 'snapshots', 'snapshot_trader_1_150.json'), 'utf8');
    expect(text).toContain('\n  "aggregate_id": "trader_1"');
    expect(JSON.parse(text)).toMatchObject({
      aggregate_id: 'trader_1',
      sequence_number: 150,
      state_data: { balance: 5 },
      version: '1.0.0',
    });
  });

  it('returns events sorted by sequence number whatever the order they were saved in', async () => {
    const store = new FileEventStore(tempDir());
    for (const sequenceNumber of [3, 0, 4, 1, 2])
      await store.saveEvent(eventOf(EventType.TRADE_EXECUTED, trade(sequenceNumber), { sequenceNumber }));
    expect(sequences(await store.getEvents())).toEqual([0, 1, 2, 3, 4]);
  });

  it('treats toSequence 0 (and null) as no upper bound, as the legacy truthiness test did', async () => {
    const store = new FileEventStore(tempDir());
    for (let i = 0; i < 4; i++) await store.saveEvent(eventOf(EventType.TRADE_EXECUTED, trade(i), { sequenceNumber: i }));
    expect(sequences(await store.getEvents({ fromSequence: 1, toSequence: 0 }))).toEqual([1, 2, 3]);
    expect(sequences(await store.getEvents({ toSequence: null }))).toEqual([0, 1, 2, 3]);
    expect(sequences(await store.getEvents({ fromSequence: 0, toSequence: 1 }))).toEqual([0, 1]);
  });

  it('treats an empty aggregate id or an empty type list as no filter (legacy truthiness)', async () => {
    const store = new FileEventStore(tempDir());
    await store.saveEvent(eventOf(EventType.TRADE_EXECUTED, trade(1), { aggregateId: 'a', sequenceNumber: 0 }));
    await store.saveEvent(eventOf(EventType.RISK_ALERT, {}, { aggregateId: 'b', sequenceNumber: 1 }));
    expect(await store.getEvents({ aggregateId: '' })).toHaveLength(2);
    expect(await store.getEvents({ eventTypes: [] })).toHaveLength(2);
    expect(sequences(await store.getEvents({ aggregateId: 'b' }))).toEqual([1]);
    expect(sequences(await store.getEvents({ eventTypes: [EventType.RISK_ALERT, EventType.MODEL_UPDATED] }))).toEqual([1]);
  });

  it('reads files the Python system wrote, including events_YYYY-MM-DD.jsonl names and its JSON spacing', async () => {
    const directory = tempDir();
    mkdirSync(join(directory, 'events'), { recursive: true });
    const pythonLine =
      '{"event_type": "trade_executed", "data": {"symbol": "BTCUSDT", "quantity": 1.0}, "metadata": {"event_id": "py-1", "version": "1.0.0", ' +
      '"schema_version": "1.0.0", "timestamp": "2024-01-15 10:30:00.123456+00:00", "source": "TradingBot", "correlation_id": null, ' +
      '"causation_id": null, "aggregate_id": "trader_1", "sequence_number": 7, "retry_count": 0, "status": "EventStatus.PROCESSED", "tags": {}}}\n';
    writeFileSync(join(directory, 'events', 'events_2024-01-15.jsonl'), pythonLine);
    const [event] = await new FileEventStore(directory).getEvents({ aggregateId: 'trader_1' });
    expect(event?.metadata).toMatchObject({ eventId: 'py-1', source: 'TradingBot', sequenceNumber: 7, status: EventStatus.PROCESSED });
    expect(event?.metadata.timestamp.toISOString()).toBe('2024-01-15T10:30:00.123Z');
  });

  it('picks the snapshot with the highest sequence number, and never another aggregate’s', async () => {
    const store = new FileEventStore(tempDir());
    for (const sequenceNumber of [5, 120, 30]) {
      await store.saveSnapshot(new EventSnapshot({ aggregateId: 'trader', sequenceNumber, stateData: { at: sequenceNumber } }));
    }
    await store.saveSnapshot(new EventSnapshot({ aggregateId: 'trader_1', sequenceNumber: 999, stateData: { at: 'other' } }));
    expect((await store.getLatestSnapshot('trader'))?.stateData).toEqual({ at: 120 });
    expect((await store.getLatestSnapshot('trader_1'))?.stateData).toEqual({ at: 'other' });
    expect(await store.getLatestSnapshot('nobody')).toBeNull();
  });

  it('keeps an aggregate id with a path separator inside the snapshots directory', async () => {
    const directory = tempDir();
    const store = new FileEventStore(join(directory, 'store'));
    await store.saveSnapshot(new EventSnapshot({ aggregateId: '../escape', sequenceNumber: 1 }));
    expect(readdirSync(join(directory, 'store', 'snapshots'))).toEqual(['snapshot_..%2Fescape_1.json']);
    expect((await store.getLatestSnapshot('../escape'))?.aggregateId).toBe('../escape');
  });

  it('creates no directory before the first write, and reads a missing one as empty', async () => {
    const directory = join(tempDir(), 'not-yet');
    const store = new FileEventStore(directory);
    expect(await store.getEvents()).toEqual([]);
    expect(await store.getLatestSnapshot('system')).toBeNull();
    expect(existsSync(directory)).toBe(false);
  });

  it('skips and reports an unreadable line (a write torn by a crash), and starts the next write on a new line', async () => {
    const directory = tempDir();
    const { errors, onError } = errorSink();
    const store = new FileEventStore(directory, { onError });
    await store.saveEvent(eventOf(EventType.TRADE_EXECUTED, trade(1), { sequenceNumber: 0, timestamp: '2025-08-14T10:00:00Z' }));
    appendFileSync(join(directory, 'events', 'events_20250814.jsonl'), '{"event_type": "trade_executed", "da');
    const reopened = new FileEventStore(directory, { onError });
    expect(sequences(await reopened.getEvents())).toEqual([0]);
    expect(errors[0]?.code).toBe('STORE_FAILED');
    expect(errors[0]?.message).toMatch(/events_20250814\.jsonl line 2 is not a readable event/);
    await reopened.saveEvent(eventOf(EventType.TRADE_EXECUTED, trade(2), { sequenceNumber: 1, timestamp: '2025-08-14T11:00:00Z' }));
    expect(sequences(await reopened.getEvents())).toEqual([0, 1]);
  });

  it('answers false and reports STORE_FAILED when it cannot write', async () => {
    const directory = tempDir();
    writeFileSync(join(directory, 'events'), 'a file where the events directory should be');
    const { errors, onError } = errorSink();
    const store = new FileEventStore(directory, { onError });
    const event = eventOf(EventType.TRADE_EXECUTED, trade(1), { eventId: 'e-9' });
    expect(await store.saveEvent(event)).toBe(false);
    expect(errors[0]).toMatchObject({ code: 'STORE_FAILED', eventId: 'e-9' });
  });

  it('answers false for data that cannot be JSON', async () => {
    const { errors, onError } = errorSink();
    const store = new FileEventStore(tempDir(), { onError });
    expect(await store.saveEvent(eventOf(EventType.RISK_ALERT, { amount: 10n }))).toBe(false);
    expect(errors[0]?.message).toMatch(/cannot be written as JSON/);
  });

  it('answers bad arguments with the legacy value and reports INVALID_EVENT', async () => {
    const { errors, onError } = errorSink();
    const store = new FileEventStore(tempDir(), { onError });
    expect(await store.saveEvent({} as Event)).toBe(false);
    expect(await store.getEvents({ fromSequence: 'two' as unknown as number })).toEqual([]);
    expect(await store.getEvents({ eventTypes: ['trade_exploded' as EventType] })).toEqual([]);
    expect(await store.saveSnapshot({} as EventSnapshot)).toBe(false);
    expect(await store.getLatestSnapshot(7 as unknown as string)).toBeNull();
    expect(errors.map((error) => error.code)).toEqual([
      'INVALID_EVENT',
      'INVALID_EVENT',
      'INVALID_EVENT',
      'INVALID_EVENT',
      'INVALID_EVENT',
    ]);
    expect(errors[2]?.message).toMatch(/unknown event types: \["trade_exploded"\]/);
  });

  it('refuses a storage path that is not a non-empty string with CONFIG_INVALID', () => {
    expect(() => new FileEventStore('')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => new FileEventStore(42 as unknown as string)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
