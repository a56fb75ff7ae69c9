/**
 * `outbox()`: the plugin that makes "change my data and publish its event"
 * one atomic step. Publishes given a `tx` (or a delivery time, or all of them
 * with `always`) run the whole publish pipeline — schema, ACLs, encryption
 * apply — and their encoded envelopes are written into the outbox table
 * instead of being sent; the relay sends them once committed.
 */
import { BusError, definePlugin, type EventEnvelope, type GaugeDefinition, type Plugin, type PublishOptions } from '@bus/core';
import './publish-options.js';
import { Relay, type RelayCounters, type RelayOptions } from './relay.js';
import type { OutboxDeadLetter, OutboxDeadLetterFilter, OutboxShardStats, OutboxStats, OutboxStore, OutboxWrite } from './store.js';
import { storeFailed } from './store-failed.js';

/**
 * Options of {@link outbox}.
 *
 * @example
 * ```ts
 * outbox({ store: postgresOutbox({ pool }), batchSize: 500, retry: { maxAttempts: 5 } });
 * ```
 */
export interface OutboxOptions extends RelayOptions {
  /** Where the rows live: {@link postgresOutbox} or {@link sqliteOutbox}. */
  readonly store: OutboxStore;
  /** Send every publish through the table, also those without `tx` (each in a transaction of the store's own). Default `false`. */
  readonly always?: boolean;
  /** Run a relay in this process (`false`: only write; another process relays). Default `true`. */
  readonly relay?: boolean;
}

/** The outbox's figures: the table's, and this process's relay's. */
export interface OutboxStatus extends OutboxStats {
  /** What this process's relay did since start (zeros without a relay). */
  readonly relay: Readonly<RelayCounters>;
}

/** The dead letters of the outbox: rows that exhausted their attempts. */
export interface OutboxDeadLetters {
  /** The dead rows matching `filter`, oldest first (100 at most unless `limit` says). */
  list(filter?: OutboxDeadLetterFilter): Promise<OutboxDeadLetter[]>;
  /** One dead row by event id. */
  show(eventId: string): Promise<OutboxDeadLetter | undefined>;
  /** Puts the matching rows (all without a filter) back in the outbox with their attempts reset; resolves to how many. */
  redrive(filter?: OutboxDeadLetterFilter): Promise<number>;
  /** Deletes the matching rows (all without a filter); resolves to how many. */
  purge(filter?: OutboxDeadLetterFilter): Promise<number>;
}

/** What `outbox()` adds to the bus: `bus.outbox`. */
export interface OutboxControls {
  /** Pending rows, oldest pending age, dead rows, and the relay's counters. */
  stats(): Promise<OutboxStatus>;
  /** Pending rows and oldest pending age of each of `count` key shards (see {@link RelayOptions.shards}). */
  statsByShard(count: number): Promise<OutboxShardStats[]>;
  /** The dead letters. */
  readonly deadLetters: OutboxDeadLetters;
  /** Makes the relay claim now (it also wakes on commits and polls). */
  wake(): void;
  /** The store. */
  readonly store: OutboxStore;
}

/** What `outbox()` adds to the bus. */
export interface OutboxExtension {
  /** The outbox. */
  readonly outbox: OutboxControls;
}

/** The outbox's gauges, reported as OpenTelemetry observable gauges when `@bus/metrics` is used. */
export const OUTBOX_GAUGES: readonly GaugeDefinition[] = Object.freeze([
  { name: 'bus.outbox.pending', description: 'Outbox rows waiting to be sent, scheduled ones included', unit: '{row}' },
  { name: 'bus.outbox.scheduled', description: 'Pending outbox rows whose time has not come (scheduled or backing off)', unit: '{row}' },
  { name: 'bus.outbox.oldest_pending_age', description: 'Age of the oldest due outbox row not yet sent', unit: 's' },
  { name: 'bus.outbox.dead', description: 'Dead-lettered outbox rows', unit: '{row}' },
]);

const NO_COUNTERS: Readonly<RelayCounters> = Object.freeze({ sent: 0, retried: 0, deadLettered: 0, rounds: 0 });

/**
 * The transactional outbox. The relay starts with the bus and stops with
 * it, finishing the sends in flight first.
 *
 * @example
 * ```ts
 * const bus = createBus({ source: 'orders' })
 *   .use(serialization())
 *   .use(kafka({ brokers }))
 *   .use(outbox({ store: postgresOutbox({ pool }) }));
 * await bus.start();
 * const tx = await pool.connect();
 * await tx.query('BEGIN');
 * await tx.query('INSERT INTO orders (id) VALUES ($1)', [order.id]);
 * await bus.publish('orders.created', order, { tx, key: order.id });
 * await tx.query('COMMIT'); // the relay sends it now; after a ROLLBACK it never existed
 * tx.release();
 * ```
 */
export function outbox(options: OutboxOptions): Plugin<OutboxExtension> {
  const store = options?.store;
  if (typeof store?.claim !== 'function' || typeof store.write !== 'function') {
    throw new BusError('CONFIG_INVALID', 'outbox() needs a `store`: postgresOutbox({ pool }) or sqliteOutbox({ path }).');
  }
  const always = options.always === true;
  return definePlugin({
    name: 'outbox',
    setup(kernel) {
      let relay: Relay | undefined;
      const relayed = options.relay !== false;
      if (relayed) {
        relay = new Relay(
          store,
          {
            send: async (envelopes) => {
              const transport = kernel.bus.transport;
              if (transport === undefined) throw new BusError('BUS_NOT_STARTED', 'The outbox relay ran before the transport started.');
              await transport.send(envelopes);
            },
            deadLettered: (event, error, attempts) => {
              kernel.events.emit('deadLettered', { event, error, attempts });
            },
            failed: (error) => {
              kernel.report(error, 'STORE_FAILED');
            },
          },
          options,
        );
      }

      kernel.interceptSend(function writeToOutbox(messages, publishOptions, send) {
        const { tx } = publishOptions;
        const scheduled = publishOptions.deliverAt !== undefined || publishOptions.delayMs !== undefined;
        if (tx === undefined && !scheduled && !always) return send(messages);
        return write(store, messages, publishOptions, relay);
      });
      kernel.provideGauges({
        gauges: OUTBOX_GAUGES,
        collect: async () => {
          const stats = await store.stats();
          return {
            'bus.outbox.pending': stats.pending,
            'bus.outbox.scheduled': stats.scheduled,
            'bus.outbox.oldest_pending_age': stats.oldestPendingAgeMs / 1000,
            'bus.outbox.dead': stats.dead,
          };
        },
      });
      kernel.onStart(async () => {
        await store.open();
        await relay?.start();
      });
      kernel.onStopping(() => relay?.stop());
      kernel.onStop(() => store.close());

      const deadLetters: OutboxDeadLetters = {
        list: (filter = {}) => store.listDeadLetters(filter),
        show: async (eventId) => (await store.listDeadLetters({ ids: [eventId], limit: 1 }))[0],
        redrive: async (filter = {}) => {
          const count = await store.redrive(filter);
          relay?.wake();
          return count;
        },
        purge: (filter = {}) => store.purge(filter),
      };
      return {
        outbox: {
          stats: async () => ({ ...(await store.stats()), relay: relay === undefined ? NO_COUNTERS : { ...relay.counters } }),
          statsByShard: (count) => store.statsByShard(count),
          deadLetters,
          wake: () => relay?.wake(),
          store,
        },
      };
    },
  });
}

/** Writes one publish's envelopes: into the caller's transaction, or in one of the store's own. */
async function write(
  store: OutboxStore,
  messages: readonly EventEnvelope[],
  options: PublishOptions,
  relay: Relay | undefined,
): Promise<void> {
  const first = messages[0]?.id;
  const availableAt = availableAtOf(options, first);
  const rows: OutboxWrite[] = messages.map((envelope) => ({ envelope, availableAt }));
  if (options.tx === undefined) {
    try {
      await store.writeNow(rows);
    } catch (error) {
      throw storeFailed(error, `write ${messages.length} event(s) to the outbox`, first);
    }
    relay?.wake();
    return;
  }
  const tx = store.adapt(options.tx);
  if (tx.inTransaction?.() === false) {
    throw new BusError(
      'TX_INVALID',
      `publish({ tx }) was given a connection that is not inside a transaction: run BEGIN on it first (the event would be sent even if your changes rolled back).`,
      { eventId: first },
    );
  }
  try {
    await store.write(tx, rows);
  } catch (error) {
    throw storeFailed(error, `write ${messages.length} event(s) to the outbox in the caller's transaction`, first);
  }
  store.written(tx);
}

/** The time the rows may be sent: `deliverAt`, or now + `delayMs`, or undefined (now). */
function availableAtOf(options: PublishOptions, eventId: string | undefined): number | undefined {
  const { deliverAt, delayMs } = options;
  if (deliverAt !== undefined && delayMs !== undefined) {
    throw new BusError('INVALID_EVENT', 'publish() takes `deliverAt` or `delayMs`, not both.', { eventId });
  }
  if (deliverAt !== undefined) {
    const millis = deliverAt instanceof Date ? deliverAt.getTime() : deliverAt;
    if (typeof millis !== 'number' || !Number.isFinite(millis)) {
      throw new BusError('INVALID_EVENT', `publish({ deliverAt }) must be a valid Date or epoch ms, got ${String(deliverAt)}.`, {
        eventId,
      });
    }
    return millis;
  }
  if (delayMs !== undefined) {
    if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0) {
      throw new BusError('INVALID_EVENT', `publish({ delayMs }) must be a number of ms ≥ 0, got ${String(delayMs)}.`, { eventId });
    }
    return Date.now() + delayMs;
  }
  return undefined;
}
