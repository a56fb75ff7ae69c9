// TopicTrie against qlobber at 10, 1,000 and 100,000 patterns, in one run.
// Run with `pnpm bench` (node --expose-gc; build first: it measures dist/).
//
// Each task runs BATCH matches over a list of types, so ops/s are matches/s.
// Three ways of using the cache are reported, because they differ by orders
// of magnitude and only one of them is the trie itself:
//   hot         — 1,000 distinct types, under the default cacheSize (1,024)
//   no cache    — the same types, cacheSize 0: every match walks the trie
//   overflowing — 5,000 distinct types cycled through the default cache: about
//                 one match in five hits, the rest walk the trie (and one miss
//                 in eight pays to replace a cache entry)
// Heap: each structure is built alone between two forced GCs; heap lines carry
// bytes in opsPerSec/baselineOpsPerSec (and heapBytes/baselineHeapBytes), and
// their ratio is ours/qlobber's (lower is better). Below 10,000 patterns the
// structure is built several times and the growth divided, for a steady figure.
// heapBytesWithFullCache is the trie built again (once) with its match cache
// filled by the 1,000 hot types.
import { Qlobber } from 'qlobber';
import { Bench } from 'tinybench';
import { TopicTrie } from '../dist/index.js';

interface Result {
  name: string;
  opsPerSec: number;
  baseline: string;
  baselineOpsPerSec: number;
  ratio: number;
  goal?: string;
  heapBytes?: number;
  baselineHeapBytes?: number;
  heapBytesWithFullCache?: number;
}

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc (pnpm bench does)');
const time = Number(process.env.BUS_BENCH_TIME_MS ?? 1000);
const BATCH = 1000;
const SIZES = [10, 1_000, 100_000];
const results: Result[] = [];
let sink = 0;

/** mulberry32: a small seeded PRNG, so every run draws the same types. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RESOURCES = ['orders', 'users', 'payments'];
const VERBS = ['created', 'deleted', 'updated'];

/** Two wildcards every type may hit, then per service `svc{i}.*.created`, `svc{i}.#`, `svc{i}.orders.created`. */
function patternsFor(count: number): string[] {
  const patterns = ['*.orders.created', 'audit.#'];
  for (let k = 0; patterns.length < count; k++) {
    const service = `svc${Math.floor(k / 3)}`;
    patterns.push([`${service}.*.created`, `${service}.#`, `${service}.orders.created`][k % 3] as string);
  }
  return patterns.slice(0, count);
}

/** Types over the same words: half name a service that has patterns, half one that has none; a few are audit types. */
function typesFor(patternCount: number, count: number, seed: number): string[] {
  const next = random(seed);
  const services = Math.max(1, Math.ceil(patternCount / 3));
  const types = new Set<string>();
  while (types.size < count) {
    const pick = (words: readonly string[]) => words[Math.floor(next() * words.length)] as string;
    if (next() < 0.05) types.add(`audit.${pick(RESOURCES)}.${pick(VERBS)}.${types.size}`);
    else
      types.add(`svc${Math.floor(next() * services * 2)}.${pick(RESOURCES)}.${pick(VERBS)}.${next() < 0.2 ? 'eu' : ''}`.replace(/\.$/, ''));
  }
  return [...types];
}

function heapAfterGc(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

/**
 * Builds `make()` alone between two forced GCs; returns it and the bytes it
 * holds. Small structures are built `copies` times and the growth divided,
 * since a few kilobytes are within the noise of one heap reading.
 */
function measured<S>(make: () => S, copies = 1): { structure: S; bytes: number } {
  const before = heapAfterGc();
  const built = Array.from({ length: copies }, make);
  const bytes = Math.round((heapAfterGc() - before) / copies);
  return { structure: built[0] as S, bytes };
}

function batch(match: (type: string) => readonly unknown[], types: readonly string[]): () => void {
  let cursor = 0;
  return () => {
    for (let i = 0; i < BATCH; i++) {
      sink += match(types[cursor] as string).length;
      if (++cursor === types.length) cursor = 0;
    }
  };
}

async function matchesPerSecond(tasks: Record<string, () => void>): Promise<Record<string, number>> {
  const bench = new Bench({ time, warmupTime: 200 });
  for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn);
  await bench.run();
  const rates: Record<string, number> = {};
  for (const name of Object.keys(tasks)) {
    const result = bench.getTask(name)?.result as { throughput?: { mean: number }; hz?: number } | undefined;
    rates[name] = (result?.throughput?.mean ?? result?.hz ?? Number.NaN) * BATCH;
  }
  return rates;
}

function sameMatches(trie: TopicTrie<object>, qlobber: Qlobber<object>, types: readonly string[]): void {
  for (const type of types) {
    const ours = trie.match(type);
    const theirs = new Set(qlobber.match(type));
    if (ours.length !== theirs.size || ours.some((value) => !theirs.has(value))) {
      throw new Error(`TopicTrie and qlobber disagree on '${type}': ${ours.length} vs ${theirs.size}`);
    }
  }
}

// Build and use each structure once before measuring, so that compiling their
// code (bytecode and feedback live on the heap too) is not counted as data.
{
  const warm = patternsFor(300);
  const q = new Qlobber<string>({ separator: '.', wildcard_one: '*', wildcard_some: '#' });
  const t = new TopicTrie<string>();
  for (const pattern of warm) {
    q.add(pattern, pattern);
    t.add(pattern, pattern);
  }
  for (const type of typesFor(300, 2_000, 7)) sink += q.match(type).length + t.match(type).length;
  for (const pattern of warm) {
    q.remove(pattern, pattern);
    t.remove(pattern, pattern);
  }
}

for (const size of SIZES) {
  const patterns = patternsFor(size);
  const values = patterns.map((pattern, id) => ({ id, pattern }));
  const hotTypes = typesFor(size, 1_000, size);
  const manyTypes = typesFor(size, 5_000, size + 1);
  const copies = Math.max(1, Math.floor(10_000 / size));

  const qlobber = measured(() => {
    const q = new Qlobber<object>({ separator: '.', wildcard_one: '*', wildcard_some: '#' });
    for (let i = 0; i < patterns.length; i++) q.add(patterns[i] as string, values[i] as object);
    return q;
  }, copies);
  const trie = measured(() => {
    const t = new TopicTrie<object>();
    for (let i = 0; i < patterns.length; i++) t.add(patterns[i] as string, values[i] as object);
    return t;
  }, copies);
  const uncached = new TopicTrie<object>({ cacheSize: 0 });
  for (let i = 0; i < patterns.length; i++) uncached.add(patterns[i] as string, values[i] as object);
  sameMatches(uncached, qlobber.structure, [...hotTypes, ...manyTypes]);

  const ours = (type: string) => trie.structure.match(type);
  const oursUncached = (type: string) => uncached.match(type);
  const theirs = (type: string) => qlobber.structure.match(type);
  const hot = await matchesPerSecond({ trie: batch(ours, hotTypes), qlobber: batch(theirs, hotTypes) });
  const noCache = await matchesPerSecond({ trie: batch(oursUncached, hotTypes), qlobber: batch(theirs, hotTypes) });
  const overflowing = await matchesPerSecond({ trie: batch(ours, manyTypes), qlobber: batch(theirs, manyTypes) });

  const label = `${size.toLocaleString('en-US')} patterns`;
  const goal = size === 100_000 ? '>= 1.5x qlobber' : undefined;
  const row = (scenario: string, rates: Record<string, number>): Result => ({
    name: `match, ${label}, ${scenario}`,
    opsPerSec: Math.round(rates.trie as number),
    baseline: 'qlobber',
    baselineOpsPerSec: Math.round(rates.qlobber as number),
    ratio: Number(((rates.trie as number) / (rates.qlobber as number)).toFixed(3)),
    ...(goal === undefined ? {} : { goal }),
  });
  results.push(row('hot cache (1,000 types)', hot));
  results.push(row('no cache, cacheSize 0 (1,000 types)', noCache));
  results.push(row('cache overflowing (5,000 types cycled, cacheSize 1,024)', overflowing));
  // The same trie again, built alone, this time with its cache filled by the 1,000 hot types.
  const withFullCache = measured(() => {
    const t = new TopicTrie<object>();
    for (let i = 0; i < patterns.length; i++) t.add(patterns[i] as string, values[i] as object);
    for (const type of hotTypes) t.match(type);
    return t;
  });
  results.push({
    name: `heap bytes, ${label}`,
    opsPerSec: trie.bytes,
    baseline: 'qlobber',
    baselineOpsPerSec: qlobber.bytes,
    ratio: Number((trie.bytes / qlobber.bytes).toFixed(3)),
    heapBytes: trie.bytes,
    baselineHeapBytes: qlobber.bytes,
    heapBytesWithFullCache: withFullCache.bytes,
    ...(size === 100_000 ? { goal: '<= 1.0x qlobber' } : {}),
  });
}

for (const result of results) console.log(`BENCH_RESULT ${JSON.stringify({ package: '@bus/topics', ...result })}`);
if (sink === 42) console.log('');
