/**
 * A bounded first-in first-out buffer with an overflow policy, for code that
 * holds events itself before handing them on: a publish-side queue drained in
 * batches, an offline outbox, a legacy "queue then process()" API.
 *
 * Unlike the per-subscription queues of {@link backpressure}, it runs nothing:
 * it only decides what a full buffer keeps, and says what it did.
 */
import { BusError } from '@bus/core';
import { Fifo } from './fifo.js';

/**
 * What a full {@link BoundedBuffer} does with one more item. `block` is not
 * one: a buffer nobody drains concurrently cannot wait for room.
 *
 * @example
 * ```ts
 * const policy: BufferPolicy = 'drop-oldest';
 * ```
 */
export type BufferPolicy = 'drop-oldest' | 'drop-newest' | 'reject';

/**
 * The outcome of {@link BoundedBuffer.offer}.
 *
 * - `{ accepted: true, evicted }`: the item is buffered; `evicted` lists the
 *   oldest items dropped to make room (`drop-oldest`), oldest first: one when
 *   the buffer was full, more when its capacity was lowered below its size,
 *   none otherwise.
 * - `{ accepted: false, reason }`: the buffer is full and kept its items;
 *   `reason` is `'rejected'` under `reject` and `'dropped'` under `drop-newest`.
 *
 * @example
 * ```ts
 * const outcome = buffer.offer(event);
 * if (!outcome.accepted) console.warn(`event ${outcome.reason}`);
 * ```
 */
export type OfferOutcome<T> =
  | { readonly accepted: true; readonly evicted: readonly T[] }
  | { readonly accepted: false; readonly reason: 'rejected' | 'dropped' };

/**
 * The options of {@link BoundedBuffer}.
 *
 * @example
 * ```ts
 * const options: BoundedBufferOptions = { capacity: 1000, policy: 'reject' };
 * ```
 */
export interface BoundedBufferOptions {
  /** How many items the buffer holds; `Infinity` for unbounded. A whole number ≥ 0. */
  readonly capacity: number;
  /** What a full buffer does with one more item. Default `'reject'`. */
  readonly policy?: BufferPolicy;
}

const NONE: readonly never[] = Object.freeze([]);
const POLICIES: readonly BufferPolicy[] = ['drop-oldest', 'drop-newest', 'reject'];

function checkCapacity(capacity: number): number {
  if (capacity !== Number.POSITIVE_INFINITY && !(Number.isInteger(capacity) && capacity >= 0))
    throw new BusError('CONFIG_INVALID', `buffer capacity must be a whole number ≥ 0 or Infinity, got ${String(capacity)}`);
  return capacity;
}

function checkPolicy(policy: unknown): BufferPolicy {
  if (!POLICIES.includes(policy as BufferPolicy))
    throw new BusError('CONFIG_INVALID', `buffer policy must be one of ${POLICIES.join(', ')}, got ${String(policy)}`);
  return policy as BufferPolicy;
}

/**
 * A bounded FIFO with `drop-oldest`, `drop-newest` or `reject` on overflow.
 * Capacity and policy can change at runtime; shrinking the capacity never drops
 * items already held (the buffer refuses or evicts on the next offer instead).
 *
 * @example
 * ```ts
 * const buffer = new BoundedBuffer<string>({ capacity: 2, policy: 'drop-oldest' });
 * buffer.offer('a');
 * buffer.offer('b');
 * buffer.offer('c'); // { accepted: true, evicted: ['a'] }
 * buffer.drain(); // ['b', 'c']
 * ```
 */
export class BoundedBuffer<T> implements Iterable<T> {
  #items = new Fifo<T>();
  #capacity: number;
  #policy: BufferPolicy;

  constructor(options: BoundedBufferOptions) {
    this.#capacity = checkCapacity(options.capacity);
    this.#policy = checkPolicy(options.policy ?? 'reject');
  }

  /** How many items the buffer holds at most. Setting it checks the value. */
  get capacity(): number {
    return this.#capacity;
  }

  set capacity(capacity: number) {
    this.#capacity = checkCapacity(capacity);
  }

  /** What a full buffer does with one more item. Setting it checks the value. */
  get policy(): BufferPolicy {
    return this.#policy;
  }

  set policy(policy: BufferPolicy) {
    this.#policy = checkPolicy(policy);
  }

  /** How many items are buffered. */
  get size(): number {
    return this.#items.size;
  }

  /** Whether one more item would overflow. */
  get full(): boolean {
    return this.#items.size >= this.#capacity;
  }

  /**
   * Adds `item` unless the buffer is full, in which case the policy decides.
   * Never throws: the outcome says what happened.
   */
  offer(item: T): OfferOutcome<T> {
    if (this.#items.size < this.#capacity) {
      this.#items.push(item);
      return { accepted: true, evicted: NONE };
    }
    if (this.#policy === 'reject') return { accepted: false, reason: 'rejected' };
    if (this.#policy === 'drop-newest' || this.#capacity === 0) return { accepted: false, reason: 'dropped' };
    // A capacity lowered below the current size evicts down to it, oldest first.
    const evicted: T[] = [];
    while (this.#items.size >= this.#capacity) evicted.push(this.#items.shift() as T);
    this.#items.push(item);
    return { accepted: true, evicted };
  }

  /** Removes and returns the oldest item, or `undefined` when empty. */
  shift(): T | undefined {
    return this.#items.shift();
  }

  /** The oldest item without removing it, or `undefined` when empty. */
  peek(): T | undefined {
    return this.#items.peek();
  }

  /** Removes and returns up to `max` items, oldest first (all of them by default). */
  drain(max: number = Number.POSITIVE_INFINITY): T[] {
    const out: T[] = [];
    while (out.length < max && this.#items.size > 0) out.push(this.#items.shift() as T);
    return out;
  }

  /** The buffered items, oldest first, without removing them. */
  toArray(): T[] {
    return [...this];
  }

  /** Iterates the buffered items, oldest first, without removing them. */
  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.#items.size; i++) yield this.#items.at(i) as T;
  }
}
