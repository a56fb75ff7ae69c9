import { describe, expect, it } from 'vitest';
import { matchesType } from '../src/index.js';

describe('type patterns', () => {
  it('match * to exactly one word and # to zero or more, as @bus/topics routes', () => {
    expect(matchesType('orders.created', 'orders.created')).toBe(true);
    expect(matchesType('orders.*', 'orders.created')).toBe(true);
    expect(matchesType('orders.*', 'orders.eu.created')).toBe(false);
    expect(matchesType('orders.*', 'orders')).toBe(false);
    expect(matchesType('orders.#', 'orders')).toBe(true);
    expect(matchesType('orders.#', 'orders.eu.created')).toBe(true);
    expect(matchesType('#.failed', 'payments.card.failed')).toBe(true);
    expect(matchesType('#.failed', 'failed')).toBe(true);
    expect(matchesType('orders.#.created', 'orders.created')).toBe(true);
    expect(matchesType('orders.#.created', 'orders.eu.west.created')).toBe(true);
    expect(matchesType('orders.#.created', 'orders.eu.shipped')).toBe(false);
    expect(matchesType('#', 'anything.at.all')).toBe(true);
    expect(matchesType('*.created', 'orders.eu.created')).toBe(false);
  });
});
