// plainValueBinding({ jsonAttributes }): attributes read from a JSON record
// value by dotted path, for topics whose producers put the event's id, time
// or priority inside the value (legacy services) — no broker needed.
import { describe, expect, it } from 'vitest';
import { type ConsumedRecord, plainValueBinding } from '../src/index.js';

const record = (value: string): ConsumedRecord => ({
  topic: 'user_created',
  partition: 2,
  offset: 7n,
  type: 'user.created',
  value: Buffer.from(value),
  headers: new Map(),
});

describe('plainValueBinding({ jsonAttributes })', () => {
  const binding = plainValueBinding({ jsonAttributes: { id: 'metadata.event_id', priority: 'metadata.priority', subject: 'data.user' } });

  it('reads the attributes at their paths and marks the event application/json', () => {
    const event = binding.decode(record(JSON.stringify({ metadata: { event_id: 'e-1', priority: 4 }, data: { user: 'u-1' } })));
    expect(event).toMatchObject({ id: 'e-1', priority: 4, subject: 'u-1', type: 'user.created', datacontenttype: 'application/json' });
    expect(JSON.parse(String(event.data))).toEqual({ metadata: { event_id: 'e-1', priority: 4 }, data: { user: 'u-1' } });
  });

  it('keeps the defaults for paths that are missing or not primitives, and never reads inherited properties', () => {
    const event = binding.decode(record(JSON.stringify({ metadata: { event_id: { nested: true } }, data: null })));
    expect(event.id).toBe('user_created-2-7');
    expect(event.priority).toBeUndefined();
    expect(binding.decode(record('{"metadata":{}}')).subject).toBeUndefined();
    expect(plainValueBinding({ jsonAttributes: { id: 'constructor.name' } }).decode(record('{}')).id).toBe('user_created-2-7');
  });

  it('turns a value that is not JSON into DECODE_FAILED, and refuses bad options with PLUGIN_INVALID', () => {
    expect(() => binding.decode(record('{not json'))).toThrow(expect.objectContaining({ code: 'DECODE_FAILED' }));
    expect(() => plainValueBinding({ jsonAttributes: { id: 42 as unknown as string } })).toThrow(
      expect.objectContaining({ code: 'PLUGIN_INVALID' }),
    );
  });

  it('lets `attributes` override what the paths read', () => {
    const both = plainValueBinding({ jsonAttributes: { id: 'id' }, attributes: () => ({ subject: 'from-function', id: 'override' }) });
    expect(both.decode(record('{"id":"from-json"}'))).toMatchObject({ id: 'override', subject: 'from-function' });
  });
});
