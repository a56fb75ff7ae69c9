// Messages a transport could not decode: the transport hands them to the kernel (TransportContext.undecodable),
// and resilience keeps them in its sink as dead letters with their bytes — the same record as a failed event.
// The transport here is the kernel's memory transport with a seam that hands over one undecodable message,
// as the Kafka consumer does for a record that is no CloudEvent (packages/kafka/test/dead-letters.test.ts runs
// the same on a real broker).
import {
  BusError,
  createBus,
  type DeadLetteredEvent,
  definePlugin,
  memoryTransport,
  type Plugin,
  type Transport,
  type TransportContext,
  type UndecodableMessage,
} from '@bus/core';
import { describe, expect, it } from 'vitest';
import { type DeadLetter, type DeadLetterSink, memoryDeadLetterSink, resilience } from '../src/index.js';

/** A memory transport that remembers the kernel's context, so the test can hand it an undecodable message. */
function seamTransport(durable = false): {
  plugin: Plugin;
  handOver: (message: Omit<UndecodableMessage, 'subscription'>) => Promise<boolean>;
} {
  const inner = memoryTransport();
  let context: TransportContext | undefined;
  let spec: UndecodableMessage['subscription'] | undefined;
  const transport: Transport = {
    name: 'seam',
    capabilities: { ...inner.capabilities, durable },
    start: (given) => {
      context = given;
      return inner.start(given);
    },
    stop: () => inner.stop(),
    send: (messages) => inner.send(messages),
    subscribe: (given, handler) => {
      spec ??= given;
      return inner.subscribe(given, handler);
    },
  };
  return {
    plugin: definePlugin({ name: 'seam', setup: (kernel) => kernel.setTransport(transport) }),
    handOver: (message) =>
      (context as TransportContext).undecodable({ ...message, subscription: spec as UndecodableMessage['subscription'] }),
  };
}

const garbage = (): Omit<UndecodableMessage, 'subscription'> => ({
  transport: 'seam',
  position: 'orders.created/0@41',
  type: 'orders.created',
  key: Buffer.from('k-1'),
  value: Buffer.from('not a cloudevent'),
  headers: { origin: Buffer.from('legacy') },
  error: new BusError('DECODE_FAILED', 'no ce_specversion header'),
});

describe('undecodable messages', () => {
  it('are dead-lettered at once in the sink with their bytes, emitted as deadLettered, and cannot be redriven', async () => {
    const seam = seamTransport();
    const sink = memoryDeadLetterSink();
    const bus = createBus()
      .use(seam.plugin)
      .use(resilience({ deadLetter: sink }));
    const deadLettered: DeadLetteredEvent[] = [];
    bus.events.on('deadLettered', (entry) => void deadLettered.push(entry));
    bus.subscribe('orders.created', () => undefined, { name: 'billing' });
    await bus.start();
    expect(await seam.handOver(garbage())).toBe(true);

    const [letter] = (await sink.list()) as DeadLetter[];
    expect(letter).toMatchObject({
      attempts: 0,
      error: { code: 'DECODE_FAILED' },
      event: { id: 'undecodable:orders.created/0@41', type: 'orders.created', source: '/seam', specversion: '1.0' },
      subscription: { name: 'billing', pattern: 'orders.created' },
      raw: { transport: 'seam', position: 'orders.created/0@41', key: Buffer.from('k-1').toString('base64') },
    });
    expect(Buffer.from(letter?.raw?.value ?? '', 'base64').toString()).toBe('not a cloudevent');
    expect(Buffer.from(letter?.raw?.headers.origin ?? '', 'base64').toString()).toBe('legacy');
    expect(deadLettered).toMatchObject([{ attempts: 0, error: { code: 'DECODE_FAILED' }, subscription: { name: 'billing' } }]);

    const report = await bus.deadLetters.redrive(letter?.id as string);
    expect(report).toMatchObject({ redriven: [], failures: [{ error: { code: 'DECODE_FAILED' } }] });
    expect(await sink.list()).toHaveLength(1);
    await bus.stop();
  });

  it('make the hand-over reject when the sink cannot keep them, so the transport keeps the message', async () => {
    const seam = seamTransport();
    const broken: DeadLetterSink = {
      put: () => {
        throw new Error('disk full');
      },
      list: () => [],
      remove: () => false,
    };
    const bus = createBus()
      .use(seam.plugin)
      .use(resilience({ deadLetter: broken }));
    bus.subscribe('orders.created', () => undefined);
    await bus.start();
    await expect(seam.handOver(garbage())).rejects.toMatchObject({ code: 'STORE_FAILED', message: expect.stringContaining('disk full') });
    await bus.stop();
  });

  it('without a keeper (no resilience, or deadLetter: false) are reported on error and skipped', async () => {
    for (const plugins of [[], [resilience({ deadLetter: false })]]) {
      const seam = seamTransport();
      let bus = createBus().use(seam.plugin);
      for (const plugin of plugins) bus = bus.use(plugin);
      const errors: BusError[] = [];
      bus.events.on('error', (error) => void errors.push(error));
      bus.subscribe('orders.created', () => undefined);
      await bus.start();
      expect(await seam.handOver(garbage())).toBe(false);
      expect(errors).toMatchObject([
        { code: 'DECODE_FAILED', message: expect.stringContaining('Skipped seam message orders.created/0@41') },
      ]);
      await bus.stop();
    }
  });

  it('have one keeper per bus: a second plugin that wants to keep them is a PLUGIN_CONFLICT', () => {
    const keeper = (name: string) => definePlugin({ name, setup: (kernel) => kernel.keepUndecodable(() => undefined) });
    const bus = createBus().use(resilience());
    expect(() => bus.use(keeper('quarantine'))).toThrow(
      expect.objectContaining({ code: 'PLUGIN_CONFLICT', message: expect.stringContaining("'resilience'") }),
    );
    expect(() => createBus().use(definePlugin({ name: 'bad', setup: (kernel) => kernel.keepUndecodable(42 as never) }))).toThrow(
      expect.objectContaining({ code: 'PLUGIN_INVALID' }),
    );
  });

  it('go, by default, where failed events go: published as <type>.dlq on a durable transport, in memory otherwise', async () => {
    const durable = seamTransport(true);
    const bus = createBus()
      .use(durable.plugin)
      .use(resilience({ retry: { maxAttempts: 1 } }));
    const published: string[] = [];
    bus.subscribe('orders.created', () => {
      throw new Error('poison');
    });
    bus.subscribe('orders.created.dlq', (event) => void published.push(`${event.type}:${(event.data as { attempts: number }).attempts}`), {
      resilience: false,
    });
    await bus.start();
    await bus.publish('orders.created', { n: 1 });
    await durable.handOver(garbage());
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(published.sort()).toEqual(['orders.created.dlq:0', 'orders.created.dlq:1']);
    expect(await bus.deadLetters.list()).toHaveLength(2);
    await bus.stop();

    const inProcess = createBus().use(resilience({ retry: { maxAttempts: 1 } }));
    const inProcessDlq: string[] = [];
    inProcess.subscribe('orders.created', () => {
      throw new Error('poison');
    });
    inProcess.subscribe('orders.created.dlq', (event) => void inProcessDlq.push(event.type), { resilience: false });
    await inProcess.start();
    await inProcess.publish('orders.created', { n: 1 });
    expect(inProcessDlq).toEqual([]); // kept in memory, not published
    expect(await inProcess.deadLetters.list()).toHaveLength(1);
    await inProcess.stop();
  });
});
