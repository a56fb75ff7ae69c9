/**
 * The bus's event queue: the legacy unbounded `asyncio.Queue` (FIFO) that
 * `publish` puts events on and `processEvents` drains, without the O(n)
 * `Array.shift` of a plain array.
 */
import type { Event } from './event.js';

/** A FIFO of events. */
export class EventQueue {
  #items: (Event | undefined)[] = [];
  #head = 0;

  /** How many events wait. */
  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Adds an event at the back. */
  push(event: Event): void {
    this.#items.push(event);
  }

  /** Takes the event at the front, or undefined when empty. */
  shift(): Event | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const event = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head++;
    // Drop the consumed front once it is most of the array.
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return event;
  }

  /** Empties the queue. */
  clear(): void {
    this.#items = [];
    this.#head = 0;
  }
}
