import { describe, expect, it } from 'vitest';
import { createEventId } from '../src/index.js';
import { createEnvelope, normalizeEnvelope } from '../src/plugin-kit.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const defaults = { source: 'test-source', createId: createEventId };

describe('createEnvelope', () => {
  it('builds a CloudEvents 1.0 envelope with id, source, time and data', () => {
    const event = createEnvelope('orders.created', { id: 'o-1' }, undefined, defaults);
    expect(event).toMatchObject({ type: 'orders.created', source: 'test-source', specversion: '1.0', data: { id: 'o-1' } });
    expect(event.id).toMatch(UUID_V7);
    expect(Number.isNaN(Date.parse(event.time as string))).toBe(false);
  });

  it('maps options to attributes and extensions, lowercase', () => {
    const event = createEnvelope(
      'orders.created',
      1,
      {
        id: 'e-1',
        key: 'o-1',
        subject: 'o-1',
        correlationId: 'c-1',
        causationId: 'p-1',
        tenantId: 't-1',
        priority: 5,
        schemaVersion: '2',
        time: new Date('2026-01-02T03:04:05.000Z'),
        extensions: { region: 'eu' },
      },
      defaults,
    );
    expect(event).toMatchObject({
      id: 'e-1',
      partitionkey: 'o-1',
      subject: 'o-1',
      correlationid: 'c-1',
      causationid: 'p-1',
      tenantid: 't-1',
      priority: 5,
      schemaversion: '2',
      time: '2026-01-02T03:04:05.000Z',
      region: 'eu',
    });
  });

  it.each([
    ['an empty type', () => createEnvelope('', 1, undefined, defaults)],
    ['a non-string type', () => createEnvelope(42 as unknown as string, 1, undefined, defaults)],
    ['an uppercase extension name', () => createEnvelope('a', 1, { extensions: { Region: 'x' } }, defaults)],
    ['an extension shadowing a core attribute', () => createEnvelope('a', 1, { extensions: { type: 'x' } }, defaults)],
    ['a non-finite priority', () => createEnvelope('a', 1, { priority: Number.NaN }, defaults)],
    ['an invalid date', () => createEnvelope('a', 1, { time: new Date('nope') }, defaults)],
    ['a non-string subject', () => createEnvelope('a', 1, { subject: 7 as unknown as string }, defaults)],
  ])('rejects %s with INVALID_EVENT', (_name, build) => {
    expect(build).toThrowError(expect.objectContaining({ code: 'INVALID_EVENT' }));
  });

  it('names the event id in the error when it is known', () => {
    expect(() => createEnvelope('a', 1, { id: 'e-9', subject: 1 as unknown as string }, defaults)).toThrowError(
      expect.objectContaining({ eventId: 'e-9' }),
    );
  });
});

describe('normalizeEnvelope', () => {
  it('fills id, source, specversion and time and keeps extensions', () => {
    const event = normalizeEnvelope({ type: 'a.b', data: 1, traceparent: '00-abc', custom: 'x' }, defaults);
    expect(event).toMatchObject({ type: 'a.b', source: 'test-source', specversion: '1.0', data: 1, traceparent: '00-abc', custom: 'x' });
    expect(typeof event.id).toBe('string');
  });

  it('keeps the given id, source and time', () => {
    const event = normalizeEnvelope({ type: 'a', id: 'i', source: 's', time: '2024-01-02T03:04:05Z' }, defaults);
    expect(event).toMatchObject({ id: 'i', source: 's', time: '2024-01-02T03:04:05Z' });
  });

  it.each([
    ['null', null],
    ['a string', 'orders.created'],
    ['no type', { data: 1 }],
    ['another specversion', { type: 'a', specversion: '0.3' }],
    ['a numeric source', { type: 'a', source: 1 }],
  ])('rejects %s with INVALID_EVENT', (_name, input) => {
    expect(() => normalizeEnvelope(input as never, defaults)).toThrowError(expect.objectContaining({ code: 'INVALID_EVENT' }));
  });
});
