/**
 * A first-in first-out queue on a ring buffer: `push` and `shift` are O(1)
 * at any length, where `Array.prototype.shift` copies the array once it is
 * large.
 */
export class Fifo<T> {
  #items: (T | undefined)[] = new Array(8);
  #head = 0;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(item: T): void {
    if (this.#size === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#size) & (this.#items.length - 1)] = item;
    this.#size++;
  }

  /** The oldest item, or undefined when empty. */
  peek(): T | undefined {
    return this.#size === 0 ? undefined : this.#items[this.#head];
  }

  /** The item `index` places after the oldest (0 is the oldest), or undefined past the end. */
  at(index: number): T | undefined {
    return index < 0 || index >= this.#size ? undefined : this.#items[(this.#head + index) & (this.#items.length - 1)];
  }

  /** Removes and returns the oldest item, or undefined when empty. */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#items.length - 1);
    this.#size--;
    return item;
  }

  #grow(): void {
    // The capacity stays a power of two, so wrapping is a mask rather than a modulo.
    const items: (T | undefined)[] = new Array(this.#items.length * 2);
    for (let i = 0; i < this.#size; i++) items[i] = this.#items[(this.#head + i) & (this.#items.length - 1)];
    this.#items = items;
    this.#head = 0;
  }
}
