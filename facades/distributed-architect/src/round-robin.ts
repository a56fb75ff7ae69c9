/** Round-robin assignment of events to handlers, the legacy `balanceLoad`. */
import { BusError } from '@bus/core';

/**
 * Deals `events` to `handlers` in turn: event `i` goes to handler `i mod n`.
 * A handler listed twice gets the events of both its places. No handlers → `{}`.
 */
export function roundRobin<H extends PropertyKey, E>(handlers: readonly H[], events: Iterable<E>): Record<H, E[]> {
  if (!Array.isArray(handlers)) throw new BusError('CONFIG_INVALID', 'balanceLoad() takes the handlers as an array.');
  if (events === null || typeof (events as Partial<Iterable<E>>)[Symbol.iterator] !== 'function') {
    throw new BusError('CONFIG_INVALID', 'balanceLoad() takes the events as an array (or any iterable).');
  }
  for (const handler of handlers) {
    if (typeof handler !== 'string' && typeof handler !== 'number' && typeof handler !== 'symbol') {
      throw new BusError('CONFIG_INVALID', `balanceLoad() takes handler names (strings), got ${typeof handler}.`);
    }
  }
  const assigned = new Map<H, E[]>(handlers.map((handler) => [handler, []]));
  if (handlers.length === 0) return {} as Record<H, E[]>;
  let index = 0;
  for (const event of events) {
    (assigned.get(handlers[index % handlers.length] as H) as E[]).push(event);
    index++;
  }
  // fromEntries defines own properties, so a handler named '__proto__' is a key like any other.
  return Object.fromEntries(assigned) as Record<H, E[]>;
}
