/**
 * `PersistenceEventStore`: the legacy `IEventStore` over a `@bus/persistence`
 * event store, so the Ares bus can keep its events in SQLite, Postgres,
 * memory or the `@bus/persistence` JSON Lines backend instead of the legacy files.
 *
 * Events are stored as CloudEvents envelopes (see `event-envelope.ts`) in the
 * stream of their aggregate (or of their type when they have none), with the
 * legacy fields CloudEvents has no attribute for as extension attributes
 * (`aresversion`, `aresstatus`, `aresretrycount`, `arestags`). Snapshots go to
 * the stream `ares-snapshot:{aggregate}`, at the legacy sequence number.
 */
import { BusError, consoleLogger, type EventEnvelope, type Logger } from '@bus/core';
import type { EventStore } from '@bus/persistence';
import { Event } from './event.js';
import { fromEnvelope, toEnvelope } from './event-envelope.js';
import { EventSnapshot } from './event-snapshot.js';
import {
  type EventFilter,
  type GetEventsOptions,
  type IEventStore,
  matchesEventFilter,
  sortBySequence,
  toEventFilter,
} from './event-store.js';
import { toEventStatus } from './event-type.js';
import { isPlainObject } from './plain-object.js';

/**
 * Options of `new PersistenceEventStore(store, options)`.
 *
 * @example
 * ```ts
 * new PersistenceEventStore(createEventStore({ backend: sqliteBackend({ path: 'ares.db' }) }), { onError: (error) => log.error(error) });
 * ```
 */
export interface PersistenceEventStoreOptions {
  /**
   * Receives what the store could not do, as a `BusError` (usually
   * `STORE_FAILED`), while the method answers as the legacy interface does
   * (`false`, `[]`, `null`). Default: `logger.error`.
   */
  readonly onError?: ((error: BusError) => void) | undefined;
  /** Where failures go without `onError`: pino, `console`, or any `Logger`. Default `consoleLogger()`. */
  readonly logger?: Logger | undefined;
}

const SNAPSHOT_STREAM_PREFIX = 'ares-snapshot:';

/**
 * An {@link IEventStore} over a `@bus/persistence` `EventStore`, for any of its
 * backends (memory, JSON Lines, SQLite, Postgres).
 *
 * @example
 * ```ts
 * import { createEventStore, sqliteBackend } from '@bus/persistence';
 *
 * const ares = new EnhancedEventBus(config, {
 *   eventStore: new PersistenceEventStore(createEventStore({ backend: sqliteBackend({ path: 'ares.db' }) })),
 * });
 * ```
 */
export class PersistenceEventStore implements IEventStore {
  /** The `@bus/persistence` store underneath; close it when you are done. */
  readonly store: EventStore;
  readonly #onError: (error: BusError) => void;

  /** Wraps `store`; throws `CONFIG_INVALID` when it is not an event store. */
  constructor(store: EventStore, options: PersistenceEventStoreOptions = {}) {
    if (typeof store?.append !== 'function' || typeof store.readAll !== 'function' || typeof store.loadSnapshot !== 'function') {
      throw new BusError(
        'CONFIG_INVALID',
        'PersistenceEventStore needs a @bus/persistence event store, e.g. createEventStore({ backend }).',
      );
    }
    this.store = store;
    const logger = options.logger ?? consoleLogger();
    this.#onError =
      options.onError ??
      ((error) => logger.error({ err: error, code: error.code, eventId: error.eventId }, `[PersistenceEventStore] ${error.message}`));
  }

  /** Appends the event to the stream of its aggregate (or type); `false` when it could not. */
  async saveEvent(event: Event): Promise<boolean> {
    if (!(event instanceof Event)) return this.#rejected(new BusError('INVALID_EVENT', 'saveEvent() takes an Event.'), false);
    const { metadata } = event;
    const envelope = {
      ...toEnvelope(event),
      aresversion: metadata.version,
      aresstatus: metadata.status,
      aresretrycount: metadata.retryCount,
      ...(Object.keys(metadata.tags).length > 0 ? { arestags: JSON.stringify(metadata.tags) } : {}),
    };
    try {
      await this.store.append(metadata.aggregateId || event.eventType, envelope);
      return true;
    } catch (error) {
      return this.#failed(error, `could not save event ${metadata.eventId}`, metadata.eventId);
    }
  }

  /** The stored events that pass the filter, sorted by sequence number; `[]` (and `onError`) when the store fails. */
  async getEvents(options: GetEventsOptions = {}): Promise<Event[]> {
    let filter: EventFilter;
    try {
      filter = toEventFilter(options);
    } catch (error) {
      return this.#rejected(error as BusError, []);
    }
    try {
      // An aggregate's events are its stream; the filter below still checks every field.
      const records =
        filter.aggregateId !== undefined
          ? await this.store.readStream(filter.aggregateId)
          : await this.store.readAll(filter.eventTypes === undefined ? {} : { types: [...filter.eventTypes] });
      const events: Event[] = [];
      for (const record of records) {
        const event = this.#toEvent(record.event);
        if (event !== undefined && matchesEventFilter(event, filter)) events.push(event);
      }
      return sortBySequence(events);
    } catch (error) {
      this.#failed(error, 'could not read events');
      return [];
    }
  }

  /** Saves the snapshot at its sequence number; `false` when it could not. */
  async saveSnapshot(snapshot: EventSnapshot): Promise<boolean> {
    if (!(snapshot instanceof EventSnapshot))
      return this.#rejected(new BusError('INVALID_EVENT', 'saveSnapshot() takes an EventSnapshot.'), false);
    try {
      await this.store.saveSnapshot({
        stream: `${SNAPSHOT_STREAM_PREFIX}${snapshot.aggregateId}`,
        version: snapshot.sequenceNumber,
        state: snapshot.toJSON(),
        takenAt: snapshot.timestamp,
      });
      return true;
    } catch (error) {
      return this.#failed(error, `could not save snapshot ${snapshot.snapshotId}`);
    }
  }

  /** The snapshot of `aggregateId` with the highest sequence number, or null. */
  async getLatestSnapshot(aggregateId: string): Promise<EventSnapshot | null> {
    if (typeof aggregateId !== 'string')
      return this.#rejected(new BusError('INVALID_EVENT', 'getLatestSnapshot() takes an aggregate id string.'), null);
    try {
      const snapshot = await this.store.loadSnapshot(`${SNAPSHOT_STREAM_PREFIX}${aggregateId}`);
      if (snapshot === undefined) return null;
      if (!isPlainObject(snapshot.state)) throw new Error('the stored state is not a legacy snapshot');
      return EventSnapshot.fromDict(snapshot.state);
    } catch (error) {
      this.#failed(error, `could not read the latest snapshot of '${aggregateId}'`);
      return null;
    }
  }

  /** The event of a stored envelope, with the legacy fields back; undefined (and `onError`) when it is not an Ares event. */
  #toEvent(envelope: EventEnvelope): Event | undefined {
    try {
      const event = fromEnvelope(envelope, toEventStatus(envelope.aresstatus));
      const { metadata } = event;
      if (typeof envelope.aresversion === 'string') metadata.version = envelope.aresversion;
      if (typeof envelope.aresretrycount === 'number') metadata.retryCount = envelope.aresretrycount;
      if (typeof envelope.arestags === 'string') {
        const tags: unknown = JSON.parse(envelope.arestags);
        if (isPlainObject(tags)) metadata.tags = tags as Record<string, string>;
      }
      return event;
    } catch (error) {
      this.#failed(error, `stored event ${envelope.id} (${envelope.type}) is not a readable Ares event; skipped`, envelope.id);
      return undefined;
    }
  }

  /** Bad arguments: reported to `onError`, answered with the legacy value. */
  #rejected<R>(error: BusError, answer: R): R {
    this.#onError(error);
    return answer;
  }

  #failed(error: unknown, message: string, eventId?: string): false {
    const cause = error instanceof Error ? error.message : String(error);
    this.#onError(
      BusError.is(error) && error.code !== 'STORE_FAILED'
        ? error
        : new BusError('STORE_FAILED', `PersistenceEventStore: ${message}: ${cause}`, { cause: error, eventId }),
    );
    return false;
  }
}
