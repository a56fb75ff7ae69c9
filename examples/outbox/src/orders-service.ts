// The orders service: writes each order and its `orders.created` event in one
// transaction of its own database. The outbox relay sends the event to Kafka
// once the transaction commits; after a rollback the event never existed.
import { createBus } from '@bus/core';
import { kafka } from '@bus/kafka';
import { outbox } from '@bus/outbox';
import { serialization } from '@bus/serialization';
import { type ExampleConfig, topicFor } from './config.ts';
import type { ServiceDatabase } from './database.ts';
import { openDatabase } from './open-database.ts';
import { ORDER_CREATED, type OrderCreated } from './orders.ts';

const ORDERS_TABLE = {
  sqlite: 'CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY, customer TEXT NOT NULL, total_cents INTEGER NOT NULL)',
  postgres: 'CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY, customer TEXT NOT NULL, total_cents INTEGER NOT NULL)',
};

/** Thrown by the app after it wrote the order and published its event: the transaction rolls back. */
export class OrderRejected extends Error {
  /** The id of the event that was written in the rolled-back transaction. */
  readonly eventId: string;
  constructor(reason: string, eventId: string) {
    super(reason);
    this.eventId = eventId;
  }
}

function ordersBus(config: ExampleConfig, database: ServiceDatabase) {
  return createBus({ source: 'orders' })
    .use(serialization())
    .use(
      kafka({
        brokers: config.brokers,
        clientId: 'orders-service',
        groupId: `${config.namespace}orders-service`,
        topicFor: topicFor(config),
      }),
    )
    .use(outbox({ store: database.store, pollIntervalMs: 200 }));
}

/** The running orders service. */
export interface OrdersService {
  /** Its bus (`bus.outbox.stats()` has the relay's figures). */
  readonly bus: ReturnType<typeof ordersBus>;
  /** Its database. */
  readonly database: ServiceDatabase;
  /**
   * Writes the order and publishes its event in one transaction; resolves to
   * the event id. With `reject`, the app throws after both (say, the payment
   * was declined): the transaction rolls back and this rejects with {@link OrderRejected}.
   */
  place(order: OrderCreated, options?: { readonly reject?: string }): Promise<string>;
  /**
   * Sends an event the relay already sent to Kafka again, with the same id:
   * what a relay that dies between the broker's ack and marking the row sent
   * does (the outbox delivers at least once).
   */
  resend(order: OrderCreated, eventId: string): Promise<void>;
  /** Stops the bus (the relay finishes its sends) and closes the database. */
  stop(): Promise<void>;
}

/** Opens the orders database, creates its table, and starts the bus and its relay. */
export async function startOrdersService(config: ExampleConfig): Promise<OrdersService> {
  const database = await openDatabase(config.database, 'orders');
  await database.migrate(ORDERS_TABLE);
  const bus = ordersBus(config, database);
  await bus.start();
  return {
    bus,
    database,
    place: (order, options = {}) =>
      database.transaction(async (tx) => {
        await tx.run('INSERT INTO orders (id, customer, total_cents) VALUES (?, ?, ?)', [order.orderId, order.customer, order.totalCents]);
        const receipt = await bus.publish(ORDER_CREATED, order, { tx: tx.handle, key: order.customer, subject: order.orderId });
        if (options.reject !== undefined) throw new OrderRejected(options.reject, receipt.id);
        return receipt.id;
      }),
    resend: async (order, eventId) => {
      await bus.publish(ORDER_CREATED, order, { id: eventId, key: order.customer, subject: order.orderId });
    },
    stop: async () => {
      await bus.stop();
      await database.close();
    },
  };
}
