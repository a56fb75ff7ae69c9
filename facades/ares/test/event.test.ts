import { BusError } from '@bus/core';
import { describe, expect, it } from 'vitest';
import { Event, EventMetadata, EventSnapshot, EventStatus, EventType } from '../src/index.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('EventType and EventStatus enums', () => {
  it('are frozen objects whose values are the snake_case member names', () => {
    expect(Object.isFrozen(EventType)).toBe(true);
    expect(Object.isFrozen(EventStatus)).toBe(true);
    expect(EventType.TRADE_EXECUTED).toBe('trade_executed');
    for (const [name, value] of Object.entries(EventType)) expect(value).toBe(name.toLowerCase());
    expect(Object.keys(EventType)).toHaveLength(14);
  });

  it('have lowercase EventStatus values', () => {
    expect(Object.values(EventStatus)).toEqual(['pending', 'processing', 'processed', 'failed', 'retrying']);
  });
});

describe('Event (legacy TestEvent)', () => {
  it('test_event_creation: keeps the type, data and metadata', () => {
    const metadata = new EventMetadata({ source: 'test', aggregateId: 'test_aggregate' });
    const event = new Event(EventType.MARKET_DATA_RECEIVED, { symbol: 'BTCUSDT', price: 50000 }, { metadata });
    expect(event.eventType).toBe(EventType.MARKET_DATA_RECEIVED);
    expect(event.data.symbol).toBe('BTCUSDT');
    expect(event.metadata.source).toBe('test');
    expect(event.metadata.aggregateId).toBe('test_aggregate');
  });

  it('test_event_to_dict: gives the type value, the data and the metadata', () => {
    const metadata = new EventMetadata({ source: 'test', aggregateId: 'test_aggregate' });
    const event = new Event(EventType.TRADE_EXECUTED, { symbol: 'ETHUSDT', quantity: 1.0 }, { metadata });
    const dict = event.toDict();
    expect(dict.eventType).toBe('trade_executed');
    expect(dict.data.symbol).toBe('ETHUSDT');
    expect(dict.metadata.source).toBe('test');
    expect(dict.metadata.aggregateId).toBe('test_aggregate');
  });

  it('test_event_from_dict: reads the legacy snake_case dict', () => {
    const event = Event.fromDict<{ result: string }>({
      event_type: 'analysis_completed',
      data: { result: 'bullish' },
      metadata: {
        event_id: 'test-id',
        version: '1.0.0',
        schema_version: '1.0.0',
        timestamp: new Date().toISOString(),
        source: 'test',
        correlation_id: null,
        causation_id: null,
        aggregate_id: 'test_aggregate',
        sequence_number: 1,
        retry_count: 0,
        status: 'pending',
        tags: {},
      },
    });
    expect(event.eventType).toBe(EventType.ANALYSIS_COMPLETED);
    expect(event.data.result).toBe('bullish');
    expect(event.metadata.source).toBe('test');
    expect(event.metadata.aggregateId).toBe('test_aggregate');
    expect(event.metadata.sequenceNumber).toBe(1);
  });

  it('has the legacy metadata defaults: a UUID4 id, versions 1.0.0, now, pending, empty tags', () => {
    const before = Date.now();
    const metadata = new EventMetadata();
    expect(metadata.eventId).toMatch(UUID_V4);
    expect([metadata.version, metadata.schemaVersion]).toEqual(['1.0.0', '1.0.0']);
    expect(metadata.timestamp.getTime()).toBeGreaterThanOrEqual(before);
    expect(metadata.source).toBe('');
    expect([metadata.correlationId, metadata.causationId, metadata.aggregateId]).toEqual([null, null, null]);
    expect([metadata.sequenceNumber, metadata.retryCount]).toEqual([0, 0]);
    expect(metadata.status).toBe(EventStatus.PENDING);
    expect(metadata.tags).toEqual({});
    expect(new Event(EventType.RISK_ALERT, null).metadata).toBeInstanceOf(EventMetadata);
  });

  it('round-trips through toDict() and fromDict() with every field', () => {
    const metadata = new EventMetadata({
      eventId: 'e-1',
      version: '2.0.0',
      schemaVersion: '1.1.0',
      timestamp: '2025-08-14T12:34:56.789Z',
      source: 'ExchangeAPI',
      correlationId: 'c-1',
      causationId: 'e-0',
      aggregateId: 'trader_1',
      sequenceNumber: 42,
      retryCount: 2,
      status: EventStatus.PROCESSED,
      tags: { venue: 'binance' },
    });
    const event = new Event(EventType.TRADE_EXECUTED, { symbol: 'BTCUSDT' }, { metadata });
    const copy = Event.fromDict(event.toDict());
    expect(copy.toDict()).toEqual(event.toDict());
    expect(copy.metadata.timestamp.toISOString()).toBe('2025-08-14T12:34:56.789Z');
  });

  it('writes the legacy JSON (snake_case keys, Python isoformat timestamp) through JSON.stringify', () => {
    const metadata = new EventMetadata({
      eventId: 'e-1',
      timestamp: new Date(Date.UTC(2025, 7, 14, 12, 0, 0, 5)),
      aggregateId: 'trader_1',
    });
    const json = JSON.parse(JSON.stringify(new Event(EventType.TRADE_EXECUTED, { quantity: 1 }, { metadata })));
    expect(json).toEqual({
      event_type: 'trade_executed',
      data: { quantity: 1 },
      metadata: {
        event_id: 'e-1',
        version: '1.0.0',
        schema_version: '1.0.0',
        timestamp: '2025-08-14T12:00:00.005000+00:00',
        source: '',
        correlation_id: null,
        causation_id: null,
        aggregate_id: 'trader_1',
        sequence_number: 0,
        retry_count: 0,
        status: 'pending',
        tags: {},
      },
    });
    expect(Event.fromDict(json).metadata.timestamp.getTime()).toBe(Date.UTC(2025, 7, 14, 12, 0, 0, 5));
  });

  it('reads what the Python system wrote: str(datetime) timestamps, EventStatus.X statuses, naive times as UTC', () => {
    const written = Event.fromDict({
      event_type: 'trade_executed',
      data: {},
      metadata: { timestamp: '2024-01-15 10:30:00.123456+00:00', status: 'EventStatus.PROCESSED' },
    });
    expect(written.metadata.timestamp.toISOString()).toBe('2024-01-15T10:30:00.123Z');
    expect(written.metadata.status).toBe(EventStatus.PROCESSED);
    const naive = Event.fromDict({ event_type: 'trade_executed', data: {}, metadata: { timestamp: '2024-01-15T10:30:00' } });
    expect(naive.metadata.timestamp.toISOString()).toBe('2024-01-15T10:30:00.000Z');
    const offset = Event.fromDict({ event_type: 'trade_executed', data: {}, metadata: { timestamp: '2024-01-15T12:30:00+02:00' } });
    expect(offset.metadata.timestamp.toISOString()).toBe('2024-01-15T10:30:00.000Z');
  });

  it('gives missing metadata keys their defaults, as the legacy from_dict did', () => {
    const event = Event.fromDict({ event_type: 'risk_alert', data: { level: 'high' } });
    expect(event.metadata.eventId).toMatch(UUID_V4);
    expect(event.metadata.status).toBe(EventStatus.PENDING);
  });

  it('refuses an unknown event type with INVALID_EVENT', () => {
    expect(() => new Event('trade_exploded' as EventType, {})).toThrow(expect.objectContaining({ code: 'INVALID_EVENT' }));
    expect(() => Event.fromDict({ event_type: 'nope', data: {} })).toThrow(/unknown event type "nope"/);
  });

  it('refuses a dict without data, or metadata of the wrong types, with INVALID_EVENT', () => {
    expect(() => Event.fromDict({ event_type: 'risk_alert' })).toThrow(/no 'data'/);
    const bad = [
      { sequence_number: -1 },
      { sequence_number: '3' },
      { status: 'done' },
      { timestamp: 'yesterday' },
      { timestamp: '2024-02-30T00:00:00' },
      { source: 7 },
      { tags: 'x' },
      { event_id: '' },
    ];
    for (const metadata of bad) {
      let caught: unknown;
      try {
        Event.fromDict({ event_type: 'risk_alert', data: {}, metadata });
      } catch (error) {
        caught = error;
      }
      expect(caught, JSON.stringify(metadata)).toBeInstanceOf(BusError);
      expect((caught as BusError).code).toBe('INVALID_EVENT');
    }
    expect(() => new Event(EventType.RISK_ALERT, {}, { metadata: {} as EventMetadata })).toThrow(/EventMetadata/);
  });
});

describe('EventSnapshot', () => {
  it('has the legacy defaults', () => {
    const snapshot = new EventSnapshot();
    expect(snapshot.snapshotId).toMatch(UUID_V4);
    expect([snapshot.aggregateId, snapshot.sequenceNumber, snapshot.version]).toEqual(['', 0, '1.0.0']);
    expect(snapshot.stateData).toEqual({});
  });

  it('round-trips through toDict()/fromDict() and writes snake_case JSON', () => {
    const snapshot = new EventSnapshot({
      snapshotId: 's-1',
      timestamp: '2025-08-14T00:00:00Z',
      aggregateId: 'trader_1',
      sequenceNumber: 10,
      stateData: { balance: 1000 },
    });
    expect(EventSnapshot.fromDict(snapshot.toDict()).toDict()).toEqual(snapshot.toDict());
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual({
      snapshot_id: 's-1',
      timestamp: '2025-08-14T00:00:00.000000+00:00',
      aggregate_id: 'trader_1',
      sequence_number: 10,
      state_data: { balance: 1000 },
      version: '1.0.0',
    });
    expect(EventSnapshot.fromDict(JSON.parse(JSON.stringify(snapshot))).stateData).toEqual({ balance: 1000 });
  });

  it('refuses fields of the wrong type with INVALID_EVENT', () => {
    expect(() => new EventSnapshot({ sequenceNumber: 1.5 })).toThrow(expect.objectContaining({ code: 'INVALID_EVENT' }));
    expect(() => EventSnapshot.fromDict({ state_data: [] })).toThrow(/stateData/);
    expect(() => EventSnapshot.fromDict({ aggregate_id: 3 })).toThrow(/aggregateId/);
  });
});
