import { describe, expect, it } from 'vitest';
import { hasWildcard, isTopicPattern, matchTopic, parsePattern, patternEndingAtHash } from '../src/index.js';

// [pattern, type, matches]
const TABLE: [string, string, boolean][] = [
  ['orders.created', 'orders.created', true],
  ['orders.created', 'orders.created.eu', false],
  ['orders.created', 'orders', false],
  ['orders.*', 'orders.created', true],
  ['orders.*', 'orders', false],
  ['orders.*', 'orders.eu.created', false],
  ['*', 'orders', true],
  ['*', 'orders.created', false],
  ['*.*', 'a.b', true],
  ['orders.#', 'orders', true],
  ['orders.#', 'orders.created', true],
  ['orders.#', 'orders.eu.created', true],
  ['orders.#', 'ordersx', false],
  ['#', 'a', true],
  ['#', 'a.b.c', true],
  ['#.#', 'a', true],
  ['#.#', 'a.b.c', true],
  ['*.#', 'a', true],
  ['*.#', 'a.b.c', true],
  ['#.*', 'a', true],
  ['#.*', 'a.b.c', true],
  ['a.#.b', 'a.b', true],
  ['a.#.b', 'a.x.b', true],
  ['a.#.b', 'a.x.y.b', true],
  ['a.#.b', 'a.x.y', false],
  ['a.#.b', 'b', false],
  ['#.created', 'orders.eu.created', true],
  ['#.created', 'created', true],
  ['#.created', 'created.not', false],
  ['*.orders.#', 'eu.orders', true],
  ['*.orders.#', 'orders', false],
  ['a.*.#.*', 'a.b.c', true],
  ['a.*.#.*', 'a.b', false],
  // Type words are literal: a `*` in a type is just a word.
  ['a.*', 'a.*', true],
  ['a.b', 'a.*', false],
  // Empty words in types are words: wildcards match them, literals cannot name them.
  ['a.*.b', 'a..b', true],
  ['a.#', 'a.', true],
  ['#', '', true],
  ['*', '', true],
  ['a.b', 'a..b', false],
];

describe('matchTopic (the reference semantics)', () => {
  it.each(TABLE)('matches %j against %j: %s', (pattern, type, expected) => {
    expect(matchTopic(pattern, type)).toBe(expected);
  });

  it('keeps polynomial time however many # a pattern has', () => {
    const pattern = `${Array.from({ length: 20 }, () => '#').join('.')}.x`;
    const type = Array.from({ length: 60 }, () => 'a').join('.');
    const started = performance.now();
    expect(matchTopic(pattern, type)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('topic patterns', () => {
  it.each(['a..b', '.a', 'a.', '.', '', 'a.b*', 'a.#b', '**', '##', 'a.*#'])('refuses %j with INVALID_SUBSCRIPTION', (pattern) => {
    expect(() => parsePattern(pattern)).toThrowError(expect.objectContaining({ code: 'INVALID_SUBSCRIPTION' }));
    expect(() => matchTopic(pattern, 'a.b')).toThrowError(expect.objectContaining({ code: 'INVALID_SUBSCRIPTION' }));
    expect(isTopicPattern(pattern)).toBe(false);
  });

  it('refuses what is not a string', () => {
    for (const pattern of [undefined, null, 1, {}]) {
      expect(() => parsePattern(pattern as never)).toThrowError(expect.objectContaining({ code: 'INVALID_SUBSCRIPTION' }));
      expect(isTopicPattern(pattern)).toBe(false);
    }
  });

  it('accepts whole-word wildcards and any other non-empty words', () => {
    expect(parsePattern('orders.*.created')).toEqual(['orders', '*', 'created']);
    expect(parsePattern('#')).toEqual(['#']);
    expect(parsePattern('a-b.c_d.É')).toEqual(['a-b', 'c_d', 'É']);
    expect(hasWildcard('orders.*')).toBe(true);
    expect(hasWildcard('orders.#')).toBe(true);
    expect(hasWildcard('orders.created')).toBe(false);
  });
});

describe('patternEndingAtHash', () => {
  it('cuts a pattern after its first #, so it matches what a matcher stopping at # matched', () => {
    expect(patternEndingAtHash('a.#.b')).toBe('a.#');
    expect(patternEndingAtHash('#.x.#')).toBe('#');
    expect(patternEndingAtHash('global.#')).toBe('global.#');
    expect(patternEndingAtHash('zone.*.player')).toBe('zone.*.player');
    expect(matchTopic(patternEndingAtHash('a.#.b'), 'a.x')).toBe(true);
    expect(matchTopic(patternEndingAtHash('global.#'), 'global')).toBe(true);
  });

  it('refuses what parsePattern refuses', () => {
    for (const pattern of ['', 'a..b', 'a.b*', 'x.#y']) {
      expect(() => patternEndingAtHash(pattern)).toThrowError(expect.objectContaining({ code: 'INVALID_SUBSCRIPTION' }));
    }
  });
});
