/**
 * `inbox()`: the outbox's consumer-side twin, an idempotent-consumer guard in
 * the deliver pipeline. Each delivery runs in a transaction of the store's
 * own; the event id is recorded in the inbox table first, the handler gets
 * that transaction as `ctx.tx` for its own writes, and both commit together.
 * An event whose id the consumer already recorded (a redelivery, a
 * duplicate from an at-least-once relay) is skipped and counted.
 */
import { BusError, type DeliverMiddleware, definePlugin, type Plugin, type Subscription } from '@bus/core';
import './publish-options.js';
import type { OutboxStore } from './store.js';

/**
 * Options of {@link inbox}.
 *
 * @example
 * ```ts
 * inbox({ store, retentionMs: 14 * 24 * 3_600_000 });
 * ```
 */
export interface InboxOptions {
  /** Where the inbox table lives: the same store as the outbox's, or another. */
  readonly store: OutboxStore;
  /**
   * How long handled ids are remembered, in ms. Default 7 days. It must
   * outlast every way an event can come back: the relay's retry horizon, a
   * dead-letter redrive, a consumer group's replay from an old offset.
   */
  readonly retentionMs?: number;
  /** How often ids past the retention are deleted, in ms. Default 1 hour. */
  readonly cleanupIntervalMs?: number;
  /** The consumer name ids are recorded under. Default: the subscription's group, else its name. */
  readonly consumer?: (subscription: Subscription) => string;
}

/** What the inbox counted since start. */
export interface InboxCounters {
  /** Deliveries handled and committed with their inbox record. */
  handled: number;
  /** Deliveries skipped: the consumer had handled that event id already. */
  skipped: number;
  /** Deliveries whose handler failed (rolled back: the event can be handled again). */
  failed: number;
}

/** What `inbox()` adds to the bus: `bus.inbox`. */
export interface InboxExtension {
  /** The inbox. */
  readonly inbox: {
    /** What it counted since start. */
    stats(): Readonly<InboxCounters>;
    /** Deletes ids older than the retention now; resolves to how many. */
    cleanup(): Promise<number>;
  };
}

/** The inbox's place in the `handle` phase: inside `@bus/resilience`'s retries (1 000), so each attempt is its own transaction. */
export const INBOX_HANDLE_ORDER = 1_001;

const DAY_MS = 24 * 3_600_000;

/**
 * The inbox.
 *
 * @example
 * ```ts
 * const bus = createBus().use(kafka({ brokers })).use(inbox({ store: postgresOutbox({ pool }) }));
 * bus.subscribe('orders.created', async (event, ctx) => {
 *   const db = ctx.tx as pg.PoolClient;
 *   await db.query('INSERT INTO invoices (order_id) VALUES ($1)', [event.data.id]); // commits with the inbox record
 * }, { group: 'billing' });
 * ```
 */
export function inbox(options: InboxOptions): Plugin<InboxExtension> {
  const store = options?.store;
  if (typeof store?.beginInbox !== 'function') {
    throw new BusError('CONFIG_INVALID', 'inbox() needs a `store`: postgresOutbox({ pool }) or sqliteOutbox({ path }).');
  }
  const retentionMs = options.retentionMs ?? 7 * DAY_MS;
  const cleanupIntervalMs = options.cleanupIntervalMs ?? 3_600_000;
  if (!(retentionMs > 0) || !(cleanupIntervalMs > 0)) {
    throw new BusError('CONFIG_INVALID', 'inbox({ retentionMs, cleanupIntervalMs }) must be positive numbers of ms.');
  }
  const consumerOf = options.consumer ?? ((subscription: Subscription) => subscription.group ?? subscription.name);
  return definePlugin({
    name: 'inbox',
    setup(kernel) {
      const counters: InboxCounters = { handled: 0, skipped: 0, failed: 0 };
      let timer: ReturnType<typeof setInterval> | undefined;
      const cleanup = () => store.cleanupInbox(Date.now() - retentionMs);

      const guard: DeliverMiddleware = async function inboxGuard(ctx, next) {
        const transaction = await store.beginInbox();
        try {
          const fresh = await store.recordInbox(transaction.tx, consumerOf(ctx.subscription), ctx.event.id);
          if (!fresh) {
            counters.skipped++;
            await transaction.rollback();
            return;
          }
          ctx.tx = transaction.handle;
          await next();
          await transaction.commit();
          counters.handled++;
        } catch (error) {
          counters.failed++;
          await transaction.rollback().catch(() => undefined);
          throw error;
        } finally {
          ctx.tx = undefined;
        }
      };
      kernel.useDeliver('handle', guard, { order: INBOX_HANDLE_ORDER });
      kernel.onStart(async () => {
        await store.open();
        timer = setInterval(() => {
          cleanup().catch((error: unknown) => kernel.report(error, 'STORE_FAILED'));
        }, cleanupIntervalMs);
        timer.unref();
      });
      kernel.onStop(async () => {
        if (timer !== undefined) clearInterval(timer);
        await store.close();
      });
      return { inbox: { stats: () => ({ ...counters }), cleanup } };
    },
  });
}
