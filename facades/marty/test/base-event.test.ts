import { BusError } from '@bus/core';
import { describe, expect, it } from 'vitest';
import {
  BaseEvent,
  EventFilter,
  EventMetadata,
  EventPriority,
  EventPublishingError,
  EventValidationError,
  isoformat,
  KafkaConnectionError,
  OutboxError,
  parseIsoformat,
  pythonStr,
} from '../src/index.js';

const at = new Date('2025-10-18T12:00:00.250Z');

describe('isoformat and parseIsoformat', () => {
  it('writes Python isoformat() of an aware UTC datetime', () => {
    expect(isoformat(at)).toBe('2025-10-18T12:00:00.250000+00:00');
    expect(isoformat(new Date('2025-10-18T12:00:00Z'))).toBe('2025-10-18T12:00:00+00:00');
  });

  it('reads offsets, Z, a space, microseconds and naive times (as UTC)', () => {
    const expected = at.getTime();
    for (const text of [
      '2025-10-18T12:00:00.250000+00:00',
      '2025-10-18T12:00:00.250Z',
      '2025-10-18 12:00:00.250123',
      '2025-10-18T14:00:00.250+02:00',
      '2025-10-18T07:00:00.25-0500',
    ]) {
      expect(parseIsoformat(text).getTime(), text).toBe(expected);
    }
    expect(parseIsoformat(at)).not.toBe(at);
  });

  it('refuses what is not a time', () => {
    expect(() => parseIsoformat('yesterday')).toThrow(EventValidationError);
    expect(() => parseIsoformat(42)).toThrow(/ISO 8601/);
    expect(() => parseIsoformat(new Date(Number.NaN))).toThrow(EventValidationError);
  });
});

describe('pythonStr', () => {
  it('follows the str() rule', () => {
    expect(pythonStr(new Error('boom'))).toBe('boom');
    expect(pythonStr(null)).toBe('None');
    expect(pythonStr(undefined)).toBe('None');
    expect(pythonStr({ id: 1 })).toBe('{"id":1}');
    expect(pythonStr(['a'])).toBe('["a"]');
    expect(pythonStr(42)).toBe('42');
    expect(pythonStr('u-1')).toBe('u-1');
  });
});

describe('EventMetadata', () => {
  it('has the Python defaults', () => {
    const metadata = new EventMetadata('e-1', 'user.created', at);
    expect(metadata).toMatchObject({
      eventId: 'e-1',
      eventType: 'user.created',
      timestamp: at,
      correlationId: null,
      causationId: null,
      userId: null,
      tenantId: null,
      sourceService: null,
      traceId: null,
      spanId: null,
      version: 1,
      priority: EventPriority.NORMAL,
      headers: {},
      tags: [],
      expiry: null,
    });
  });

  it('toJSON() is the snake_case Python form, in Python order', () => {
    const metadata = new EventMetadata('e-1', 'user.created', at, {
      correlationId: 'c-1',
      priority: EventPriority.HIGH,
      expiry: at,
      tags: ['t'],
    });
    expect(metadata.toJSON()).toEqual({
      event_id: 'e-1',
      event_type: 'user.created',
      timestamp: '2025-10-18T12:00:00.250000+00:00',
      correlation_id: 'c-1',
      causation_id: null,
      user_id: null,
      tenant_id: null,
      source_service: null,
      trace_id: null,
      span_id: null,
      version: 1,
      priority: 3,
      headers: {},
      tags: ['t'],
      expiry: '2025-10-18T12:00:00.250000+00:00',
    });
    expect(Object.keys(metadata.toDict())).toEqual([
      'eventId',
      'eventType',
      'timestamp',
      'correlationId',
      'causationId',
      'userId',
      'tenantId',
      'sourceService',
      'traceId',
      'spanId',
      'version',
      'priority',
      'headers',
      'tags',
      'expiry',
    ]);
  });

  it('fromDict reads both forms back', () => {
    const metadata = new EventMetadata('e-1', 'user.created', at, {
      tenantId: 'acme',
      priority: EventPriority.CRITICAL,
      expiry: at,
      headers: { h: 'v' },
    });
    for (const dict of [metadata.toJSON(), metadata.toDict(), JSON.parse(JSON.stringify(metadata))]) {
      expect(EventMetadata.fromDict(dict)).toEqual(metadata);
    }
  });

  it('fromDict refuses a priority that is not 1 to 4, and non-string ids', () => {
    expect(() => EventMetadata.fromDict({ event_id: 'e', event_type: 't', priority: 'high' })).toThrow(EventValidationError);
    expect(() => EventMetadata.fromDict({ event_id: 5 })).toThrow(/event_id and event_type must be strings/);
  });
});

describe('BaseEvent', () => {
  it('defaults the type to the class name and generates metadata from the keyword fields', () => {
    class UserCreated extends BaseEvent {}
    const event = new UserCreated({ data: { id: 'u-1' }, tenantId: 'acme', priority: EventPriority.HIGH });
    expect(event.eventType).toBe('UserCreated');
    expect(event.metadata.eventType).toBe('UserCreated');
    expect(event.metadata.tenantId).toBe('acme');
    expect(event.metadata.priority).toBe(3);
    expect(event.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.timestamp).toBeInstanceOf(Date);
    expect(new BaseEvent().eventType).toBe('BaseEvent');
    expect(new BaseEvent({ eventType: '' }).eventType).toBe('BaseEvent');
    expect(new BaseEvent().data).toEqual({});
  });

  it('keeps a given metadata as it is', () => {
    const metadata = new EventMetadata('e-1', 'other.type', at);
    const event = new BaseEvent({ eventType: 'user.created', metadata });
    expect(event.metadata).toBe(metadata);
    expect(event.eventId).toBe('e-1');
    expect(event.timestamp).toBe(at);
  });

  it('toJSON() is Python to_dict() and JSON.stringify uses it', () => {
    const event = new BaseEvent({
      eventType: 'user.created',
      data: { user_id: 1 },
      metadata: new EventMetadata('e-1', 'user.created', at),
    });
    const json = event.toJSON();
    expect(Object.keys(json)).toEqual(['event_type', 'data', 'metadata']);
    expect(json.data).toEqual({ user_id: 1 });
    expect((json.metadata as Record<string, unknown>).timestamp).toBe('2025-10-18T12:00:00.250000+00:00');
    expect((json.metadata as Record<string, unknown>).priority).toBe(2);
    expect(JSON.parse(JSON.stringify(event))).toEqual(json);
    expect(event.toDict()).toEqual({ eventType: 'user.created', data: { user_id: 1 }, metadata: event.metadata.toDict() });
  });

  it('fromDict / fromJSON round-trip both forms', () => {
    const event = new BaseEvent({ eventType: 'order.placed', data: { orderId: 7, nested: { a_b: 1 } }, correlationId: 'c-9', tags: ['x'] });
    for (const copy of [
      BaseEvent.fromDict(event.toJSON()),
      BaseEvent.fromDict(event.toDict()),
      BaseEvent.fromJSON(JSON.stringify(event)),
    ]) {
      expect(copy).toBeInstanceOf(BaseEvent);
      expect(copy.eventType).toBe('order.placed');
      expect(copy.data).toEqual({ orderId: 7, nested: { a_b: 1 } });
      expect(copy.metadata).toEqual(event.metadata);
    }
  });

  it('fromDict of a subclass builds that subclass, and fills what is missing as Python does', () => {
    class Pinged extends BaseEvent {}
    const copy = Pinged.fromDict({ data: { n: 1 } });
    expect(copy).toBeInstanceOf(Pinged);
    expect(copy.eventType).toBe('Pinged');
    expect(copy.metadata.eventType).toBe('BaseEvent');
    expect(copy.metadata.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(copy.metadata.priority).toBe(EventPriority.NORMAL);
  });

  it('fromJSON refuses text that is not an event', () => {
    expect(() => BaseEvent.fromJSON('{not json')).toThrow(EventValidationError);
    expect(() => BaseEvent.fromJSON('null')).toThrow(EventValidationError);
    expect(() => BaseEvent.fromDict({ event_type: 3 })).toThrow(/event_type must be a string/);
    expect(() => BaseEvent.fromDict({ data: 'x' })).toThrow(EventValidationError);
    expect(BaseEvent.fromDict({ event_type: 'a', data: null, metadata: null }).data).toEqual({});
  });

  it('matchesFilter delegates to the filter', () => {
    const event = new BaseEvent({ eventType: 'a.b' });
    expect(event.matchesFilter(new EventFilter({ eventTypes: ['a.b'] }))).toBe(true);
    expect(event.matchesFilter(new EventFilter({ eventTypes: ['c.d'] }))).toBe(false);
  });
});

describe('errors', () => {
  it('are BusErrors with the Python class name, event id and cause', () => {
    const cause = new Error('down');
    const error = new KafkaConnectionError('no broker', { eventId: 'e-1', cause });
    expect(error).toBeInstanceOf(EventPublishingError);
    expect(error).toBeInstanceOf(BusError);
    expect(BusError.is(error)).toBe(true);
    expect(error.name).toBe('KafkaConnectionError');
    expect(error.code).toBe('TRANSPORT_FAILED');
    expect(error.eventId).toBe('e-1');
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('no broker');
    const base = new EventPublishingError('failed', { eventId: null });
    expect(base.code).toBe('PUBLISH_FAILED');
    expect(base.eventId).toBeUndefined();
    expect(new OutboxError('x').code).toBe('STORE_FAILED');
    expect(new OutboxError('x')).not.toBeInstanceOf(KafkaConnectionError);
  });
});
