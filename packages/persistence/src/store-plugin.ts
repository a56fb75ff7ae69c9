/**
 * The `store()` plugin: persists published events (an audit trail, or the
 * write side of event sourcing) and adds the store to the bus as
 * `bus.eventStore`, with `replay`.
 *
 * Where it sits: a `guard` middleware (last in that phase) takes a copy of
 * the envelope before any `encode` plugin turns `data` into bytes, and a
 * `dispatch` middleware appends it. By default the event is stored before it
 * is sent (`persist: 'before-send'`): a store failure rejects the publish and
 * nothing is sent; a send failure after a successful store leaves a stored
 * event that was not delivered (at-least-once in the store, and a retry of the
 * publish with the same id is stored once). With `'after-send'` the store
 * holds only events the transport accepted; a store failure then rejects the
 * publish although the event was sent.
 */
import { type Bus, BusError, definePlugin, type EventEnvelope, isThenable, type Plugin, type PublishContext } from '@bus/core';
import { createEventStore, type EventStoreOptions } from './create-event-store.js';
import type { EventStore, EventStoreBackend, ExpectedVersion } from './event-store.js';
import { type ReplayFilter, type ReplayResult, replay } from './replay.js';
import type { RetentionRule } from './retention.js';
import { compileTypeFilter, type TypeSelector } from './type-filter.js';

declare module '@bus/core' {
  interface PublishOptions {
    /**
     * `@bus/persistence`: the version the event's stream must be at; a mismatch
     * rejects the publish with `CONCURRENCY_CONFLICT` and nothing is sent.
     * Needs `persist: 'before-send'` (the default).
     */
    expectedVersion?: ExpectedVersion;
    /** `@bus/persistence`: the stream to store the event in, instead of the plugin's `streamFor`. */
    stream?: string;
  }
}

/**
 * Options of {@link store}.
 *
 * @example
 * ```ts
 * const options: StorePluginOptions = {
 *   backend: sqliteBackend({ path: 'events.db' }),
 *   types: ['orders.#', 'payments.#'],
 *   streamFor: (event) => event.subject ?? 'unsorted',
 *   retention: { rules: [{ maxAgeMs: 30 * 86_400_000 }] },
 * };
 * ```
 */
export interface StorePluginOptions extends Omit<EventStoreOptions, 'backend'> {
  /** Where events are kept. */
  readonly backend: EventStoreBackend;
  /** Which published events to store: exact types, `*`/`#` patterns, or a predicate. Default: all. */
  readonly types?: TypeSelector;
  /** The stream of an event. Default: its `subject`, else its `type`. The publish option `stream` overrides it. */
  readonly streamFor?: (event: EventEnvelope) => string;
  /** Store before sending (default) or after the transport accepted; see the file comment. */
  readonly persist?: 'before-send' | 'after-send';
  /** Retention rules applied at start and then every `intervalMs` (default one hour). */
  readonly retention?: { readonly rules: readonly RetentionRule[]; readonly intervalMs?: number };
  /** Close the store (and its backend) when the bus stops. Default true. */
  readonly closeOnStop?: boolean;
}

/**
 * The store as the bus carries it: the {@link EventStore} API plus `replay`.
 *
 * @example
 * ```ts
 * const history = await bus.eventStore.readStream('order-1');
 * await bus.eventStore.replay({ stream: 'order-1' });
 * ```
 */
export interface BusEventStore extends EventStore {
  /** Republishes stored events into this bus, marked `replay: true` and not stored again. See {@link replay}. */
  replay(filter?: ReplayFilter): Promise<ReplayResult>;
}

/** What {@link store} adds to the bus. */
export interface EventStoreExtension {
  /** The event store. */
  readonly eventStore: BusEventStore;
}

const HOUR = 3_600_000;

/**
 * Persists published events and adds `bus.eventStore`.
 *
 * @example
 * ```ts
 * const bus = createBus({ source: 'trading' }).use(store({ backend: sqliteBackend({ path: 'events.db' }) }));
 * await bus.start();
 * await bus.publish('trade.executed', { symbol: 'BTCUSDT', quantity: 1 }, { subject: 'trader-1' });
 * const trades = await bus.eventStore.readStream('trader-1');
 * ```
 */
export function store(options: StorePluginOptions): Plugin<EventStoreExtension> {
  const { backend, types, streamFor = defaultStream, persist = 'before-send', retention, closeOnStop = true, ...storeOptions } = options;
  if (persist !== 'before-send' && persist !== 'after-send') {
    throw new BusError('PLUGIN_INVALID', `store({ persist }) must be 'before-send' or 'after-send'; got ${JSON.stringify(persist)}.`);
  }
  const selector = compileTypeFilter(types);
  return definePlugin({
    name: 'event-store',
    setup(kernel) {
      const eventStore = createEventStore({ source: kernel.source, ...storeOptions, backend });
      /** The envelope of each publish to store, as it was before encoding. */
      const toStore = new WeakMap<PublishContext, EventEnvelope>();

      kernel.usePublish(
        'guard',
        function captureForStore(ctx, next) {
          const envelope = ctx.envelope;
          if (envelope.replay !== true && selector.matches(envelope)) toStore.set(ctx, { ...envelope });
          return next();
        },
        { order: Number.MAX_SAFE_INTEGER }, // after every other guard: only what passed ACLs and schemas
      );

      kernel.usePublish('dispatch', function persistEvent(ctx, next) {
        const envelope = toStore.get(ctx);
        if (envelope === undefined) return next();
        toStore.delete(ctx);
        const stream = ctx.options.stream ?? streamFor(envelope);
        const expectedVersion = ctx.options.expectedVersion;
        if (persist === 'before-send') {
          return eventStore.append(stream, envelope, expectedVersion === undefined ? {} : { expectedVersion }).then(() => next());
        }
        if (expectedVersion !== undefined) {
          throw new BusError(
            'INVALID_EVENT',
            "The publish option expectedVersion needs store({ persist: 'before-send' }); nothing was sent.",
            {
              eventId: envelope.id,
            },
          );
        }
        const appendAfterSend = () =>
          eventStore.append(stream, envelope).then(
            () => undefined,
            (error: unknown) => {
              throw new BusError('STORE_FAILED', `Event ${envelope.id} was sent, but storing it failed: ${errorMessage(error)}`, {
                eventId: envelope.id,
                cause: error,
              });
            },
          );
        const sent = next();
        return isThenable(sent) ? Promise.resolve(sent).then(appendAfterSend) : appendAfterSend();
      });

      let timer: ReturnType<typeof setInterval> | undefined;
      if (retention !== undefined && retention.rules.length > 0) {
        const applyRules = () =>
          eventStore.applyRetention(retention.rules).catch((error: unknown) => {
            kernel.report(error, 'STORE_FAILED');
          });
        kernel.onStart(() => {
          void applyRules();
          timer = setInterval(applyRules, retention.intervalMs ?? HOUR);
          timer.unref();
        });
        kernel.onStop(() => clearInterval(timer));
      }
      if (closeOnStop) kernel.onStop(() => eventStore.close());

      const bus: Bus = kernel.bus;
      const busEventStore: BusEventStore = Object.assign(eventStore, {
        replay: (filter?: ReplayFilter) => replay(bus, eventStore, filter),
      });
      return { eventStore: busEventStore };
    },
  });
}

function defaultStream(event: EventEnvelope): string {
  return event.subject ?? event.type;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
