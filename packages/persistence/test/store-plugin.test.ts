import { BusError, createBus, definePlugin, type EventEnvelope } from '@bus/core';
import { describe, expect, it } from 'vitest';
import { type EventStoreBackend, isReplay, memoryBackend, store } from '../src/index.js';

/** A backend whose appends fail while `failing.append` is true. */
function flakyBackend(failing: { append: boolean }): EventStoreBackend {
  const inner = memoryBackend();
  return {
    name: 'flaky',
    capabilities: inner.capabilities,
    append: (request) => (failing.append ? Promise.reject(new Error('disk full')) : inner.append(request)),
    readStream: (stream, range) => inner.readStream(stream, range),
    readAll: (range) => inner.readAll(range),
    streamVersion: (stream) => inner.streamVersion(stream),
    saveSnapshot: (snapshot) => inner.saveSnapshot(snapshot),
    loadSnapshot: (stream) => inner.loadSnapshot(stream),
    purge: (criteria) => inner.purge(criteria),
    close: () => inner.close(),
  };
}

/** A dispatch middleware (registered after the store's) that fails sends while `failing.send` is true. */
function flakySend(failing: { send: boolean }) {
  return definePlugin({
    name: 'flaky-send',
    setup(kernel) {
      kernel.usePublish('dispatch', function failSend(_ctx, next) {
        if (failing.send) throw new BusError('TRANSPORT_FAILED', 'broker down');
        return next();
      });
    },
  });
}

describe('the store() plugin', () => {
  it("stores every published event in its subject's stream, else its type's, and adds bus.eventStore", async () => {
    const bus = createBus({ source: 'trading' }).use(store({ backend: memoryBackend() }));
    const delivered: EventEnvelope[] = [];
    bus.subscribe('trade.executed', (event) => void delivered.push(event));
    await bus.start();
    const receipt = await bus.publish('trade.executed', { symbol: 'BTCUSDT', quantity: 1 }, { subject: 'trader-1', correlationId: 'c-1' });
    await bus.publish('system.started', { at: 1 });
    await bus.publishBatch([
      { type: 'trade.executed', subject: 'trader-1', data: { quantity: 2 } },
      { type: 'trade.executed', subject: 'trader-2', data: { quantity: 3 } },
    ]);
    const trader1 = await bus.eventStore.readStream('trader-1');
    expect(trader1.map((record) => record.event.data)).toEqual([{ symbol: 'BTCUSDT', quantity: 1 }, { quantity: 2 }]);
    expect(trader1[0]?.event).toMatchObject({ id: receipt.id, source: 'trading', correlationid: 'c-1' });
    expect((await bus.eventStore.readStream('system.started')).map((record) => record.event.data)).toEqual([{ at: 1 }]);
    expect(await bus.eventStore.readAll()).toHaveLength(4);
    expect(delivered).toHaveLength(3);
    await bus.stop();
  });

  it('stores only the selected types: patterns, or a predicate; the publish option stream overrides streamFor', async () => {
    const bus = createBus().use(
      store({ backend: memoryBackend(), types: ['orders.#'], streamFor: (event) => `order-${String((event.data as { id: string }).id)}` }),
    );
    await bus.start();
    await bus.publish('orders.eu.created', { id: '1' });
    await bus.publish('metrics.tick', { id: 'x' });
    await bus.publish('orders.eu.shipped', { id: '1' }, { stream: 'shipping' });
    expect((await bus.eventStore.readAll()).map((record) => [record.stream, record.event.type])).toEqual([
      ['order-1', 'orders.eu.created'],
      ['shipping', 'orders.eu.shipped'],
    ]);
    await bus.stop();

    const large = createBus().use(store({ backend: memoryBackend(), types: (event) => (event.data as number) > 10 }));
    await large.start();
    await large.publish('n', 5);
    await large.publish('n', 50);
    expect((await large.eventStore.readAll()).map((record) => record.event.data)).toEqual([50]);
    await large.stop();
  });

  it('stores the event as published, before encode plugins turn its data into bytes', async () => {
    const encoder = definePlugin({
      name: 'bytes',
      setup(kernel) {
        kernel.usePublish('encode', function toBytes(ctx, next) {
          ctx.envelope = {
            ...ctx.envelope,
            data: new TextEncoder().encode(JSON.stringify(ctx.envelope.data)),
            datacontenttype: 'application/json',
          };
          return next();
        });
      },
    });
    const bus = createBus()
      .use(encoder)
      .use(store({ backend: memoryBackend() }));
    const seen: unknown[] = [];
    bus.subscribe('a', (event) => void seen.push(event.data));
    await bus.start();
    await bus.publish('a', { plain: true });
    expect(seen[0]).toBeInstanceOf(Uint8Array);
    expect((await bus.eventStore.readAll())[0]?.event.data).toEqual({ plain: true });
    await bus.stop();
  });

  it('rejects a publish whose expectedVersion does not match with CONCURRENCY_CONFLICT, and sends nothing', async () => {
    const bus = createBus().use(store({ backend: memoryBackend() }));
    const delivered: unknown[] = [];
    bus.subscribe('account.deposited', (event) => void delivered.push(event.data));
    await bus.start();
    await bus.publish('account.deposited', 10, { subject: 'acct-1', expectedVersion: 'no-stream' });
    await bus.publish('account.deposited', 20, { subject: 'acct-1', expectedVersion: 0 });
    await expect(bus.publish('account.deposited', 30, { subject: 'acct-1', expectedVersion: 0 })).rejects.toMatchObject({
      code: 'CONCURRENCY_CONFLICT',
      details: { stream: 'acct-1', expected: 0, actual: 1 },
    });
    expect(delivered).toEqual([10, 20]);
    expect(await bus.eventStore.streamVersion('acct-1')).toBe(1);
    await bus.stop();
  });

  it('before-send (the default): a store failure rejects the publish with STORE_FAILED and nothing is sent', async () => {
    const failing = { append: true };
    const bus = createBus().use(store({ backend: flakyBackend(failing) }));
    const delivered: unknown[] = [];
    bus.subscribe('a', (event) => void delivered.push(event.data));
    await bus.start();
    await expect(bus.publish('a', 1)).rejects.toMatchObject({ code: 'STORE_FAILED', retryable: true, message: 'disk full' });
    expect(delivered).toEqual([]);
    await bus.stop();
  });

  it('before-send: a send failure leaves the event stored, and retrying the publish with the same id stores it once', async () => {
    const failing = { send: true };
    const bus = createBus()
      .use(store({ backend: memoryBackend() }))
      .use(flakySend(failing));
    const delivered: unknown[] = [];
    bus.subscribe('a', (event) => void delivered.push(event.data));
    await bus.start();
    await expect(bus.publish('a', 1, { id: 'event-1' })).rejects.toMatchObject({ code: 'TRANSPORT_FAILED' });
    expect(await bus.eventStore.readAll()).toHaveLength(1);
    failing.send = false;
    await bus.publish('a', 1, { id: 'event-1' });
    expect(delivered).toEqual([1]);
    expect(await bus.eventStore.readAll()).toHaveLength(1);
    await bus.stop();
  });

  it('after-send: stores only what was sent; a store failure after sending rejects with STORE_FAILED saying it was sent', async () => {
    const failing = { send: true, append: false };
    const bus = createBus()
      .use(store({ backend: flakyBackend(failing), persist: 'after-send' }))
      .use(flakySend(failing));
    const delivered: unknown[] = [];
    bus.subscribe('a', (event) => void delivered.push(event.data));
    await bus.start();
    await expect(bus.publish('a', 1)).rejects.toMatchObject({ code: 'TRANSPORT_FAILED' });
    expect(await bus.eventStore.readAll()).toEqual([]);
    failing.send = false;
    failing.append = true;
    const error = await bus.publish('a', 2).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'STORE_FAILED', message: expect.stringMatching(/was sent, but storing it failed: disk full/) });
    expect(delivered).toEqual([2]);
    await expect(bus.publish('a', 3, { expectedVersion: 0 })).rejects.toMatchObject({ code: 'INVALID_EVENT' });
    await bus.stop();
  });

  it('refuses an unknown persist mode when the plugin is made', () => {
    expect(() => store({ backend: memoryBackend(), persist: 'sometimes' as never })).toThrowError(
      expect.objectContaining({ code: 'PLUGIN_INVALID' }),
    );
  });

  it('applies retention rules at start and on a timer', async () => {
    const backend = memoryBackend();
    let now = Date.UTC(2025, 0, 1);
    const bus = createBus().use(
      store({ backend, clock: () => now, retention: { rules: [{ maxAgeMs: 1000, types: ['tick'] }], intervalMs: 20 } }),
    );
    await bus.start();
    await bus.publish('tick', 1);
    await bus.publish('trade', 2);
    now += 5000;
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect((await bus.eventStore.readAll()).map((record) => record.event.type)).toEqual(['trade']);
    await bus.stop();
  });

  it('closes the store when the bus stops, unless told not to', async () => {
    const bus = createBus().use(store({ backend: memoryBackend() }));
    await bus.start();
    await bus.stop();
    await expect(bus.eventStore.readAll()).rejects.toMatchObject({ code: 'STORE_FAILED' });

    const keep = createBus().use(store({ backend: memoryBackend(), closeOnStop: false }));
    await keep.start();
    await keep.publish('a', 1);
    await keep.stop();
    expect(await keep.eventStore.readAll()).toHaveLength(1);
  });
});

describe('replay', () => {
  it('republishes stored events in order, marked replay: true with their original ids, and does not store them again', async () => {
    const bus = createBus().use(store({ backend: memoryBackend() }));
    await bus.start();
    const receipts = [];
    for (let quantity = 1; quantity <= 5; quantity++) {
      receipts.push(await bus.publish('trade.executed', { quantity }, { subject: 'trader-1' }));
    }
    await bus.publish('risk.alert', { level: 'high' }, { subject: 'trader-1' });
    const seen: EventEnvelope[] = [];
    bus.subscribe('trade.executed', (event) => void seen.push(event));
    const result = await bus.eventStore.replay({ types: ['trade.*'] });
    expect(result.replayed).toBe(5);
    expect(seen.map((event) => event.id)).toEqual(receipts.map((receipt) => receipt.id));
    expect(seen.every(isReplay)).toBe(true);
    // Through Kafka's binary binding the marker comes back as a header string.
    const [first] = seen as [EventEnvelope];
    expect(isReplay({ ...first, replay: 'true' })).toBe(true);
    expect(isReplay({ ...first, replay: 'false' })).toBe(false);
    expect(isReplay({ ...first, replay: undefined })).toBe(false);
    expect(seen.map((event) => (event.data as { quantity: number }).quantity)).toEqual([1, 2, 3, 4, 5]);
    expect(await bus.eventStore.readAll()).toHaveLength(6);
    await bus.stop();
  });

  it('replays one stream between two versions, both inclusive (Ares: replay from 1 to 3 gives 3 events)', async () => {
    const bus = createBus().use(store({ backend: memoryBackend() }));
    await bus.start();
    for (let n = 0; n < 5; n++) await bus.publish('trade.executed', { n }, { subject: 'trader_1' });
    await bus.publish('trade.executed', { n: 99 }, { subject: 'trader_2' });
    const seen: number[] = [];
    bus.subscribe('trade.executed', (event) => void seen.push((event.data as { n: number }).n));
    const result = await bus.eventStore.replay({ stream: 'trader_1', fromVersion: 1, toVersion: 3, batchSize: 2 });
    expect(seen).toEqual([1, 2, 3]);
    expect(result).toMatchObject({ replayed: 3 });
    await bus.stop();
  });

  it('runs the upcast hook on replayed events', async () => {
    const bus = createBus().use(
      store({
        backend: memoryBackend(),
        upcast: (event) =>
          event.schemaversion === '1.0.0'
            ? { ...event, schemaversion: '1.1.0', data: { ...(event.data as object), orderId: 'n/a' } }
            : event,
      }),
    );
    await bus.start();
    await bus.publish('trade.executed', { symbol: 'ETH' }, { schemaVersion: '1.0.0' });
    const seen: EventEnvelope[] = [];
    bus.subscribe('trade.executed', (event) => void seen.push(event));
    await bus.eventStore.replay();
    expect(seen[0]).toMatchObject({ schemaversion: '1.1.0', data: { symbol: 'ETH', orderId: 'n/a' }, replay: true });
    await bus.stop();
  });
});
