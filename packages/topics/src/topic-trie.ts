/**
 * The wildcard router. Exact patterns sit in a Map; wildcard patterns in a
 * trie of words walked as a set of states (no backtracking, so many `#` cost
 * no more than one); results are cached per type until the next change.
 */
import { BusError, type Router } from '@bus/core';
import { ANY_WORDS, hasWildcard, ONE_WORD, parsePattern, WORD_SEPARATOR } from './topic-pattern.js';

/** Options of {@link TopicTrie}. */
export interface TopicTrieOptions {
  /**
   * How many types' results `match` remembers. When it is full, one miss in
   * eight replaces the oldest entry, so a working set larger than the cache
   * neither thrashes it nor pays for it on every miss. `0` turns the cache
   * off. Default 1024.
   */
  readonly cacheSize?: number;
}

const DEFAULT_CACHE_SIZE = 1024;
const EMPTY: readonly never[] = Object.freeze([]);
/**
 * When the cache is full, one miss in this many replaces the oldest entry; the
 * others are answered without caching. A working set larger than the cache
 * then costs about what no cache costs, instead of paying to insert and evict
 * on every miss (and FIFO's zero hits on a cycle just over its size), while a
 * shifted working set still moves in.
 */
const ADMIT_ONE_MISS_IN = 8;

/**
 * The values stored under one pattern, in insertion order, with the insertion
 * sequence number of each so results from several patterns merge in insertion
 * order. Both arrays are replaced on change, never mutated: `match` hands
 * `values` out as it is.
 */
interface Held<T> {
  values: readonly T[];
  seqs: readonly number[];
}

class Bucket<T> implements Held<T> {
  values: readonly T[] = EMPTY;
  seqs: readonly number[] = EMPTY;
}

class TrieNode<T> implements Held<T> {
  values: readonly T[] = EMPTY;
  seqs: readonly number[] = EMPTY;
  /** Literal next words. */
  children: Map<string, TrieNode<T>> | undefined = undefined;
  /** The `*` edge. */
  star: TrieNode<T> | undefined = undefined;
  /** The `#` edge. */
  hash: TrieNode<T> | undefined = undefined;
  /** The match step that last visited this node, so each node is taken once per step. */
  stamp = 0;
  /** Reached through a `#`, which may go on taking words: a state that loops on every word. */
  readonly absorbs: boolean;

  constructor(absorbs: boolean) {
    this.absorbs = absorbs;
  }

  isEmpty(): boolean {
    return this.values.length === 0 && this.children === undefined && this.star === undefined && this.hash === undefined;
  }
}

/**
 * A router for AMQP-style topic patterns (`*` one word, `#` zero or more; see
 * {@link matchTopic}), and the router `topics()` gives the bus.
 *
 * - `match` returns every stored value whose pattern matches the type, once
 *   per `add` (a value added under two matching patterns comes back twice; the
 *   kernel stores each subscription under one pattern), in insertion order —
 *   the order of the `add` calls, across exact and wildcard patterns.
 * - Results are cached per type (up to `cacheSize` types; see
 *   {@link TopicTrieOptions.cacheSize}). Adding or removing a wildcard pattern
 *   clears the cache; an exact pattern only forgets its own type. Until then
 *   `match` returns the very same array, without allocating. Do not mutate it.
 * - `add` throws `INVALID_SUBSCRIPTION` for an invalid pattern (see
 *   {@link parsePattern}); `remove` of one returns `false`.
 *
 * @typeParam T - what is stored per pattern (a subscription).
 * @example
 * ```ts
 * const trie = new TopicTrie<string>();
 * trie.add('orders.*.created', 'billing');
 * trie.add('orders.#', 'audit');
 * trie.add('orders.eu.created', 'eu-desk');
 * trie.match('orders.eu.created'); // ['billing', 'audit', 'eu-desk']
 * trie.match('orders'); // ['audit']
 * ```
 */
export class TopicTrie<T> implements Router<T> {
  readonly #exact = new Map<string, Bucket<T>>();
  readonly #root = new TrieNode<T>(false);
  readonly #cache = new Map<string, readonly T[]>();
  readonly #cacheSize: number;
  #size = 0;
  #wildcardValues = 0;
  #missesWhenFull = 0;
  #nextSeq = 0;
  #stamp = 0;
  // Scratch arrays reused by every cache miss.
  #states: TrieNode<T>[] = [];
  #nextStates: TrieNode<T>[] = [];
  #sources: Held<T>[] = [];

  constructor(options: TopicTrieOptions = {}) {
    this.#cacheSize = checkedCacheSize(options.cacheSize ?? DEFAULT_CACHE_SIZE);
  }

  /** How many values are stored (one per `add` not yet removed). */
  get size(): number {
    return this.#size;
  }

  /** Stores `value` under `pattern`. Throws `INVALID_SUBSCRIPTION` for an invalid pattern. */
  add(pattern: string, value: T): void {
    const words = parsePattern(pattern);
    const seq = this.#nextSeq++;
    if (!hasWildcard(pattern)) {
      let bucket = this.#exact.get(pattern);
      if (bucket === undefined) {
        bucket = new Bucket<T>();
        this.#exact.set(pattern, bucket);
      }
      append(bucket, value, seq);
      this.#cache.delete(pattern);
    } else {
      let node = this.#root;
      for (const word of words) node = child(node, word);
      append(node, value, seq);
      this.#wildcardValues++;
      if (this.#cache.size > 0) this.#cache.clear();
    }
    this.#size++;
  }

  /** Removes one `value` stored under `pattern` (the first added); returns whether it was there. */
  remove(pattern: string, value: T): boolean {
    let words: string[];
    try {
      words = parsePattern(pattern);
    } catch {
      return false;
    }
    if (!hasWildcard(pattern)) {
      const bucket = this.#exact.get(pattern);
      if (bucket === undefined || !take(bucket, value)) return false;
      if (bucket.values.length === 0) this.#exact.delete(pattern);
      this.#cache.delete(pattern);
    } else {
      const path: TrieNode<T>[] = [this.#root];
      for (const word of words) {
        const next = edge(path[path.length - 1] as TrieNode<T>, word);
        if (next === undefined) return false;
        path.push(next);
      }
      if (!take(path[path.length - 1] as TrieNode<T>, value)) return false;
      prune(path, words);
      this.#wildcardValues--;
      if (this.#cache.size > 0) this.#cache.clear();
    }
    this.#size--;
    // Let removed values and pruned nodes go: the scratch arrays may still point at them.
    this.#states.length = 0;
    this.#nextStates.length = 0;
    this.#sources.length = 0;
    return true;
  }

  /** Every value whose pattern matches `type`, in insertion order. Do not mutate the result. */
  match(type: string): readonly T[] {
    if (this.#wildcardValues === 0) return this.#exact.get(type)?.values ?? EMPTY;
    const cached = this.#cache.get(type);
    if (cached !== undefined) return cached;
    const result = this.#collect(type);
    if (this.#cache.size < this.#cacheSize) this.#cache.set(type, result);
    else if (this.#cacheSize > 0 && ++this.#missesWhenFull % ADMIT_ONE_MISS_IN === 0) {
      this.#cache.delete(this.#cache.keys().next().value as string);
      this.#cache.set(type, result);
    }
    return result;
  }

  /** Runs the trie as a set of states over the words of `type`, then merges what matched. */
  #collect(type: string): readonly T[] {
    // Scratch arrays only grow, and are filled up to a count: resetting their
    // length would reallocate them on every miss.
    let states = this.#states;
    let next = this.#nextStates;
    let count = enter(this.#root, states, 0, this.#nextStamp());
    const length = type.length;
    let start = 0;
    while (count > 0) {
      let end = type.indexOf(WORD_SEPARATOR, start);
      if (end < 0) end = length;
      const word = type.slice(start, end);
      const stamp = this.#nextStamp();
      let nextCount = 0;
      for (let i = 0; i < count; i++) {
        const node = states[i] as TrieNode<T>;
        if (node.absorbs) nextCount = enter(node, next, nextCount, stamp);
        const children = node.children;
        if (children !== undefined) {
          const literal = children.get(word);
          if (literal !== undefined) nextCount = enter(literal, next, nextCount, stamp);
        }
        const star = node.star;
        if (star !== undefined) nextCount = enter(star, next, nextCount, stamp);
      }
      const swap = states;
      states = next;
      next = swap;
      count = nextCount;
      if (end === length) break;
      start = end + 1;
    }
    this.#states = states;
    this.#nextStates = next;
    const sources = this.#sources;
    let found = 0;
    const exact = this.#exact.get(type);
    if (exact !== undefined) sources[found++] = exact;
    for (let i = 0; i < count; i++) {
      const node = states[i] as TrieNode<T>;
      if (node.values.length > 0) sources[found++] = node;
    }
    if (found === 0) return EMPTY;
    if (found === 1) return (sources[0] as Held<T>).values;
    return mergeInInsertionOrder(sources, found);
  }

  #nextStamp(): number {
    // Never wraps in practice (2^53 steps); past 2^30 V8 stores it as a double, still exact.
    return ++this.#stamp;
  }
}

/** Returns `cacheSize`, or throws `PLUGIN_INVALID` unless it is a non-negative integer. */
export function checkedCacheSize(cacheSize: number): number {
  if (!Number.isSafeInteger(cacheSize) || cacheSize < 0) {
    throw new BusError('PLUGIN_INVALID', `cacheSize must be a non-negative integer, got ${String(cacheSize)}.`);
  }
  return cacheSize;
}

/**
 * Puts `node` into this step's states at `count` unless it is there already,
 * and with it each `#` after it (which may match zero words); returns the new count.
 */
function enter<T>(node: TrieNode<T>, states: TrieNode<T>[], count: number, stamp: number): number {
  let state: TrieNode<T> | undefined = node;
  while (state !== undefined && state.stamp !== stamp) {
    state.stamp = stamp;
    states[count++] = state;
    state = state.hash;
  }
  return count;
}

function edge<T>(node: TrieNode<T>, word: string): TrieNode<T> | undefined {
  if (word === ONE_WORD) return node.star;
  if (word === ANY_WORDS) return node.hash;
  return node.children?.get(word);
}

function child<T>(node: TrieNode<T>, word: string): TrieNode<T> {
  const existing = edge(node, word);
  if (existing !== undefined) return existing;
  const created = new TrieNode<T>(word === ANY_WORDS);
  if (word === ONE_WORD) node.star = created;
  else if (word === ANY_WORDS) node.hash = created;
  else {
    node.children ??= new Map();
    node.children.set(word, created);
  }
  return created;
}

/** Unlinks the empty nodes at the end of `path`, deepest first. */
function prune<T>(path: readonly TrieNode<T>[], words: readonly string[]): void {
  for (let depth = path.length - 1; depth > 0; depth--) {
    const node = path[depth] as TrieNode<T>;
    if (!node.isEmpty()) return;
    const parent = path[depth - 1] as TrieNode<T>;
    const word = words[depth - 1] as string;
    if (word === ONE_WORD) parent.star = undefined;
    else if (word === ANY_WORDS) parent.hash = undefined;
    else if (parent.children !== undefined) {
      parent.children.delete(word);
      if (parent.children.size === 0) parent.children = undefined;
    }
  }
}

// toSpliced allocates exactly the length needed; spreading would leave growth capacity in every array.
function append<T>(held: Held<T>, value: T, seq: number): void {
  held.values = held.values.toSpliced(held.values.length, 0, value);
  held.seqs = held.seqs.toSpliced(held.seqs.length, 0, seq);
}

function take<T>(held: Held<T>, value: T): boolean {
  const index = held.values.indexOf(value);
  if (index < 0) return false;
  held.values = held.values.length === 1 ? EMPTY : held.values.toSpliced(index, 1);
  held.seqs = held.seqs.length === 1 ? EMPTY : held.seqs.toSpliced(index, 1);
  return true;
}

/** Merges the values of the first `count` sources by sequence number: insertion order. */
function mergeInInsertionOrder<T>(sources: readonly Held<T>[], count: number): readonly T[] {
  if (count === 2) return mergeTwo(sources[0] as Held<T>, sources[1] as Held<T>);
  const cursors = new Array<number>(count).fill(0);
  const merged: T[] = [];
  for (;;) {
    let best = -1;
    let bestSeq = Number.POSITIVE_INFINITY;
    for (let s = 0; s < count; s++) {
      const seq = (sources[s] as Held<T>).seqs[cursors[s] as number];
      if (seq !== undefined && seq < bestSeq) {
        bestSeq = seq;
        best = s;
      }
    }
    if (best < 0) return merged;
    merged.push((sources[best] as Held<T>).values[cursors[best] as number] as T);
    cursors[best] = (cursors[best] as number) + 1;
  }
}

/** The common case of {@link mergeInInsertionOrder}: an exact pattern and one wildcard, or two wildcards. */
function mergeTwo<T>(a: Held<T>, b: Held<T>): T[] {
  const merged = new Array<T>(a.values.length + b.values.length);
  let i = 0;
  let j = 0;
  for (let k = 0; k < merged.length; k++) {
    if (j === b.seqs.length || (i < a.seqs.length && (a.seqs[i] as number) < (b.seqs[j] as number))) merged[k] = a.values[i++] as T;
    else merged[k] = b.values[j++] as T;
  }
  return merged;
}
