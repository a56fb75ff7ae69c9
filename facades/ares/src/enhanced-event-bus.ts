/**
 * `EnhancedEventBus`: the Ares trading bus (typed events on a queue, batch
 * processing, schema validation, persistence, snapshots, inclusive replay and
 * state rebuild), dispatching through a real `@bus/core` bus.
 *
 * `publish` puts an event on the queue (the legacy `asyncio.Queue`);
 * `processEvents` drains up to 100 and publishes each through `bus`, whose
 * subscriptions are the legacy callbacks. The queue, the metrics, the history
 * and the snapshot rule are legacy-specific glue and stay here; validation
 * runs on a `@bus/schema` registry and storage is any {@link IEventStore}.
 */

import { BoundedBuffer } from '@bus/backpressure';
import {
  type Bus,
  BusError,
  consoleLogger,
  createBus,
  type EventEnvelope,
  isThenable,
  type Kernel,
  type Logger,
  type SubscriptionHandle,
} from '@bus/core';
import { kernelOf } from '@bus/core/plugin-kit';
import { type EnhancedEventBusConfig, type ResolvedSettings, readSettings, settingsProblem } from './config.js';
import { Event } from './event.js';
import { DEFAULT_SOURCE, fromEnvelope, toEnvelope } from './event-envelope.js';
import { EventMetadata } from './event-metadata.js';
import { EventSnapshot } from './event-snapshot.js';
import type { GetEventsOptions, IEventStore } from './event-store.js';
import { EventStatus, EventType, isEventType } from './event-type.js';
import { EventVersionManager } from './event-version-manager.js';
import { FileEventStore } from './file-event-store.js';
import { toLegacyTimestamp } from './legacy-time.js';

/**
 * A subscriber: called with each event of its type, synchronous or async.
 * What it returns is ignored (a promise is awaited); what it throws is counted
 * in the event's `retryCount` and does not stop the other subscribers.
 *
 * @typeParam T - the type of the events' `data`.
 * @example
 * ```ts
 * const onTrade: EventCallback<{ symbol: string }> = async (event) => console.log(event.data.symbol);
 * ares.subscribe(EventType.TRADE_EXECUTED, onTrade);
 * ```
 */
export type EventCallback<T = unknown> = (event: Event<T>) => unknown;

/**
 * Options of `publish(eventType, data, options)`: the legacy keyword arguments.
 *
 * @example
 * ```ts
 * await ares.publish(EventType.TRADE_EXECUTED, trade, { source: 'ExchangeAPI', correlationId: 'c-1', aggregateId: 'trader_1', tags: { venue: 'binance' } });
 * ```
 */
export interface PublishEventOptions {
  /** Who publishes. Default `''`. */
  readonly source?: string | undefined;
  /** The id shared by the events of one flow. */
  readonly correlationId?: string | null | undefined;
  /** The aggregate (e.g. a trader) the event belongs to. */
  readonly aggregateId?: string | null | undefined;
  /** Free-form string tags. */
  readonly tags?: Readonly<Record<string, string>> | null | undefined;
}

/**
 * Options of `rebuildFromEvents(aggregateId, options)`.
 *
 * @example
 * ```ts
 * await ares.rebuildFromEvents('trader_1', { targetSequence: 42 });
 * ```
 */
export interface RebuildOptions {
  /** The last sequence number to apply, inclusive. `null`, `undefined` or `0` mean all (legacy truthiness). */
  readonly targetSequence?: number | null | undefined;
}

/**
 * Options of `getHistory` and `getEventHistory`.
 *
 * @example
 * ```ts
 * ares.getEventHistory({ limit: 5 }); // the 5 most recent
 * ```
 */
export interface HistoryOptions {
  /** Only the most recent `limit` entries. `null`, `undefined` or `0` mean all (legacy truthiness). */
  readonly limit?: number | null | undefined;
}

/**
 * The bus's counters (the legacy `metrics` dict).
 *
 * @example
 * ```ts
 * const { eventsProcessed, eventsFailed } = ares.getMetrics();
 * ```
 */
export interface EventBusMetrics {
  /** Events dispatched and processed. */
  eventsProcessed: number;
  /** Events that failed validation, dispatch or persistence. */
  eventsFailed: number;
  /** Snapshots taken. */
  snapshotsCreated: number;
  /** `replayEvents` calls answered from the store. */
  replaysPerformed: number;
}

/**
 * One entry of the status history: when `processEvents` (or `stop`) ran.
 *
 * @example
 * ```ts
 * ares.getHistory({ limit: 1 })[0]?.status; // 'running'
 * ```
 */
export interface EventBusStatusEntry {
  /** ISO 8601. */
  timestamp: string;
  /** `'running'` after `processEvents`, `'stopped'` after `stop`. */
  status: 'running' | 'stopped';
}

/**
 * What `getStatus()` returns: the last status entry (if any) and the bus's state.
 *
 * @example
 * ```ts
 * const { queueSize, subscribersCount, persistenceEnabled } = ares.getStatus();
 * ```
 */
export interface EnhancedEventBusStatus extends Partial<EventBusStatusEntry> {
  /** A copy of the metrics. */
  metrics: EventBusMetrics;
  /** Events waiting in the queue. */
  queueSize: number;
  /** Subscribers per event type (a type keeps its key, at 0, after its last unsubscribe). */
  subscribersCount: Record<string, number>;
  /** `enablePersistence`. */
  persistenceEnabled: boolean;
  /** `enableSnapshots`. */
  snapshotsEnabled: boolean;
}

/**
 * What `rebuildFromEvents` returns: the snapshot's state, with every
 * `TRADE_EXECUTED` event's data appended to `trades` and the last
 * `PERFORMANCE_UPDATE` event's data as `performance`.
 *
 * @example
 * ```ts
 * const state = await ares.rebuildFromEvents('trader_1');
 * console.log(state.trades?.length, state.performance);
 * ```
 */
export interface RebuiltState {
  /** The data of each `TRADE_EXECUTED` event, in sequence order. */
  trades?: unknown[];
  /** The data of the last `PERFORMANCE_UPDATE` event. */
  performance?: unknown;
  /** Whatever else the snapshot's state held. */
  [key: string]: unknown;
}

/**
 * Options of `new EnhancedEventBus(config, options)`: what the legacy
 * constructor had no parameter for.
 *
 * @example
 * ```ts
 * new EnhancedEventBus(config, { eventStore: new PersistenceEventStore(createEventStore({ backend: sqliteBackend({ path: 'ares.db' }) })) });
 * ```
 */
export interface EnhancedEventBusOptions {
  /** The store; default `new FileEventStore(config.eventBus.storagePath, { logger })`. */
  readonly eventStore?: IEventStore | undefined;
  /** The bus's logger (`createBus({ logger })`): pino, `console`, or any `Logger`. Default `consoleLogger()`. */
  readonly logger?: Logger | undefined;
}

/** What the facade reports through: the kernel's rule for who handles a signal. */
type Reports = Pick<Kernel, 'report' | 'drop'>;

/** The legacy batch size of `_process_events`. */
const BATCH_SIZE = 100;

interface Subscriber {
  readonly callback: EventCallback<never>;
  readonly handle: SubscriptionHandle;
}

/**
 * The enhanced event bus with event sourcing, versioning and persistence.
 *
 * @example
 * ```ts
 * const ares = new EnhancedEventBus({ eventBus: { processingInterval: 0.1, storagePath: 'event_store' } });
 * await ares.initialize();
 * ares.subscribe(EventType.TRADE_EXECUTED, (event) => console.log(event.data));
 * await ares.publish(EventType.TRADE_EXECUTED, { symbol: 'BTCUSDT', side: 'buy', quantity: 1, price: 50_000 }, { aggregateId: 'trader_1' });
 * await ares.processEvents(); // or: void ares.run(); … await ares.stop();
 * await ares.replayEvents({ aggregateId: 'trader_1', fromSequence: 0, toSequence: 10 });
 * ```
 */
export class EnhancedEventBus {
  /** The configuration given to the constructor (not modified). */
  readonly config: EnhancedEventBusConfig;
  /**
   * The `@bus/core` bus events are dispatched through: each legacy subscriber
   * is a subscription on it, each processed event a `publish`. Add plugins with
   * `ares.bus.use(…)` before the first `processEvents()` or `run()` (which
   * start it); subscribe to it directly to receive the events as CloudEvents
   * envelopes. Failures are reported on `bus.events`: `failed` (a subscriber
   * threw), `dropped` (an event failed its schema) and `error` (a dispatch or
   * persistence failure); unhandled, they go to the bus's logger (`options.logger`).
   */
  readonly bus: Bus;
  /** Whether `run()` is looping. */
  isRunning = false;
  /** The last status entry (`{}` until the first `processEvents`). */
  status: Partial<EventBusStatusEntry> = {};
  /** The status entries, at most `maxHistory`. */
  readonly history: EventBusStatusEntry[] = [];
  /** Seconds between two `processEvents()` of `run()`. */
  processingInterval: number;
  /** How many events and status entries the histories keep. */
  maxHistory: number;
  /** Whether processed events are stored. */
  enablePersistence: boolean;
  /** Whether `"system"` snapshots are taken. */
  enableSnapshots: boolean;
  /** Processed events between two snapshots. */
  snapshotFrequency: number;
  /** The `FileEventStore` directory. */
  storagePath: string;
  /** The processed events, oldest first, at most `maxHistory` (loaded from the store by `initialize`). */
  readonly eventHistory: Event[] = [];
  /** The sequence number the next published event gets. */
  sequenceCounter = 0;
  /** Where events and snapshots are stored. */
  eventStore: IEventStore;
  /** Validates events against their schema version. */
  readonly versionManager = new EventVersionManager();
  /** The latest snapshot per aggregate (`"system"`). */
  readonly snapshots: Record<string, EventSnapshot> = {};
  /** The counters; `getMetrics()` returns a copy. */
  readonly metrics: EventBusMetrics = { eventsProcessed: 0, eventsFailed: 0, snapshotsCreated: 0, replaysPerformed: 0 };
  /** The legacy unbounded `asyncio.Queue` that `publish` fills and `processEvents` drains. */
  readonly #queue = new BoundedBuffer<Event>({ capacity: Number.POSITIVE_INFINITY });
  readonly #subscribers = new Map<EventType, Subscriber[]>();
  /** The events being dispatched, by id: what the subscriptions hand to the callbacks. */
  readonly #inFlight = new Map<string, Event>();
  #loop: Promise<boolean> | undefined;
  #wake: (() => void) | undefined;
  /** The kernel's reporting, taken by the facade's plugin: `bus.events`, and the logger when unhandled. */
  readonly #reports: Reports;

  /**
   * Reads `config.eventBus` (with the legacy defaults) and builds the bus.
   * Throws `CONFIG_INVALID` when `config` or `config.eventBus` is not an object,
   * `storagePath` is not a non-empty string, or `options.eventStore` is not an
   * event store; other bad values make `initialize()` return false.
   */
  constructor(config: EnhancedEventBusConfig, options: EnhancedEventBusOptions = {}) {
    const settings = readSettings(config);
    this.config = config;
    this.processingInterval = settings.processingInterval;
    this.maxHistory = settings.maxHistory;
    this.enablePersistence = settings.enablePersistence;
    this.enableSnapshots = settings.enableSnapshots;
    this.snapshotFrequency = settings.snapshotFrequency;
    this.storagePath = settings.storagePath;
    const store = options?.eventStore;
    if (store !== undefined && !isEventStore(store)) {
      throw new BusError(
        'CONFIG_INVALID',
        'options.eventStore must implement IEventStore (saveEvent, getEvents, saveSnapshot, getLatestSnapshot).',
      );
    }
    const logger = options.logger ?? consoleLogger();
    this.eventStore = store ?? new FileEventStore(settings.storagePath, { logger });
    this.bus = createBus({ source: DEFAULT_SOURCE, logger });
    const kernel = kernelOf(this.bus, 'ares');
    // Observed, not handled: a failure nobody else listens to is still logged, as the legacy logged it.
    kernel.observe('failed', (_error, envelope) => this.#subscriberFailed(envelope));
    this.#reports = kernel;
  }

  /**
   * Reads the configuration again, checks it, empties the queue and the
   * history, and (with persistence) continues the sequence after the highest
   * stored one and loads the last `maxHistory` stored events into the history.
   * Returns false, reporting why on `bus.events` `error`, when a setting is
   * invalid (an interval, `maxHistory` or `snapshotFrequency` that is not a
   * number > 0, a flag that is not a boolean) or the store throws.
   * Does not set `isRunning`: `run()` does.
   */
  async initialize(): Promise<boolean> {
    let settings: ResolvedSettings;
    try {
      settings = readSettings(this.config);
    } catch (error) {
      this.#report(BusError.from(error, 'CONFIG_INVALID'));
      return false;
    }
    this.processingInterval = settings.processingInterval;
    this.maxHistory = settings.maxHistory;
    this.enablePersistence = settings.enablePersistence;
    this.enableSnapshots = settings.enableSnapshots;
    this.snapshotFrequency = settings.snapshotFrequency;
    this.storagePath = settings.storagePath;
    const problem = settingsProblem(settings);
    if (problem !== undefined) {
      this.#report(new BusError('CONFIG_INVALID', `Invalid configuration for the enhanced event bus: ${problem}`));
      return false;
    }
    this.#queue.drain();
    this.eventHistory.length = 0;
    this.sequenceCounter = 0;
    if (this.enablePersistence) {
      let stored: Event[];
      try {
        stored = await this.eventStore.getEvents();
      } catch (error) {
        this.#report(BusError.from(error, 'STORE_FAILED'));
        return false;
      }
      for (const event of stored) this.sequenceCounter = Math.max(this.sequenceCounter, event.metadata.sequenceNumber + 1);
      for (const event of stored.slice(-this.maxHistory)) this.eventHistory.push(event);
    }
    return true;
  }

  /**
   * Processes the queue every `processingInterval` seconds until `stop()`.
   * Resolves true when stopped, false when processing failed (the underlying
   * bus could not start or was stopped). A second call while running returns
   * the same promise; a call right after `stop()` starts a new loop once the
   * old one has ended.
   */
  run(): Promise<boolean> {
    if (this.#loop !== undefined) {
      // Still running: the same loop. Stopping: run again once that loop has ended.
      return this.isRunning ? this.#loop : this.#loop.then(() => this.run());
    }
    this.isRunning = true;
    const loop = this.#runLoop().finally(() => {
      this.#loop = undefined;
    });
    this.#loop = loop;
    return loop;
  }

  /**
   * Ends `run()`'s loop (after the batch in progress), takes a final snapshot
   * when snapshots are on, and sets the status to stopped. The bus can run
   * again. It does not stop `bus`: call `await ares.bus.stop()` to release the
   * plugins' resources for good.
   */
  async stop(): Promise<void> {
    this.isRunning = false;
    this.#wake?.();
    if (this.enableSnapshots) await this.#createSnapshot();
    this.status = { timestamp: toLegacyTimestamp(new Date()), status: 'stopped' };
  }

  /**
   * Adds a subscriber for an event type (an `EventType` value, or its string).
   * Throws `INVALID_SUBSCRIPTION` for a type that is not an `EventType` value
   * (no event of it could be published) or a callback that is not a function.
   * Keep the callback's reference to unsubscribe it (a new `.bind()` is a new function).
   */
  subscribe<T = unknown>(eventType: EventType | string, callback: EventCallback<T>): void {
    if (!isEventType(eventType)) {
      throw new BusError(
        'INVALID_SUBSCRIPTION',
        `Unknown event type ${JSON.stringify(eventType) ?? String(eventType)}: use an EventType value.`,
      );
    }
    if (typeof callback !== 'function') throw new BusError('INVALID_SUBSCRIPTION', `subscribe('${eventType}') needs a callback function.`);
    const handle = this.bus.subscribe(
      eventType,
      (envelope) => {
        const result = callback(this.#eventOf(envelope) as Event<T>);
        return isThenable(result) ? Promise.resolve(result).then(ignore) : undefined;
      },
      { name: callback.name.length > 0 ? callback.name : `ares:${eventType}` },
    );
    const subscribers = this.#subscribers.get(eventType) ?? [];
    subscribers.push({ callback: callback as EventCallback<never>, handle });
    this.#subscribers.set(eventType, subscribers);
  }

  /** Removes every subscription of `callback` to `eventType`; does nothing when there is none. */
  unsubscribe<T = unknown>(eventType: EventType | string, callback: EventCallback<T>): void {
    if (!isEventType(eventType)) return;
    const subscribers = this.#subscribers.get(eventType);
    if (subscribers === undefined) return;
    const kept: Subscriber[] = [];
    for (const subscriber of subscribers) {
      if (subscriber.callback !== (callback as EventCallback<never>)) kept.push(subscriber);
      else subscriber.handle.unsubscribe().catch((error: unknown) => this.#report(BusError.from(error, 'TRANSPORT_FAILED')));
    }
    this.#subscribers.set(eventType, kept);
  }

  /** The subscribers per event type (a copy; use `subscribe`/`unsubscribe` to change them). */
  get subscribers(): Readonly<Record<string, readonly EventCallback<never>[]>> {
    return Object.fromEntries([...this.#subscribers].map(([type, subscribers]) => [type, subscribers.map((s) => s.callback)]));
  }

  /**
   * Puts an event on the queue with the next sequence number and returns its
   * id. Returns `''` (reporting why on `bus.events` `error`) for a type that
   * is not an `EventType` value or options of the wrong types, as the legacy did.
   */
  async publish<T>(eventType: EventType | string, data: T, options: PublishEventOptions = {}): Promise<string> {
    try {
      if (!isEventType(eventType)) {
        throw new BusError(
          'INVALID_EVENT',
          `Unknown event type ${JSON.stringify(eventType) ?? String(eventType)}: the event was not published.`,
        );
      }
      if (typeof options !== 'object' || options === null || Array.isArray(options))
        throw new BusError('INVALID_EVENT', 'publish() options must be an object: { source, correlationId, aggregateId, tags }.');
      const metadata = new EventMetadata({
        timestamp: new Date(),
        source: options.source ?? '',
        correlationId: options.correlationId,
        aggregateId: options.aggregateId,
        sequenceNumber: this.sequenceCounter,
        tags: options.tags ?? {},
      });
      this.#queue.offer(new Event(eventType, data, { metadata }));
      this.sequenceCounter++;
      return metadata.eventId;
    } catch (error) {
      this.#report(BusError.from(error, 'INVALID_EVENT'));
      return '';
    }
  }

  /**
   * Dispatches up to 100 queued events (the legacy `_process_events`): each is
   * validated, published through `bus` to the subscribers, persisted and added
   * to the history; a snapshot is taken after every `snapshotFrequency`-th
   * processed event. Starts `bus` on first use. Throws `BUS_START_FAILED` or
   * `BUS_STOPPED` (leaving the events queued) when `bus` cannot run.
   */
  async processEvents(): Promise<void> {
    this.status = { timestamp: toLegacyTimestamp(new Date()), status: 'running' };
    this.history.push({ ...(this.status as EventBusStatusEntry) });
    trim(this.history, this.maxHistory);
    await this.#startBus();
    for (let processed = 0; processed < BATCH_SIZE && this.#queue.size > 0; processed++) {
      const event = this.#queue.shift() as Event;
      if (await this.#dispatchEvent(event)) {
        this.metrics.eventsProcessed++;
        // Checked per event, not per batch as the legacy did: a batch must not skip past a multiple.
        if (this.enableSnapshots && this.metrics.eventsProcessed % this.snapshotFrequency === 0) await this.#createSnapshot();
      } else {
        this.metrics.eventsFailed++;
      }
    }
  }

  /**
   * The stored events that pass the filter, sorted by sequence number (both
   * bounds inclusive; `toSequence: 0` means no upper bound). `[]` when
   * persistence is off. Counts a replay.
   */
  async replayEvents(options: GetEventsOptions = {}): Promise<Event[]> {
    if (!this.enablePersistence) return [];
    try {
      const events = await this.eventStore.getEvents(options);
      this.metrics.replaysPerformed++;
      return events;
    } catch (error) {
      this.#report(BusError.from(error, 'STORE_FAILED'));
      return [];
    }
  }

  /**
   * Rebuilds an aggregate's state: from its latest snapshot (its state, and
   * the events after its sequence number), each `TRADE_EXECUTED` event's data
   * is appended to `trades` and each `PERFORMANCE_UPDATE` event's data becomes
   * `performance`, up to `targetSequence` (inclusive). `{}` (reported on
   * `bus.events` `error`) when it fails.
   */
  async rebuildFromEvents(aggregateId: string, options: RebuildOptions = {}): Promise<RebuiltState> {
    try {
      if (typeof aggregateId !== 'string') throw new BusError('INVALID_EVENT', 'rebuildFromEvents() takes an aggregate id string.');
      const snapshot = await this.eventStore.getLatestSnapshot(aggregateId);
      let fromSequence = 0;
      let state: RebuiltState = {};
      if (snapshot !== null) {
        fromSequence = snapshot.sequenceNumber + 1;
        state = structuredClone(snapshot.stateData);
      }
      const events = await this.eventStore.getEvents({ aggregateId, fromSequence, toSequence: options?.targetSequence });
      for (const event of events) {
        if (event.eventType === EventType.TRADE_EXECUTED) {
          state.trades ??= [];
          if (!Array.isArray(state.trades))
            throw new BusError('INVALID_EVENT', `The snapshot of '${aggregateId}' has 'trades' that is not a list.`);
          state.trades.push(event.data);
        } else if (event.eventType === EventType.PERFORMANCE_UPDATE) {
          state.performance = event.data;
        }
      }
      return state;
    } catch (error) {
      this.#report(BusError.from(error, 'STORE_FAILED'));
      return {};
    }
  }

  /** The last status entry with the metrics, queue size, subscriber counts and feature flags. */
  getStatus(): EnhancedEventBusStatus {
    return {
      ...this.status,
      metrics: this.getMetrics(),
      queueSize: this.#queue.size,
      subscribersCount: this.#subscribersCount(),
      persistenceEnabled: this.enablePersistence,
      snapshotsEnabled: this.enableSnapshots,
    };
  }

  /** The status entries (a copy), the most recent `limit` of them when given. */
  getHistory(options: HistoryOptions = {}): EventBusStatusEntry[] {
    return lastOf(this.history, options?.limit).map((entry) => ({ ...entry }));
  }

  /** The processed events (a copy of the list), the most recent `limit` of them when given. */
  getEventHistory(options: HistoryOptions = {}): Event[] {
    return lastOf(this.eventHistory, options?.limit);
  }

  /** A copy of the counters. */
  getMetrics(): EventBusMetrics {
    return { ...this.metrics };
  }

  async #runLoop(): Promise<boolean> {
    try {
      while (this.isRunning) {
        await this.processEvents();
        if (!this.isRunning) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.processingInterval * 1000);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#wake = undefined;
      }
      return true;
    } catch (error) {
      this.isRunning = false;
      this.#report(BusError.from(error, 'BUS_START_FAILED'));
      return false;
    }
  }

  async #startBus(): Promise<void> {
    const status = this.bus.status;
    if (status === 'started') return;
    if (status === 'idle' || status === 'starting') {
      await this.bus.start();
      return;
    }
    throw new BusError(
      'BUS_STOPPED',
      'EnhancedEventBus.bus was stopped: the queued events cannot be dispatched. Create a new EnhancedEventBus.',
    );
  }

  /** The legacy `_dispatch_event`: true when the event was processed. */
  async #dispatchEvent(event: Event): Promise<boolean> {
    const { metadata } = event;
    metadata.status = EventStatus.PROCESSING;
    let valid: boolean;
    try {
      valid = this.versionManager.validateEventSchema(event);
    } catch (error) {
      this.#report(BusError.from(error, 'SCHEMA_INVALID', { eventId: metadata.eventId }));
      valid = false;
    }
    if (!valid) {
      metadata.status = EventStatus.FAILED;
      const error = new BusError(
        'SCHEMA_INVALID',
        `Event ${metadata.eventId} (${event.eventType}) failed schema validation at version ${metadata.schemaVersion}${this.#schemaProblem(event)}; it was not dispatched.`,
        { eventId: metadata.eventId },
      );
      this.#reports.drop({ event: toEnvelope(event), error });
      return false;
    }
    this.#inFlight.set(metadata.eventId, event);
    try {
      await this.bus.publish(toEnvelope(event));
    } catch (error) {
      metadata.status = EventStatus.FAILED;
      this.#report(BusError.from(error, 'TRANSPORT_FAILED', { eventId: metadata.eventId }));
      return false;
    } finally {
      this.#inFlight.delete(metadata.eventId);
    }
    metadata.status = EventStatus.PROCESSED;
    if (this.enablePersistence) {
      // A store that answers false has reported why itself; the legacy went on.
      try {
        await this.eventStore.saveEvent(event);
      } catch (error) {
        metadata.status = EventStatus.FAILED;
        this.#report(BusError.from(error, 'STORE_FAILED', { eventId: metadata.eventId }));
        return false;
      }
    }
    this.eventHistory.push(event);
    trim(this.eventHistory, this.maxHistory);
    return true;
  }

  /** `: <what ajv found>` for an event that failed its schema, when the registry can say. */
  #schemaProblem(event: Event): string {
    try {
      const result = this.versionManager.registry.get(event.eventType, event.metadata.schemaVersion)?.validate(event.data);
      return result !== undefined && !isThenable(result) && !result.valid ? ` (${result.message})` : '';
    } catch {
      return '';
    }
  }

  /** The event a subscription hands to its callback: the one being dispatched, or one rebuilt from an envelope published on `bus` directly. */
  #eventOf(envelope: EventEnvelope): Event {
    return this.#inFlight.get(envelope.id) ?? fromEnvelope(envelope, EventStatus.PROCESSING);
  }

  #subscriberFailed(envelope: EventEnvelope): void {
    const event = this.#inFlight.get(envelope.id);
    if (event !== undefined) event.metadata.retryCount++;
  }

  async #createSnapshot(): Promise<void> {
    try {
      const snapshot = new EventSnapshot({
        aggregateId: 'system',
        sequenceNumber: this.sequenceCounter,
        stateData: {
          metrics: this.getMetrics(),
          subscribersCount: this.#subscribersCount(),
          queueSize: this.#queue.size,
          lastProcessed: toLegacyTimestamp(new Date()),
        },
      });
      // A store that answers false has reported why itself; the legacy went on.
      if (this.enablePersistence) await this.eventStore.saveSnapshot(snapshot);
      this.snapshots.system = snapshot;
      this.metrics.snapshotsCreated++;
    } catch (error) {
      this.#report(BusError.from(error, 'STORE_FAILED'));
    }
  }

  #subscribersCount(): Record<string, number> {
    return Object.fromEntries([...this.#subscribers].map(([type, subscribers]) => [type, subscribers.length]));
  }

  /** On `bus.events` `error`; logged when nobody handles it, as the legacy logged it. */
  #report(error: BusError): void {
    this.#reports.report(error, error.code);
  }
}

function isEventStore(value: unknown): value is IEventStore {
  const store = value as Partial<Record<keyof IEventStore, unknown>> | null;
  return (
    typeof store === 'object' &&
    store !== null &&
    typeof store.saveEvent === 'function' &&
    typeof store.getEvents === 'function' &&
    typeof store.saveSnapshot === 'function' &&
    typeof store.getLatestSnapshot === 'function'
  );
}

/** Drops the oldest entries beyond `max`. */
function trim(list: unknown[], max: number): void {
  if (list.length > max) list.splice(0, list.length - max);
}

/** `list[-limit:]` when `limit` is truthy, else a copy of all; throws `INVALID_EVENT` for a limit that is not an integer >= 0. */
function lastOf<T>(list: readonly T[], limit: number | null | undefined): T[] {
  if (limit === undefined || limit === null || limit === 0) return [...list];
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 0) {
    throw new BusError('INVALID_EVENT', `limit must be an integer >= 0, got ${String(limit)}.`);
  }
  return list.slice(-limit);
}

function ignore(): void {}
