// Port of Marty's tests/unit/framework/test_event_strategies.py (the EventPriority of types.py), plus the
// types.py models. Python's test_event_data_creation imports an `Event` that types.py never defined, so it
// always skipped there; it has no counterpart here (test_event_models checks EventMetadata only, for the same reason).
import { describe, expect, it } from 'vitest';
import { EventPriority as BusEventPriority } from '../src/index.js';
import {
  AuditEventData,
  AuditEventType,
  DomainEventData,
  EventMetadata,
  EventPriority,
  NotificationEventData,
  NotificationEventType,
} from '../src/types.js';

describe('test_event_strategies', () => {
  it('test_import_event_types: EventPriority is an enum (a frozen object of constants)', () => {
    expect(Object.isFrozen(EventPriority)).toBe(true);
    expect(EventPriority).not.toBe(BusEventPriority);
  });

  it('test_event_priority_enum', () => {
    for (const name of ['LOW', 'NORMAL', 'HIGH', 'CRITICAL']) expect(EventPriority).toHaveProperty(name);
    expect(EventPriority.LOW).toBe('low');
    expect(EventPriority.NORMAL).toBe('normal');
    expect(EventPriority.HIGH).toBe('high');
    expect(EventPriority.CRITICAL).toBe('critical');
  });

  it('test_event_priority_iteration', () => {
    const priorities = Object.values(EventPriority);
    expect(priorities).toHaveLength(4);
    for (const expected of ['low', 'normal', 'high', 'critical']) expect(priorities).toContain(expected);
  });

  it('test_event_models: EventMetadata exists', () => {
    expect(EventMetadata).toBeTypeOf('function');
  });

  it('test_event_validation', () => {
    expect(EventPriority.CRITICAL).not.toBe(EventPriority.LOW);
    expect(EventPriority.HIGH).not.toBe(EventPriority.NORMAL);
    expect(new Set([EventPriority.LOW, EventPriority.NORMAL, EventPriority.HIGH, EventPriority.CRITICAL]).size).toBe(4);
  });
});

describe('types.py models', () => {
  it('EventMetadata has the pydantic defaults and a snake_case JSON form', () => {
    const metadata = new EventMetadata('user-service', {
      timestamp: new Date('2025-10-18T12:00:00Z'),
      userId: 'u-1',
      sessionId: undefined,
    });
    expect(metadata.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(metadata.toJSON()).toEqual({
      event_id: metadata.eventId,
      timestamp: '2025-10-18T12:00:00+00:00',
      service_name: 'user-service',
      service_version: '1.0.0',
      correlation_id: null,
      causation_id: null,
      user_id: 'u-1',
      session_id: null,
      trace_id: null,
      span_id: null,
      request_id: null,
      priority: 'normal',
      source_ip: null,
      user_agent: null,
      custom_headers: {},
    });
    expect(new EventMetadata('s').timestamp).toBeInstanceOf(Date);
    expect(() => new EventMetadata('s', { priority: 2 as never })).toThrow(/not a valid EventPriority/);
  });

  it('AuditEventData', () => {
    const data = new AuditEventData(AuditEventType.CERTIFICATE_VALIDATED, 'validate', 'certificate', { resourceId: 'c-1' });
    expect(data.toJSON()).toEqual({
      event_type: 'certificate.validated',
      action: 'validate',
      resource_type: 'certificate',
      resource_id: 'c-1',
      operation_details: {},
      previous_state: null,
      new_state: null,
      security_context: {},
      success: true,
      error_message: null,
      error_code: null,
      compliance_tags: [],
      risk_level: 'low',
    });
    expect(() => new AuditEventData('user.nope' as never, 'a', 'b')).toThrow(/not a valid AuditEventType/);
  });

  it('NotificationEventData', () => {
    const data = new NotificationEventData(NotificationEventType.CERTIFICATE_RENEWAL_REQUIRED, 'admin', 'Renew', 'Soon', {
      deliveryTime: new Date('2025-10-18T12:00:00.5Z'),
    });
    expect(data.toJSON()).toMatchObject({
      event_type: 'certificate.renewal.required',
      recipient_type: 'admin',
      recipient_ids: [],
      subject: 'Renew',
      message: 'Soon',
      channels: ['email'],
      delivery_time: '2025-10-18T12:00:00.500000+00:00',
      expiry_time: null,
      attachments: [],
    });
  });

  it('DomainEventData keeps event_data keys as given', () => {
    const data = new DomainEventData('Order', 'o-1', 'placed', { eventData: { orderTotal: 5 } });
    expect(data.toJSON()).toEqual({
      aggregate_type: 'Order',
      aggregate_id: 'o-1',
      event_type: 'placed',
      event_version: 1,
      event_data: { orderTotal: 5 },
      business_context: {},
      schema_version: '1.0',
      schema_url: null,
    });
  });

  it('the audit and notification types have the Python values', () => {
    expect(Object.keys(AuditEventType)).toHaveLength(22);
    expect(AuditEventType.COMPLIANCE_VIOLATION).toBe('compliance.violation');
    expect(AuditEventType.USER_LOGIN_FAILED).toBe('user.login.failed');
    expect(Object.keys(NotificationEventType)).toHaveLength(13);
    expect(NotificationEventType.COMPLIANCE_REVIEW_DUE).toBe('compliance.review.due');
    for (const [name, value] of [...Object.entries(AuditEventType), ...Object.entries(NotificationEventType)]) {
      expect(value.replaceAll('.', '_').toUpperCase(), name).toBe(name);
    }
  });
});
