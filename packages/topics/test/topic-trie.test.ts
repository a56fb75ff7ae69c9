import { exactRouter, type Router, type RouterFactory } from '@bus/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchTopic, TopicTrie } from '../src/index.js';

const patternWord = fc.constantFrom('a', 'b', 'c', '*', '#');
const typeWord = fc.constantFrom('a', 'b', 'c', 'd', '');
const pattern = fc.array(patternWord, { minLength: 1, maxLength: 5 }).map((words) => words.join('.'));
const type = fc.array(typeWord, { minLength: 1, maxLength: 6 }).map((words) => words.join('.'));
const value = fc.integer({ min: 0, max: 4 });

type Op =
  | { kind: 'add'; pattern: string; value: number }
  | { kind: 'remove'; pattern: string; value: number }
  | { kind: 'match'; type: string };
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), pattern, value }),
  fc.record({ kind: fc.constant('remove' as const), pattern, value }),
  fc.record({ kind: fc.constant('match' as const), type }),
);

/** The model: a list of (pattern, value) entries in insertion order, matched with matchTopic. */
class Model {
  readonly entries: { pattern: string; value: number }[] = [];
  add(pattern: string, value: number): void {
    this.entries.push({ pattern, value });
  }
  remove(pattern: string, value: number): boolean {
    const index = this.entries.findIndex((entry) => entry.pattern === pattern && entry.value === value);
    if (index >= 0) this.entries.splice(index, 1);
    return index >= 0;
  }
  match(type: string): number[] {
    return this.entries.filter((entry) => matchTopic(entry.pattern, type)).map((entry) => entry.value);
  }
}

describe('TopicTrie', () => {
  it('implements the kernel Router contract, so it plugs into setRouter', () => {
    const factory: RouterFactory = <T>() => new TopicTrie<T>();
    const router: Router<string> = factory<string>();
    router.add('orders.*', 'x');
    expect(router.match('orders.created')).toEqual(['x']);
  });

  it('returns matches in insertion order across exact and wildcard patterns', () => {
    const trie = new TopicTrie<string>();
    trie.add('orders.#', 'first');
    trie.add('orders.eu.created', 'second');
    trie.add('*.eu.*', 'third');
    trie.add('orders.eu.created', 'fourth');
    trie.add('#', 'fifth');
    expect(trie.match('orders.eu.created')).toEqual(['first', 'second', 'third', 'fourth', 'fifth']);
    expect(trie.match('orders')).toEqual(['first', 'fifth']);
    expect(trie.match('users.created')).toEqual(['fifth']);
  });

  it('returns a value once per add, however many ways # reaches it', () => {
    const trie = new TopicTrie<string>();
    trie.add('#.#.#', 'deep');
    trie.add('a.#.#.b', 'bounded');
    expect(trie.match('a.b.a.b.a.b')).toEqual(['deep', 'bounded']);
    // The same value under two matching patterns is two entries: it comes back twice.
    trie.add('a.*.a.b.a.b', 'deep');
    expect(trie.match('a.b.a.b.a.b')).toEqual(['deep', 'bounded', 'deep']);
  });

  it('covers the edge cases #.#, *.#, #.*, # alone, a.#.b and empty words', () => {
    const trie = new TopicTrie<string>();
    for (const p of ['#.#', '*.#', '#.*', '#', 'a.#.b', 'a.*.b']) trie.add(p, p);
    expect(trie.match('a')).toEqual(['#.#', '*.#', '#.*', '#']);
    expect(trie.match('a.b')).toEqual(['#.#', '*.#', '#.*', '#', 'a.#.b']);
    expect(trie.match('a..b')).toEqual(['#.#', '*.#', '#.*', '#', 'a.#.b', 'a.*.b']);
    expect(trie.match('')).toEqual(['#.#', '*.#', '#.*', '#']);
  });

  it('refuses invalid patterns on add with INVALID_SUBSCRIPTION, and removing one is just false', () => {
    const trie = new TopicTrie<string>();
    for (const bad of ['a..b', '', 'a.b*', '.a']) {
      expect(() => trie.add(bad, 'x')).toThrowError(expect.objectContaining({ code: 'INVALID_SUBSCRIPTION' }));
      expect(trie.remove(bad, 'x')).toBe(false);
    }
    expect(trie.size).toBe(0);
  });

  it('removes one value per call, the first added, and prunes what is left empty', () => {
    const trie = new TopicTrie<string>();
    trie.add('a.*.c', 'x');
    trie.add('a.*.c', 'x');
    trie.add('a.b', 'y');
    expect(trie.match('a.b.c')).toEqual(['x', 'x']);
    expect(trie.remove('a.*.c', 'x')).toBe(true);
    expect(trie.match('a.b.c')).toEqual(['x']);
    expect(trie.remove('a.*.c', 'x')).toBe(true);
    expect(trie.remove('a.*.c', 'x')).toBe(false);
    expect(trie.remove('a.*', 'x')).toBe(false);
    expect(trie.remove('a.b', 'z')).toBe(false);
    expect(trie.match('a.b.c')).toEqual([]);
    expect(trie.match('a.b')).toEqual(['y']);
    expect(trie.size).toBe(1);
  });

  it('returns the very same array while nothing changes, and a fresh one after a change', () => {
    const trie = new TopicTrie<string>();
    trie.add('orders.*', 'a');
    trie.add('orders.created', 'b');
    const first = trie.match('orders.created');
    expect(trie.match('orders.created')).toBe(first);
    trie.add('users.*', 'c');
    const afterAdd = trie.match('orders.created');
    expect(afterAdd).not.toBe(first);
    expect(afterAdd).toEqual(['a', 'b']);
    trie.remove('orders.created', 'b');
    expect(trie.match('orders.created')).toEqual(['a']);
    // A result already handed out is never changed behind the caller's back.
    expect(first).toEqual(['a', 'b']);
  });

  it('when the cache is full, lets one miss in eight replace the oldest entry, and caches nothing at cacheSize 0', () => {
    const small = new TopicTrie<string>({ cacheSize: 2 });
    const none = new TopicTrie<string>({ cacheSize: 0 });
    for (const trie of [small, none]) {
      trie.add('#', 'all');
      trie.add('a.*', 'a1');
      trie.add('a.*', 'a2');
    }
    const a = small.match('a.x');
    const b = small.match('b');
    for (let miss = 1; miss < 8; miss++) small.match(`other${miss}`);
    expect(small.match('a.x')).toBe(a);
    small.match('other8');
    expect(small.match('b')).toBe(b);
    expect(small.match('a.x')).not.toBe(a);
    expect(small.match('a.x')).toEqual(['all', 'a1', 'a2']);
    expect(none.match('a.x')).not.toBe(none.match('a.x'));
    expect(none.match('a.x')).toEqual(['all', 'a1', 'a2']);
    expect(() => new TopicTrie({ cacheSize: -1 })).toThrowError(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
    expect(() => new TopicTrie({ cacheSize: 1.5 })).toThrowError(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
  });

  it('agrees with exactRouter on patterns without wildcards', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'a.b', 'b.c', 'c'), value), { maxLength: 20 }),
        fc.constantFrom('a', 'a.b', 'b.c', 'c', 'd'),
        (adds, t) => {
          const trie = new TopicTrie<number>();
          const exact = exactRouter<number>();
          for (const [p, v] of adds) {
            trie.add(p, v);
            exact.add(p, v);
          }
          expect(trie.match(t)).toEqual(exact.match(t));
        },
      ),
    );
  });

  describe('against matchTopic (property)', () => {
    for (const cacheSize of [1024, 2, 0]) {
      it(`keeps every match equal to the model through random add/remove/match sequences (cacheSize ${cacheSize})`, () => {
        fc.assert(
          fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
            const trie = new TopicTrie<number>({ cacheSize });
            const model = new Model();
            for (const step of ops) {
              if (step.kind === 'add') {
                trie.add(step.pattern, step.value);
                model.add(step.pattern, step.value);
              } else if (step.kind === 'remove') {
                expect(trie.remove(step.pattern, step.value)).toBe(model.remove(step.pattern, step.value));
              } else {
                const expected = model.match(step.type);
                expect(trie.match(step.type)).toEqual(expected);
                // Asked again with nothing changed: same content, and from a cache with room, the same array.
                const again = trie.match(step.type);
                expect(again).toEqual(expected);
                if (cacheSize > 60) expect(again).toBe(trie.match(step.type));
              }
              expect(trie.size).toBe(model.entries.length);
            }
          }),
          { numRuns: 300 },
        );
      });
    }

    it('matches exactly what matchTopic matches, for any set of patterns and any type', () => {
      fc.assert(
        fc.property(fc.uniqueArray(pattern, { maxLength: 12 }), fc.array(type, { minLength: 1, maxLength: 8 }), (patterns, types) => {
          const trie = new TopicTrie<string>();
          for (const p of patterns) trie.add(p, p);
          for (const t of types) expect(trie.match(t)).toEqual(patterns.filter((p) => matchTopic(p, t)));
        }),
        { numRuns: 500 },
      );
    });
  });
});
