/**
 * `IEventStore`, the legacy storage interface, and the legacy read filter
 * every store applies: aggregate, inclusive sequence bounds (with `0` as the
 * upper bound meaning none, as the legacy truthiness test did), and types.
 */
import { BusError } from '@bus/core';
import type { Event } from './event.js';
import type { EventSnapshot } from './event-snapshot.js';
import { type EventType, isEventType } from './event-type.js';

/**
 * Options of `getEvents` and `replayEvents`.
 *
 * @example
 * ```ts
 * await store.getEvents({ aggregateId: 'trader_1', fromSequence: 2, toSequence: 3, eventTypes: [EventType.TRADE_EXECUTED] });
 * ```
 */
export interface GetEventsOptions {
  /** Only events of this aggregate. An empty string or null means every aggregate (legacy truthiness). */
  readonly aggregateId?: string | null | undefined;
  /** The lowest sequence number, inclusive. Default 0. */
  readonly fromSequence?: number | undefined;
  /** The highest sequence number, inclusive. `null`, `undefined` or `0` mean no upper bound (legacy truthiness). */
  readonly toSequence?: number | null | undefined;
  /** Only these types. An empty list or null means every type (legacy truthiness). */
  readonly eventTypes?: readonly EventType[] | null | undefined;
}

/**
 * Where events and snapshots are kept (the legacy `IEventStore`). Every method
 * is async. {@link FileEventStore} is the legacy file layout;
 * {@link PersistenceEventStore} puts any `@bus/persistence` backend behind it.
 *
 * @example
 * ```ts
 * const store: IEventStore = new FileEventStore('event_store');
 * await store.saveEvent(event);
 * const trades = await store.getEvents({ aggregateId: 'trader_1', eventTypes: [EventType.TRADE_EXECUTED] });
 * ```
 */
export interface IEventStore {
  /** Stores an event; `false` when it could not. */
  saveEvent(event: Event): Promise<boolean>;
  /** The events that pass the filter, sorted by sequence number; both bounds inclusive. */
  getEvents(options?: GetEventsOptions): Promise<Event[]>;
  /** Stores a snapshot; `false` when it could not. */
  saveSnapshot(snapshot: EventSnapshot): Promise<boolean>;
  /** The snapshot of `aggregateId` with the highest sequence number, or null. */
  getLatestSnapshot(aggregateId: string): Promise<EventSnapshot | null>;
}

/** A checked {@link GetEventsOptions}. */
export interface EventFilter {
  readonly aggregateId: string | undefined;
  readonly fromSequence: number;
  readonly toSequence: number;
  readonly eventTypes: ReadonlySet<EventType> | undefined;
}

/** Checks the options and applies the legacy defaults; throws `INVALID_EVENT` for a bad value. */
export function toEventFilter(options: GetEventsOptions = {}): EventFilter {
  if (typeof options !== 'object' || options === null) throw new BusError('INVALID_EVENT', 'getEvents(options) takes an object.');
  const { aggregateId, fromSequence = 0, toSequence, eventTypes } = options;
  if (aggregateId !== undefined && aggregateId !== null && typeof aggregateId !== 'string') {
    throw new BusError('INVALID_EVENT', `aggregateId must be a string, got ${typeof aggregateId}.`);
  }
  if (typeof fromSequence !== 'number' || Number.isNaN(fromSequence)) {
    throw new BusError('INVALID_EVENT', `fromSequence must be a number, got ${String(fromSequence)}.`);
  }
  if (toSequence !== undefined && toSequence !== null && (typeof toSequence !== 'number' || Number.isNaN(toSequence))) {
    throw new BusError('INVALID_EVENT', `toSequence must be a number or null, got ${String(toSequence)}.`);
  }
  if (eventTypes !== undefined && eventTypes !== null) {
    if (!Array.isArray(eventTypes)) throw new BusError('INVALID_EVENT', 'eventTypes must be a list of EventType values.');
    const unknown = eventTypes.filter((type) => !isEventType(type));
    if (unknown.length > 0) throw new BusError('INVALID_EVENT', `eventTypes has unknown event types: ${JSON.stringify(unknown)}.`);
  }
  return {
    aggregateId: aggregateId || undefined,
    fromSequence,
    // `if to_sequence and …`: the legacy treated 0 like None.
    toSequence: toSequence || Number.POSITIVE_INFINITY,
    eventTypes: eventTypes !== undefined && eventTypes !== null && eventTypes.length > 0 ? new Set(eventTypes) : undefined,
  };
}

/** Whether `event` passes `filter`. */
export function matchesEventFilter(event: Event, filter: EventFilter): boolean {
  const { metadata } = event;
  return (
    (filter.aggregateId === undefined || metadata.aggregateId === filter.aggregateId) &&
    metadata.sequenceNumber >= filter.fromSequence &&
    metadata.sequenceNumber <= filter.toSequence &&
    (filter.eventTypes === undefined || filter.eventTypes.has(event.eventType))
  );
}

/** Sorts by sequence number, in place; equal numbers keep their order (the sort is stable). */
export function sortBySequence(events: Event[]): Event[] {
  return events.sort((a, b) => a.metadata.sequenceNumber - b.metadata.sequenceNumber);
}
