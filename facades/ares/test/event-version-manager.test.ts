import { describe, expect, it } from 'vitest';
import { Event, EventMetadata, EventType, EventVersionManager } from '../src/index.js';

function marketData(data: unknown, schemaVersion = '1.0.0', timestamp?: string): Event {
  return new Event(EventType.MARKET_DATA_RECEIVED, data, { metadata: new EventMetadata({ schemaVersion, timestamp }) });
}

describe('EventVersionManager (legacy TestEventVersionManager)', () => {
  it('test_validate_event_schema_valid: data with the 1.0.0 fields is valid', () => {
    const versions = new EventVersionManager();
    expect(versions.validateEventSchema(marketData({ symbol: 'BTCUSDT', price: 50000, volume: 100 }))).toBe(true);
  });

  it('test_validate_event_schema_missing_field: data missing price and volume is not valid', () => {
    const versions = new EventVersionManager();
    expect(versions.validateEventSchema(marketData({ symbol: 'BTCUSDT' }))).toBe(false);
  });

  it('test_migrate_event: 1.0.0 → 1.1.0 sets schemaVersion and adds data.timestamp', () => {
    const versions = new EventVersionManager();
    const event = marketData({ symbol: 'BTCUSDT', price: 50000, volume: 100 }, '1.0.0', '2025-08-14T12:00:00Z');
    const migrated = versions.migrateEvent(event, '1.1.0');
    expect(migrated.metadata.schemaVersion).toBe('1.1.0');
    expect(migrated.data).toHaveProperty('timestamp', '2025-08-14T12:00:00.000000+00:00');
    expect(versions.validateEventSchema(migrated)).toBe(true);
  });
});

describe('EventVersionManager behaviours', () => {
  it('has the legacy version mappings', () => {
    const { versionMappings } = new EventVersionManager();
    expect(versionMappings['1.0.0']?.market_data_received?.requiredFields).toEqual(['symbol', 'price', 'volume']);
    expect(versionMappings['1.0.0']?.trade_executed?.requiredFields).toEqual(['symbol', 'side', 'quantity', 'price']);
    expect(versionMappings['1.1.0']?.market_data_received?.requiredFields).toEqual(['symbol', 'price', 'volume', 'timestamp']);
    expect(versionMappings['1.1.0']?.trade_executed?.requiredFields).toEqual(['symbol', 'side', 'quantity', 'price', 'order_id']);
    expect(Object.isFrozen(versionMappings['1.1.0'])).toBe(true);
  });

  it('keeps them in a @bus/schema registry, by type and version', () => {
    const { registry } = new EventVersionManager();
    expect(registry.versions(EventType.TRADE_EXECUTED)).toEqual(['1.0.0', '1.1.0']);
    expect(registry.versions(EventType.MARKET_DATA_RECEIVED)).toEqual(['1.0.0', '1.1.0']);
    expect(registry.versions(EventType.RISK_ALERT)).toEqual([]);
  });

  it('requires order_id for trade_executed at 1.1.0 but not at 1.0.0', () => {
    const versions = new EventVersionManager();
    const trade = { symbol: 'BTCUSDT', side: 'buy', quantity: 1, price: 50000 };
    const at = (schemaVersion: string, data: object) =>
      new Event(EventType.TRADE_EXECUTED, data, { metadata: new EventMetadata({ schemaVersion }) });
    expect(versions.validateEventSchema(at('1.0.0', trade))).toBe(true);
    expect(versions.validateEventSchema(at('1.1.0', trade))).toBe(false);
    expect(versions.validateEventSchema(at('1.1.0', { ...trade, order_id: 'o-1' }))).toBe(true);
  });

  it('treats an unknown version, a type without a schema, or data that is not an object as valid', () => {
    const versions = new EventVersionManager();
    expect(versions.validateEventSchema(marketData({}, '9.9.9'))).toBe(true);
    expect(versions.validateEventSchema(new Event(EventType.RISK_ALERT, {}))).toBe(true);
    expect(versions.validateEventSchema(marketData('a string'))).toBe(true);
    expect(versions.validateEventSchema(marketData([1, 2, 3]))).toBe(true);
  });

  it('returns false for anything that is not an Event, as the legacy did', () => {
    const versions = new EventVersionManager();
    expect(versions.validateEventSchema({ eventType: 'market_data_received' } as unknown as Event)).toBe(false);
  });

  it('migrates to a copy: the original event and its data are unchanged', () => {
    const versions = new EventVersionManager();
    const data = { symbol: 'BTCUSDT', price: 1, volume: 2 };
    const event = marketData(data);
    event.metadata.tags.desk = 'a';
    const migrated = versions.migrateEvent(event, '1.1.0');
    expect(migrated).not.toBe(event);
    expect(event.metadata.schemaVersion).toBe('1.0.0');
    expect(data).not.toHaveProperty('timestamp');
    migrated.metadata.tags.desk = 'b';
    expect(event.metadata.tags.desk).toBe('a');
    expect(migrated.metadata.eventId).toBe(event.metadata.eventId);
  });

  it('keeps a timestamp the data already has', () => {
    const versions = new EventVersionManager();
    const migrated = versions.migrateEvent(marketData({ symbol: 'X', price: 1, volume: 1, timestamp: 'given' }), '1.1.0');
    expect(migrated.data).toEqual({ symbol: 'X', price: 1, volume: 1, timestamp: 'given' });
  });

  it('returns the event itself when it is at the target version already', () => {
    const versions = new EventVersionManager();
    const event = marketData({ symbol: 'X', price: 1, volume: 1 }, '1.1.0');
    expect(versions.migrateEvent(event, '1.1.0')).toBe(event);
  });

  it('only relabels a copy for a pair no upcaster leads between, as the legacy did', () => {
    const versions = new EventVersionManager();
    const older = versions.migrateEvent(marketData({ symbol: 'X' }, '0.9.0'), '1.1.0');
    expect([older.metadata.schemaVersion, older.data]).toEqual(['1.1.0', { symbol: 'X' }]);
    const back = versions.migrateEvent(marketData({ symbol: 'X' }, '1.1.0'), '1.0.0');
    expect([back.metadata.schemaVersion, back.data]).toEqual(['1.0.0', { symbol: 'X' }]);
  });

  it('migrates every event type, not only those with schemas', () => {
    const versions = new EventVersionManager();
    const alert = new Event(
      EventType.RISK_ALERT,
      { level: 'high' },
      { metadata: new EventMetadata({ timestamp: '2025-01-01T00:00:00Z' }) },
    );
    expect(versions.migrateEvent(alert, '1.1.0').data).toEqual({ level: 'high', timestamp: '2025-01-01T00:00:00.000000+00:00' });
  });

  it('upcasts stored CloudEvents envelopes through its registry (for @bus/persistence upcast hooks)', () => {
    const { registry } = new EventVersionManager();
    const upcast = registry.upcast({
      id: 'e-1',
      source: 'ares',
      type: 'trade_executed',
      specversion: '1.0',
      time: '2025-08-14T12:00:00.000000+00:00',
      schemaversion: '1.0.0',
      data: { symbol: 'BTCUSDT' },
    });
    expect([upcast.schemaversion, upcast.data]).toEqual(['1.1.0', { symbol: 'BTCUSDT', timestamp: '2025-08-14T12:00:00.000000+00:00' }]);
  });

  it('refuses to migrate something that is not an Event, or to an empty version, with INVALID_EVENT', () => {
    const versions = new EventVersionManager();
    expect(() => versions.migrateEvent({} as Event, '1.1.0')).toThrow(expect.objectContaining({ code: 'INVALID_EVENT' }));
    expect(() => versions.migrateEvent(marketData({}), '')).toThrow(expect.objectContaining({ code: 'INVALID_EVENT' }));
  });
});
