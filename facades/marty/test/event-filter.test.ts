import { describe, expect, it } from 'vitest';
import { BaseEvent, EventFilter, EventMetadata, EventPriority } from '../src/index.js';

const at = new Date('2025-10-18T12:00:00Z');
const event = new BaseEvent({
  eventType: 'order.placed',
  data: { region: 'eu', lines: [{ sku: 'a' }] },
  metadata: new EventMetadata('e-1', 'order.placed', at, {
    sourceService: 'orders',
    tenantId: 'acme',
    correlationId: 'c-1',
    tags: ['vip', 'eu'],
    priority: EventPriority.HIGH,
  }),
});

describe('EventFilter.matches', () => {
  it('matches everything when no criterion is set, and ignores empty lists', () => {
    expect(new EventFilter().matches(event)).toBe(true);
    expect(new EventFilter({ eventTypes: [], tags: [], tenantIds: [], sourceServices: null }).matches(event)).toBe(true);
  });

  it('applies the list criteria to type, source service, tenant and correlation id', () => {
    expect(new EventFilter({ eventTypes: ['order.placed', 'x'] }).matches(event)).toBe(true);
    expect(new EventFilter({ eventTypes: ['order.shipped'] }).matches(event)).toBe(false);
    expect(new EventFilter({ sourceServices: ['billing'] }).matches(event)).toBe(false);
    expect(new EventFilter({ sourceServices: ['orders'] }).matches(event)).toBe(true);
    expect(new EventFilter({ tenantIds: ['other'] }).matches(event)).toBe(false);
    expect(new EventFilter({ correlationIds: ['c-1'] }).matches(event)).toBe(true);
    expect(new EventFilter({ correlationIds: ['c-2'] }).matches(event)).toBe(false);
  });

  it('a null metadata field is outside any list', () => {
    expect(new EventFilter({ sourceServices: ['orders'] }).matches(new BaseEvent({ eventType: 'a' }))).toBe(false);
  });

  it('matches tags on any overlap', () => {
    expect(new EventFilter({ tags: ['us', 'vip'] }).matches(event)).toBe(true);
    expect(new EventFilter({ tags: ['us'] }).matches(event)).toBe(false);
  });

  it('compares priorityMin by value', () => {
    expect(new EventFilter({ priorityMin: EventPriority.NORMAL }).matches(event)).toBe(true);
    expect(new EventFilter({ priorityMin: EventPriority.HIGH }).matches(event)).toBe(true);
    expect(new EventFilter({ priorityMin: EventPriority.CRITICAL }).matches(event)).toBe(false);
    expect(new EventFilter({ priorityMin: EventPriority.LOW }).matches(new BaseEvent({ priority: EventPriority.LOW }))).toBe(true);
  });

  it('keeps the timestamp range inclusive at both ends', () => {
    const before = new Date(at.getTime() - 1);
    const after = new Date(at.getTime() + 1);
    expect(new EventFilter({ timestampRange: [at, at] }).matches(event)).toBe(true);
    expect(new EventFilter({ timestampRange: [before, after] }).matches(event)).toBe(true);
    expect(new EventFilter({ timestampRange: [after, new Date(at.getTime() + 5)] }).matches(event)).toBe(false);
    expect(new EventFilter({ timestampRange: [new Date(0), before] }).matches(event)).toBe(false);
  });

  it('compares custom filters only for keys present in data, deeply', () => {
    expect(new EventFilter({ customFilters: { region: 'eu' } }).matches(event)).toBe(true);
    expect(new EventFilter({ customFilters: { region: 'us' } }).matches(event)).toBe(false);
    expect(new EventFilter({ customFilters: { missing: 'anything' } }).matches(event)).toBe(true);
    expect(new EventFilter({ customFilters: { lines: [{ sku: 'a' }] } }).matches(event)).toBe(true);
    expect(new EventFilter({ customFilters: { lines: [{ sku: 'b' }] } }).matches(event)).toBe(false);
  });

  it('needs every criterion that is set', () => {
    expect(new EventFilter({ eventTypes: ['order.placed'], tenantIds: ['acme'], tags: ['vip'] }).matches(event)).toBe(true);
    expect(new EventFilter({ eventTypes: ['order.placed'], tenantIds: ['other'] }).matches(event)).toBe(false);
  });
});
