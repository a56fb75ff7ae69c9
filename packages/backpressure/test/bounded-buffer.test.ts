import { BusError } from '@bus/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoundedBuffer } from '../src/index.js';

describe('BoundedBuffer', () => {
  it('keeps items in arrival order and drains them', () => {
    const buffer = new BoundedBuffer<number>({ capacity: 3 });
    expect(buffer.offer(1)).toEqual({ accepted: true, evicted: [] });
    buffer.offer(2);
    expect(buffer.size).toBe(2);
    expect(buffer.peek()).toBe(1);
    expect([...buffer]).toEqual([1, 2]);
    expect(buffer.drain()).toEqual([1, 2]);
    expect(buffer.size).toBe(0);
    expect(buffer.shift()).toBeUndefined();
  });

  it('reject refuses the new item and keeps the old ones', () => {
    const buffer = new BoundedBuffer<string>({ capacity: 1, policy: 'reject' });
    buffer.offer('a');
    expect(buffer.full).toBe(true);
    expect(buffer.offer('b')).toEqual({ accepted: false, reason: 'rejected' });
    expect(buffer.toArray()).toEqual(['a']);
  });

  it('drop-newest drops the new item', () => {
    const buffer = new BoundedBuffer<string>({ capacity: 1, policy: 'drop-newest' });
    buffer.offer('a');
    expect(buffer.offer('b')).toEqual({ accepted: false, reason: 'dropped' });
    expect(buffer.toArray()).toEqual(['a']);
  });

  it('drop-oldest evicts the oldest item and says which', () => {
    const buffer = new BoundedBuffer<string>({ capacity: 2, policy: 'drop-oldest' });
    buffer.offer('a');
    buffer.offer('b');
    expect(buffer.offer('c')).toEqual({ accepted: true, evicted: ['a'] });
    expect(buffer.toArray()).toEqual(['b', 'c']);
  });

  it('changes capacity and policy at runtime; a lowered capacity evicts on the next offer', () => {
    const buffer = new BoundedBuffer<number>({ capacity: 5, policy: 'drop-oldest' });
    for (let i = 0; i < 5; i++) buffer.offer(i);
    buffer.capacity = 2;
    expect(buffer.size).toBe(5);
    expect(buffer.offer(5)).toEqual({ accepted: true, evicted: [0, 1, 2, 3] });
    expect(buffer.toArray()).toEqual([4, 5]);
    buffer.policy = 'reject';
    expect(buffer.offer(6).accepted).toBe(false);
  });

  it('a capacity of 0 holds nothing', () => {
    const buffer = new BoundedBuffer<number>({ capacity: 0, policy: 'drop-oldest' });
    expect(buffer.offer(1)).toEqual({ accepted: false, reason: 'dropped' });
    expect(buffer.size).toBe(0);
  });

  it('drains at most max items', () => {
    const buffer = new BoundedBuffer<number>({ capacity: Number.POSITIVE_INFINITY });
    for (let i = 0; i < 250; i++) buffer.offer(i);
    expect(buffer.drain(100)).toHaveLength(100);
    expect(buffer.peek()).toBe(100);
    expect(buffer.size).toBe(150);
  });

  it('refuses bad options with CONFIG_INVALID', () => {
    for (const capacity of [-1, 1.5, Number.NaN]) {
      expect(() => new BoundedBuffer({ capacity })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    }
    expect(() => new BoundedBuffer({ capacity: 1, policy: 'block' as never })).toThrow(BusError);
    const buffer = new BoundedBuffer({ capacity: 1 });
    expect(() => {
      buffer.capacity = -3;
    }).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => {
      buffer.policy = 'nope' as never;
    }).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('never holds more than its capacity and keeps the newest items under drop-oldest (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer(), { maxLength: 200 }), (capacity, items) => {
        const buffer = new BoundedBuffer<number>({ capacity, policy: 'drop-oldest' });
        for (const item of items) {
          buffer.offer(item);
          expect(buffer.size).toBeLessThanOrEqual(capacity);
        }
        expect(buffer.toArray()).toEqual(items.slice(-capacity));
      }),
    );
  });
});
