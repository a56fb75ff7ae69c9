/**
 * A binary min-heap ordered by a number on each entry. The queue uses it to
 * find, among the partition keys ready to run, the one whose next event
 * arrived first.
 */
export class MinHeap<T extends { readonly rank: number }> {
  readonly #entries: T[] = [];

  get size(): number {
    return this.#entries.length;
  }

  push(entry: T): void {
    const entries = this.#entries;
    entries.push(entry);
    let index = entries.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if ((entries[parent] as T).rank <= entry.rank) break;
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
      const child = right < entries.length && (entries[right] as T).rank < (entries[left] as T).rank ? right : left;
      if ((entries[child] as T).rank >= last.rank) break;
      entries[index] = entries[child] as T;
      index = child;
    }
    entries[index] = last;
    return top;
  }
}
