// The demo, in one process: the billing service joins its consumer group, the
// orders service writes a few orders (one of them rolled back), the relay
// sends the committed events to Kafka, billing invoices each once, and an
// event sent again with the same id is skipped by billing's inbox.
// Exits 0 when every figure adds up.
import { randomBytes } from 'node:crypto';
import { startBillingService } from './billing-service.ts';
import { readConfig } from './config.ts';
import type { OrderCreated } from './orders.ts';
import { OrderRejected, startOrdersService } from './orders-service.ts';
import { waitUntil } from './wait-until.ts';

const config = readConfig();
const run = randomBytes(2).toString('hex');
const euros = (cents: number) => `€${(cents / 100).toFixed(2)}`;
const customers = ['ada', 'grace', 'alan', 'barbara'];

console.log(`outbox example (run ${run}): orders → ${config.database.kind} → outbox relay → Kafka ${config.brokers} → billing (inbox)\n`);
const billing = await startBillingService(config, (event) => {
  console.log(`[billing] invoiced ${event.data.orderId}: ${event.data.customer} owes ${euros(event.data.totalCents)} (event ${event.id})`);
});
const orders = await startOrdersService(config);
console.log(`[orders ] database: ${orders.database.where}`);
console.log(`[billing] database: ${billing.database.where}, consuming orders.created in group "${config.namespace}billing"`);

try {
  // Place the orders; the third is declined after its row and event were written, so its transaction rolls back.
  const committed = new Map<string, OrderCreated>();
  let rolledBack: { order: OrderCreated; eventId: string } | undefined;
  for (let n = 1; n <= config.orders + 1; n++) {
    const order: OrderCreated = {
      orderId: `ord-${run}-${n}`,
      customer: customers[n % customers.length] as string,
      totalCents: 1_000 * n + 50,
    };
    try {
      const eventId = await orders.place(order, n === 3 ? { reject: 'payment declined' } : {});
      committed.set(eventId, order);
      console.log(
        `[orders ] wrote ${order.orderId} for ${order.customer} (${euros(order.totalCents)}) and its orders.created ${eventId} in one transaction`,
      );
    } catch (error) {
      if (!(error instanceof OrderRejected)) throw error;
      rolledBack = { order, eventId: error.eventId };
      console.log(`[orders ] rolled back ${order.orderId} (${error.message}): its row and its event ${error.eventId} never existed`);
    }
  }

  await waitUntil(() => [...committed.keys()].every((id) => billing.invoiced.has(id)), 'every committed order to be invoiced');
  await waitUntil(async () => {
    const stats = await orders.bus.outbox.stats();
    return stats.pending === 0 && stats.relay.sent >= committed.size;
  }, 'the relay to mark every row sent');
  const relayed = await orders.bus.outbox.stats();
  console.log(`[orders ] relay: ${relayed.relay.sent} events relayed to Kafka, ${relayed.pending} pending, ${relayed.dead} dead`);

  // Send the first event again with its id, as a relay that crashed between the broker's ack and marking the row sent would.
  const [firstId, firstOrder] = [...committed.entries()][0] as [string, OrderCreated];
  await orders.resend(firstOrder, firstId);
  console.log(`[orders ] sent ${firstId} (${firstOrder.orderId}) to Kafka again, as a relay that crashed before marking it sent would`);
  await waitUntil(() => billing.bus.inbox.stats().skipped >= 1, 'the inbox to skip the redelivered event');
  console.log(`[billing] inbox skipped the redelivered ${firstId}: no second invoice for ${firstOrder.orderId}`);

  const count = async (database: typeof orders.database, sql: string) => Number((await database.query(sql, [`ord-${run}-%`]))[0]?.n);
  const orderRows = await count(orders.database, 'SELECT count(*) AS n FROM orders WHERE id LIKE ?');
  const invoiceRows = await count(billing.database, 'SELECT count(*) AS n FROM invoices WHERE order_id LIKE ?');
  const inboxStats = billing.bus.inbox.stats();
  const neverSeen = rolledBack !== undefined && !billing.invoiced.has(rolledBack.eventId);
  console.log(
    `\nsummary: ${orderRows} orders written, ${relayed.relay.sent} events relayed, ${invoiceRows} invoices made, ` +
      `${inboxStats.skipped} redelivery skipped, 1 rolled-back order (${rolledBack?.order.orderId}) whose event never appeared: ${neverSeen}`,
  );
  const ok =
    orderRows === config.orders &&
    invoiceRows === config.orders &&
    relayed.relay.sent === config.orders &&
    inboxStats.handled === config.orders &&
    inboxStats.skipped === 1 &&
    neverSeen;
  console.log(ok ? '✔ every committed order was invoiced exactly once' : '✖ the figures do not add up');
  process.exitCode = ok ? 0 : 1;
} catch (error) {
  console.error(`✖ ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await orders.stop();
  await billing.stop();
}
