/**
 * A binary min-heap. By default it is ordered by a number on each entry; the
 * queue uses it to find, among the partition keys ready to run, the one whose
 * next event arrived first, and (with an ordering of its own) the waiting
 * event of highest priority.
 */
export class MinHeap<T extends { readonly rank: number }> {
  #entries: T[] = [];
  readonly #before: (a: T, b: T) => boolean;

  /** `before(a, b)`: whether `a` comes out before `b`. Default: the smaller `rank`. */
  constructor(before: (a: T, b: T) => boolean = (a, b) => a.rank < b.rank) {
    this.#before = before;
  }

  get size(): number {
    return this.#entries.length;
  }

  push(entry: T): void {
    const entries = this.#entries;
    entries.push(entry);
    let index = entries.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.#before(entry, entries[parent] as T)) break;
      entries[index] = entries[parent] as T;
      index = parent;
    }
    entries[index] = entry;
  }

  peek(): T | undefined {
    return this.#entries[0];
  }

  pop(): T | undefined {
    const entries = this.#entries;
    const top = entries[0];
    const last = entries.pop();
    if (top === undefined || last === undefined || entries.length === 0) return top;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= entries.length) break;
      const right = left + 1;
      const child = right < entries.length && this.#before(entries[right] as T, entries[left] as T) ? right : left;
      if (!this.#before(entries[child] as T, last)) break;
      entries[index] = entries[child] as T;
      index = child;
    }
    entries[index] = last;
    return top;
  }

  /** Keeps only the entries `keep` accepts (drops stale ones), rebuilding the heap. */
  retain(keep: (entry: T) => boolean): void {
    const kept = this.#entries.filter(keep);
    this.#entries = [];
    for (const entry of kept) this.push(entry);
  }
}
