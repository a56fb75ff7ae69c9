// The billing service: a member of the `billing` consumer group, invoicing
// every placed order. Run two of them and they split the orders between them.
// The offset of an order is committed only once its invoice is written.
import { createBus, type EventEnvelope } from '@bus/core';
import { kafka } from '@bus/kafka';
import { serialization } from '@bus/serialization';
import { readConfig, topicFor } from './config.ts';
import { ORDER_PLACED, type OrderPlaced } from './orders.ts';

const config = readConfig();
const bus = createBus({ source: 'urn:example:billing-service' })
  .use(serialization())
  .use(
    kafka({
      brokers: config.brokers,
      clientId: 'billing-service',
      groupId: `${config.namespace}billing-service`,
      topicFor: topicFor(config),
    }),
  );

let invoiced = 0;
bus.subscribe<OrderPlaced>(
  ORDER_PLACED,
  async (event: EventEnvelope<OrderPlaced>) => {
    const { orderId, customer, total } = event.data;
    invoiced++;
    console.log(`invoiced ${orderId}: ${customer} owes €${total.toFixed(2)} (key ${event.partitionkey}, event ${event.id})`);
    process.send?.({ invoiced: orderId });
  },
  { group: `${config.namespace}billing` },
);

await bus.start();
await bus.kafka.settled();
process.send?.({ ready: true });
console.log('billing: consuming orders.placed in group "billing"');

process.on('message', async (message) => {
  if (message !== 'stop') return;
  await bus.stop();
  console.log(`billing: stopped after ${invoiced} invoices`);
  process.exit(0);
});
