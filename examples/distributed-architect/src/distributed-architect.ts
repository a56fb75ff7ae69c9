// An order router written against the legacy distributed-architect EventBus, moved over by
// changing imports and casing. One migration step is already taken: plugins on the real bus
// underneath (`eventBus.bus`) seal the card number of every published order (AES-256-GCM),
// where the legacy code XOR-ed payloads with one key byte.
import { randomBytes } from 'node:crypto';
import { definePlugin, STAGE_ORDER } from '@bus/core';
import { createKeyring, eventAad, fieldEncryption, openPayload, sealPayload } from '@bus/crypto';
import { BufferError, EventBus, LEGACY_EVENT_TYPE, ValidationError } from '@bus/facade-distributed-architect';

interface Order {
  id: string;
  total: number;
  card: string;
}

const orderSchema = {
  type: 'object',
  required: ['id', 'total', 'card'],
  properties: { id: { type: 'string' }, total: { type: 'number' }, card: { type: 'string' } },
};

/** Records each event as it leaves the publish pipeline, as a broker would store it. */
function wireTap(onWire: (line: string) => void) {
  return definePlugin({
    name: 'wire-tap',
    setup(kernel) {
      kernel.usePublish(
        'dispatch',
        function tapWire(ctx, next) {
          onWire(JSON.stringify(ctx.envelope.data));
          return next();
        },
        { order: STAGE_ORDER.compress + 100 },
      );
    },
  });
}

/** Runs the order router, writing each line through `log`. */
export async function runDistributedArchitect(log: (line: string) => void): Promise<void> {
  const keyring = createKeyring({ keys: [{ id: 'cards-2025', key: randomBytes(32), status: 'primary' }] });
  const wire: string[] = [];

  const eventBus = new EventBus();
  // Migration step: plugins go on the real bus, before the first publish.
  eventBus.bus.use(fieldEncryption({ keyring, paths: ['card'] })).use(wireTap((line) => wire.push(line)));
  eventBus.bus.subscribe<Order>(LEGACY_EVENT_TYPE, (event) => {
    log(`📦 fulfilment got ${event.data.id}: ${event.data.total} EUR, card ending ${event.data.card.slice(-4)}`);
  });
  log(`plugins on eventBus.bus: ${eventBus.bus.plugins.join(' → ')}`);

  // ── legacy code from here on: only imports and casing changed ──
  eventBus.registerSerializer(
    'csv',
    (order) => `${(order as Order).id};${(order as Order).total}`,
    (line) => String(line).split(';'),
  );
  eventBus.authorizeActor('orders.#', 'checkout');
  log(`checkout may publish orders.created: ${eventBus.checkAuthorization('orders.created', 'checkout')}`);
  log(`analytics may publish orders.created: ${eventBus.checkAuthorization('orders.created', 'analytics')}`);

  eventBus.controlBackpressure(3, 'reject');
  const incoming: unknown[] = [
    { id: 'o-1', total: 30, card: '4111-1111-1111-1111' },
    { id: 'o-2', total: 'twelve', card: '5500-0000-0000-0004' },
    { id: 'o-3', total: 12, card: '5500-0000-0000-0004' },
    { id: 'o-4', total: 99, card: '3400-0000-0000-0009' },
    { id: 'o-5', total: 5, card: '6011-0000-0000-0004' },
  ];
  for (const order of incoming) {
    try {
      eventBus.validateSchema(orderSchema, order);
      eventBus.publish(order);
      eventBus.incrementCounter('orders.accepted');
      log(`accepted ${(order as Order).id} as ${eventBus.serialize('csv', order)}`);
    } catch (error) {
      if (error instanceof ValidationError) log(`✋ ${(order as Order).id} refused: ${error.code} ${error.message}`);
      else if (error instanceof BufferError) log(`✋ ${(order as Order).id} refused: ${error.code} (queue full)`);
      else throw error;
      eventBus.incrementCounter('orders.refused');
    }
  }
  await eventBus.start(); // the orders published while the bus started are on their way

  const accepted = eventBus.drainQueue() as Order[];
  const picks = eventBus.balanceLoad(
    ['picker-a', 'picker-b'],
    accepted.map((order) => order.id),
  );
  log(`picks: ${JSON.stringify(picks)}`);

  eventBus.setupClustering(['node-1', 'node-2', 'node-3']);
  log(`cluster leader: ${eventBus.getLeader()} of ${eventBus.nodes.length}`);

  // Thread-local became async-context-local: two concurrent requests each see their own id.
  const handleRequest = (requestId: string): Promise<unknown> =>
    new Promise((resolve) =>
      setImmediate(async () => {
        eventBus.propagateContext('requestId', requestId);
        await new Promise((tick) => setImmediate(tick));
        resolve(eventBus.getContext('requestId'));
      }),
    );
  log(`request contexts: ${(await Promise.all([handleRequest('r-1'), handleRequest('r-2')])).join(', ')}`);

  // The legacy XOR (warns once per process) next to its replacement.
  const legacyKey = new TextEncoder().encode('k');
  const scrambled = eventBus.encryptPayload('4111-1111-1111-1111', { key: legacyKey });
  const restored = new TextDecoder().decode(eventBus.encryptPayload(scrambled, { key: legacyKey }));
  log(`legacy XOR round trip: ${restored === '4111-1111-1111-1111'} (not encryption: one byte is the whole key)`);
  const aad = eventAad({ id: 'o-1', type: 'orders.created', source: 'order-router' });
  const sealed = await sealPayload({ keyring, plaintext: new TextEncoder().encode('4111-1111-1111-1111'), aad });
  const opened = new TextDecoder().decode(await openPayload({ keyring, sealed, aad }));
  log(`AES-256-GCM round trip: ${opened === '4111-1111-1111-1111'}, ${sealed.length} sealed bytes`);

  log(`metrics: ${JSON.stringify(eventBus.exposeMetrics())}`);
  log(`docs: ${JSON.stringify(eventBus.generateDocumentation())}`);

  await eventBus.stop(); // drains the deliveries still sealing and opening
  log(`${wire.length} orders left the publish pipeline; card numbers in clear: ${wire.some((line) => /\d{4}-\d{4}/.test(line))}`);
}
