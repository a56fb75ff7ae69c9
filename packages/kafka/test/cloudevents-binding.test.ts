// The CloudEvents Kafka binding on its own (no broker): how an envelope is
// laid out in a record, and which records are refused as no CloudEvent.
import { BusError, type EventEnvelope } from '@bus/core';
import { describe, expect, it } from 'vitest';
import { decodeCloudEvent, encodeCloudEvent, STRUCTURED_CONTENT_TYPE } from '../src/index.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function envelope(overrides: Partial<EventEnvelope> = {}): EventEnvelope {
  return {
    id: 'e-1',
    source: 'urn:test',
    type: 'orders.created',
    specversion: '1.0',
    time: '2024-02-29T12:34:56.789Z',
    datacontenttype: 'application/json',
    data: bytes('{"id":"o-1"}'),
    ...overrides,
  };
}

describe('binary mode', () => {
  it('maps attributes to ce_ headers as strings, datacontenttype to content-type, and data to the value', () => {
    const record = encodeCloudEvent(envelope({ subject: 'o-1', partitionkey: 'k-1', priority: 5, urgent: true, tenantid: 't' }));
    expect(Object.fromEntries(record.headers)).toEqual({
      ce_id: 'e-1',
      ce_source: 'urn:test',
      ce_type: 'orders.created',
      ce_specversion: '1.0',
      ce_time: '2024-02-29T12:34:56.789Z',
      ce_subject: 'o-1',
      ce_partitionkey: 'k-1',
      ce_priority: '5',
      ce_urgent: 'true',
      ce_tenantid: 't',
      'content-type': 'application/json',
    });
    expect(record.value?.toString()).toBe('{"id":"o-1"}');
    expect(record.key).toBe('k-1');
  });

  it('keys the record by partitionkey, else subject, else nothing', () => {
    expect(encodeCloudEvent(envelope({ partitionkey: 'k', subject: 's' })).key).toBe('k');
    expect(encodeCloudEvent(envelope({ subject: 's' })).key).toBe('s');
    expect(encodeCloudEvent(envelope()).key).toBeUndefined();
  });

  it('reads back what it wrote, integers the bus types as numbers included', () => {
    const sent = envelope({ subject: 'o-1', partitionkey: 'k-1', priority: 5, correlationid: 'c', custom: 'x' });
    const record = encodeCloudEvent(sent);
    const received = decodeCloudEvent({ key: record.key, value: record.value, headers: record.headers });
    expect({ ...received, data: new Uint8Array(received.data ?? []) }).toEqual(sent);
  });

  it('sends an event without data as a record without a value, and reads it back without data', () => {
    const { datacontenttype: _none, ...withoutContentType } = envelope({ data: undefined });
    const record = encodeCloudEvent(withoutContentType);
    expect(record.value).toBeNull();
    expect(decodeCloudEvent(record).data).toBeUndefined();
  });

  it('reads header names case-insensitively and from Buffer entries, as consumed records carry them', () => {
    const headers = new Map([
      [Buffer.from('CE_ID'), Buffer.from('e-2')],
      [Buffer.from('ce_source'), Buffer.from('urn:x')],
      [Buffer.from('ce_type'), Buffer.from('t')],
      [Buffer.from('ce_specversion'), Buffer.from('1.0')],
    ]);
    expect(decodeCloudEvent({ value: Buffer.from('x'), headers })).toMatchObject({ id: 'e-2', source: 'urn:x', type: 't' });
  });
});

describe('structured mode', () => {
  it('puts the whole event in the value as JSON, with JSON data as a value and other data as data_base64', () => {
    const json = encodeCloudEvent(envelope({ partitionkey: 'k', priority: 2 }), 'structured');
    expect(Object.fromEntries(json.headers)).toEqual({ 'content-type': STRUCTURED_CONTENT_TYPE });
    expect(json.key).toBe('k');
    expect(JSON.parse(json.value?.toString() ?? '')).toEqual({
      id: 'e-1',
      source: 'urn:test',
      type: 'orders.created',
      specversion: '1.0',
      time: '2024-02-29T12:34:56.789Z',
      datacontenttype: 'application/json',
      partitionkey: 'k',
      priority: 2,
      data: { id: 'o-1' },
    });
    const binary = encodeCloudEvent(
      envelope({ datacontenttype: 'application/octet-stream', data: new Uint8Array([0, 255, 1]) }),
      'structured',
    );
    expect(JSON.parse(binary.value?.toString() ?? '')).toMatchObject({ data_base64: 'AP8B' });
    expect([...(decodeCloudEvent(binary).data ?? [])]).toEqual([0, 255, 1]);
  });

  it('reads JSON data back as JSON bytes for the decode phase', () => {
    const record = encodeCloudEvent(envelope(), 'structured');
    const received = decodeCloudEvent(record);
    expect(JSON.parse(received.data?.toString() ?? '')).toEqual({ id: 'o-1' });
    expect(received.datacontenttype).toBe('application/json');
  });
});

describe('what is refused', () => {
  it('refuses data that is not bytes with ENCODE_FAILED naming the fix: a serialization plugin', () => {
    const failure = (() => {
      try {
        encodeCloudEvent(envelope({ data: { id: 'o-1' } }));
      } catch (error) {
        return error;
      }
    })();
    expect(failure).toBeInstanceOf(BusError);
    expect(failure).toMatchObject({ code: 'ENCODE_FAILED', eventId: 'e-1' });
    expect((failure as BusError).message).toMatch(/serialization plugin/);
  });

  it('refuses attributes that are not strings, integers or booleans, and names that are not lowercase alphanumerics', () => {
    expect(() => encodeCloudEvent(envelope({ region: { name: 'eu' } }))).toThrow(expect.objectContaining({ code: 'ENCODE_FAILED' }));
    expect(() => encodeCloudEvent(envelope({ Region: 'eu' }))).toThrow(expect.objectContaining({ code: 'ENCODE_FAILED' }));
  });

  it.each([
    ['no ce_specversion header', { value: Buffer.from('{}'), headers: { 'content-type': 'application/json' } }],
    ['a spec version other than 1.0', { value: null, headers: { ce_specversion: '0.3', ce_id: '1', ce_source: 's', ce_type: 't' } }],
    ['no id', { value: null, headers: { ce_specversion: '1.0', ce_source: 's', ce_type: 't' } }],
    ['a batch', { value: Buffer.from('[]'), headers: { 'content-type': 'application/cloudevents-batch+json' } }],
    ['malformed structured JSON', { value: Buffer.from('{'), headers: { 'content-type': STRUCTURED_CONTENT_TYPE } }],
    ['a structured value that is no object', { value: Buffer.from('[1]'), headers: { 'content-type': STRUCTURED_CONTENT_TYPE } }],
  ])('refuses a record with %s as DECODE_FAILED', (_what, record) => {
    expect(() => decodeCloudEvent(record)).toThrow(expect.objectContaining({ code: 'DECODE_FAILED' }));
  });
});
