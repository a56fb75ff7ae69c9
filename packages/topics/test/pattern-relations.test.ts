import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchTopic, patternCovers, patternsOverlap } from '../src/index.js';

// Patterns of up to 3 words: any overlap has a witness of at most 4 words over
// the literal words they use plus one fresh word (for `*`), so enumerating
// those types decides the relations exactly.
const pattern = fc.array(fc.constantFrom('a', 'b', '*', '#'), { minLength: 1, maxLength: 3 }).map((words) => words.join('.'));
const TYPES = (() => {
  const types: string[] = [];
  let layer = [''];
  for (let length = 1; length <= 4; length++) {
    layer = layer.flatMap((prefix) => ['a', 'b', 'z'].map((word) => (prefix === '' ? word : `${prefix}.${word}`)));
    types.push(...layer);
  }
  return types;
})();

describe('patternsOverlap', () => {
  it('is true exactly when some type matches both patterns', () => {
    fc.assert(
      fc.property(pattern, pattern, (a, b) => {
        const witness = TYPES.some((type) => matchTopic(a, type) && matchTopic(b, type));
        expect(patternsOverlap(a, b)).toBe(witness);
      }),
      { numRuns: 1000 },
    );
  });

  it('is symmetric', () => {
    fc.assert(
      fc.property(pattern, pattern, (a, b) => {
        expect(patternsOverlap(a, b)).toBe(patternsOverlap(b, a));
      }),
    );
  });

  it.each([
    ['orders.#', '#.created', true],
    ['orders.*', 'users.*', false],
    ['a.#.b', 'a.b', true],
    ['*.*', '*', false],
    ['#', '*.*.*', true],
  ])('answers %j and %j: %s', (a, b, expected) => {
    expect(patternsOverlap(a, b)).toBe(expected);
  });
});

describe('patternCovers', () => {
  it('is sound: when outer covers inner, every type inner matches, outer matches', () => {
    fc.assert(
      fc.property(pattern, pattern, (outer, inner) => {
        if (!patternCovers(outer, inner)) return;
        for (const type of TYPES) if (matchTopic(inner, type)) expect(matchTopic(outer, type)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('is complete whenever inner has no # (its types then have a fixed length)', () => {
    fc.assert(
      fc.property(pattern, pattern, (outer, inner) => {
        fc.pre(!inner.includes('#'));
        const covered = TYPES.every((type) => !matchTopic(inner, type) || matchTopic(outer, type));
        expect(patternCovers(outer, inner)).toBe(covered);
      }),
      { numRuns: 1000 },
    );
  });

  it.each([
    ['orders.#', 'orders.*.created', true],
    ['orders.#', 'orders', true],
    ['orders.*', 'orders.#', false],
    ['#', '#.#', true],
    ['#.#', '#', true],
    ['a.#.b', 'a.*.b', true],
    ['a.*.b', 'a.#.b', false],
    // Equivalent on real types (which have at least one word), but not proven: the cautious answer.
    ['*.#', '#', false],
  ])('answers %j covers %j: %s', (outer, inner, expected) => {
    expect(patternCovers(outer, inner)).toBe(expected);
  });
});
