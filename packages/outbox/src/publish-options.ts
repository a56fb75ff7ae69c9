/**
 * What `@bus/outbox` adds to `publish` options and to a delivery's context,
 * by augmenting `@bus/core`'s interfaces.
 */
import '@bus/core';

declare module '@bus/core' {
  interface PublishOptions {
    /**
     * The caller's open database transaction (`@bus/outbox`): the events are
     * written to the outbox in it and sent by the relay once it commits. A
     * `pg` `Client`/`PoolClient` after `BEGIN`, a `node:sqlite` `DatabaseSync`
     * after `BEGIN`, or an adapter's `OutboxTransaction` (Kysely).
     */
    tx?: unknown;
    /** Send no earlier than this time (`@bus/outbox`); a time in the past is now. Goes through the outbox table. */
    deliverAt?: Date | number;
    /** Send no earlier than this many ms from now (`@bus/outbox`). Goes through the outbox table. */
    delayMs?: number;
  }

  interface DeliveryContext<T> {
    /**
     * The inbox's transaction of this delivery (`@bus/outbox`'s `inbox()`):
     * the database's own handle (a `pg` `PoolClient`, a `DatabaseSync`).
     * Write through it, and your writes commit with the inbox record — or
     * pass it as `publish(…, { tx: ctx.tx })`.
     */
    tx?: unknown;
  }
}
