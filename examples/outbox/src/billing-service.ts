// The billing service: a member of the `billing` consumer group that invoices
// every created order. The inbox records each event id in the same
// transaction as the invoice (written through `ctx.tx`), so an event that
// comes again — a redelivery, a relay's duplicate — is skipped, not invoiced twice.
import { createBus, type EventEnvelope } from '@bus/core';
import { kafka } from '@bus/kafka';
import { inbox } from '@bus/outbox';
import { serialization } from '@bus/serialization';
import { type ExampleConfig, topicFor } from './config.ts';
import type { ServiceDatabase } from './database.ts';
import { openDatabase } from './open-database.ts';
import { ORDER_CREATED, type OrderCreated } from './orders.ts';

const INVOICES_TABLE = {
  sqlite:
    'CREATE TABLE IF NOT EXISTS invoices (id INTEGER PRIMARY KEY, order_id TEXT NOT NULL, event_id TEXT NOT NULL, customer TEXT NOT NULL, amount_cents INTEGER NOT NULL)',
  postgres:
    'CREATE TABLE IF NOT EXISTS invoices (id BIGSERIAL PRIMARY KEY, order_id TEXT NOT NULL, event_id TEXT NOT NULL, customer TEXT NOT NULL, amount_cents INTEGER NOT NULL)',
};

function billingBus(config: ExampleConfig, database: ServiceDatabase) {
  return createBus({ source: 'billing' })
    .use(serialization())
    .use(
      kafka({
        brokers: config.brokers,
        clientId: 'billing-service',
        groupId: `${config.namespace}billing-service`,
        topicFor: topicFor(config),
      }),
    )
    .use(inbox({ store: database.store }));
}

/** The running billing service. */
export interface BillingService {
  /** Its bus (`bus.inbox.stats()` counts handled and skipped events). */
  readonly bus: ReturnType<typeof billingBus>;
  /** Its database. */
  readonly database: ServiceDatabase;
  /** The ids of the events it invoiced, with their order ids. */
  readonly invoiced: ReadonlyMap<string, string>;
  /** Stops consuming and closes the database. */
  stop(): Promise<void>;
}

/** Opens the billing database, creates its table, joins the consumer group, and resolves once it is consuming. */
export async function startBillingService(
  config: ExampleConfig,
  onInvoice: (event: EventEnvelope<OrderCreated>) => void = () => undefined,
): Promise<BillingService> {
  const database = await openDatabase(config.database, 'billing');
  await database.migrate(INVOICES_TABLE);
  const bus = billingBus(config, database);
  const invoiced = new Map<string, string>();
  bus.subscribe<OrderCreated>(
    ORDER_CREATED,
    async (event, ctx) => {
      const { orderId, customer, totalCents } = event.data;
      // ctx.tx is the inbox's transaction: the invoice commits with the record that this event was handled.
      await database
        .within(ctx.tx)
        .run('INSERT INTO invoices (order_id, event_id, customer, amount_cents) VALUES (?, ?, ?, ?)', [
          orderId,
          event.id,
          customer,
          totalCents,
        ]);
      invoiced.set(event.id, orderId);
      onInvoice(event);
    },
    { group: `${config.namespace}billing` },
  );
  await bus.start();
  await bus.kafka.settled();
  return {
    bus,
    database,
    invoiced,
    stop: async () => {
      await bus.stop();
      await database.close();
    },
  };
}
