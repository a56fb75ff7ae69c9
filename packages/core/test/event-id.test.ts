import { describe, expect, it } from 'vitest';
import { createEventId } from '../src/index.js';
import { eventIdAt } from '../src/plugin-kit.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('default event ids', () => {
  it('are UUIDs in the version 7 layout', () => {
    for (let i = 0; i < 100; i++) expect(createEventId()).toMatch(UUID_V7);
  });

  it('carry the creation millisecond in their first 48 bits', () => {
    const millis = Date.UTC(2030, 0, 1);
    const id = eventIdAt(millis);
    expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(millis);
  });

  it('are unique and sort in creation order, even past 4096 in one millisecond', () => {
    const millis = Date.UTC(2031, 0, 1);
    const ids = Array.from({ length: 10_000 }, () => eventIdAt(millis));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('stay monotonic when the clock goes back', () => {
    const first = eventIdAt(Date.UTC(2032, 0, 1));
    const second = eventIdAt(Date.UTC(2031, 6, 1));
    expect(second > first).toBe(true);
  });
});
