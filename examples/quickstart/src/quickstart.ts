// The quick start: one bus, one custom middleware plugin, three subscriptions
// and a handful of events, printed as they flow.
import { BusError, createBus, definePlugin } from '@bus/core';

interface Order {
  id: string;
  customer: string;
  total: number;
}

/**
 * A custom plugin with two middlewares: one stamps every published event with
 * the region it came from (publish `enrich` phase), one times every handler
 * (deliver `handle` phase).
 */
function region(name: string, print: (line: string) => void) {
  return definePlugin({
    name: 'region',
    setup(kernel) {
      kernel.usePublish('enrich', function stampRegion(ctx, next) {
        ctx.envelope.region = name;
        return next();
      });
      kernel.useDeliver('handle', async function timeHandler(ctx, next) {
        const started = performance.now();
        try {
          await next();
        } finally {
          const ms = (performance.now() - started).toFixed(2);
          print(`   ⏱  ${ctx.subscription.name} took ${ms} ms`);
        }
      });
      return { region: name };
    },
  });
}

/** Runs the demo, writing each line through `print`. */
export async function runQuickstart(print: (line: string) => void = console.log): Promise<void> {
  const bus = createBus({ source: 'quickstart' }).use(region('eu-west', print));
  print(`bus with plugins [${bus.plugins.join(', ')}], region ${bus.region}`);

  bus.subscribe<Order>(
    'orders.created',
    async (event) => {
      print(`📦 billing: invoice for ${event.data.id} (${event.data.customer}, €${event.data.total}) from ${String(event.region)}`);
    },
    { name: 'billing' },
  );
  bus.subscribe<Order>(
    'orders.created',
    (event, ctx) => {
      if (event.data.total > 1000) throw new Error(`order ${event.data.id} needs a manual review`);
      print(`🚚 shipping: ${event.data.id} queued (attempt ${ctx.attempt})`);
    },
    { name: 'shipping' },
  );
  bus.subscribe<{ id: string }>('orders.cancelled', (event) => print(`✖  cancelled ${event.data.id}`), { name: 'audit' });

  bus.events.on('failed', (error: BusError, event, subscription) => {
    print(`⚠️  ${subscription.name} failed ${event.type} ${event.subject ?? ''}: ${error.code} — ${error.message}`);
  });

  await bus.start();
  print('bus started\n');

  const orders: Order[] = [
    { id: 'o-1', customer: 'ada', total: 42 },
    { id: 'o-2', customer: 'grace', total: 1250 },
  ];
  for (const order of orders) {
    const receipt = await bus.publish('orders.created', order, { key: order.id, subject: order.id });
    print(`→ published orders.created ${order.id} as ${receipt.id}\n`);
  }
  await bus.publish('orders.cancelled', { id: 'o-1' }, { subject: 'o-1' });

  try {
    await bus.publish('', { id: 'o-3' });
  } catch (error) {
    if (BusError.is(error)) print(`\n→ bad input is a typed error: ${error.code}: ${error.message}`);
  }

  await bus.stop();
  print(`bus ${bus.status}`);
}
