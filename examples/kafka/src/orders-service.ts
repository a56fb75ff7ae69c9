// The orders service: places a few orders, publishing `orders.placed` for
// each, keyed by customer so one customer's orders stay in order.
import { createBus } from '@bus/core';
import { kafka } from '@bus/kafka';
import { serialization } from '@bus/serialization';
import { readConfig, topicFor } from './config.ts';
import { ORDER_PLACED, type OrderPlaced } from './orders.ts';

const config = readConfig();
const bus = createBus({ source: 'urn:example:orders-service' })
  .use(serialization())
  .use(
    kafka({
      brokers: config.brokers,
      clientId: 'orders-service',
      groupId: `${config.namespace}orders-service`,
      topicFor: topicFor(config),
    }),
  );

await bus.start();
const customers = ['ada', 'grace', 'alan', 'barbara'];
for (let n = 1; n <= config.orders; n++) {
  const order: OrderPlaced = { orderId: `o-${n}`, customer: customers[n % customers.length] as string, total: 10 * n + 0.5 };
  const receipt = await bus.publish(ORDER_PLACED, order, { key: order.customer, subject: order.orderId });
  console.log(`placed ${order.orderId} for ${order.customer} (€${order.total.toFixed(2)}) → ${ORDER_PLACED} ${receipt.id}`);
}
await bus.stop();
console.log(`done: ${config.orders} orders placed`);
