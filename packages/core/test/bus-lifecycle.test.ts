import { describe, expect, it, vi } from 'vitest';
import { type BusError, createBus, definePlugin, memoryTransport, type Transport } from '../src/index.js';

describe('bus lifecycle', () => {
  it('rejects publish before start() with BUS_NOT_STARTED and after stop() with BUS_STOPPED', async () => {
    const bus = createBus();
    await expect(bus.publish('a', 1)).rejects.toMatchObject({ code: 'BUS_NOT_STARTED' });
    expect(() => bus.emit('a', 1)).toThrowError(expect.objectContaining({ code: 'BUS_NOT_STARTED' }));
    await bus.start();
    await bus.stop();
    await expect(bus.publish('a', 1)).rejects.toMatchObject({ code: 'BUS_STOPPED' });
    await expect(bus.publishBatch([{ type: 'a' }])).rejects.toMatchObject({ code: 'BUS_STOPPED' });
    expect(() => bus.emit('a', 1)).toThrowError(expect.objectContaining({ code: 'BUS_STOPPED' }));
    expect(bus.status).toBe('stopped');
  });

  it('cannot be started again after stop()', async () => {
    const bus = createBus();
    await bus.start();
    await bus.stop();
    await expect(bus.start()).rejects.toMatchObject({ code: 'BUS_STOPPED' });
  });

  it('start() and stop() are idempotent while in progress', async () => {
    const bus = createBus();
    const [a, b] = [bus.start(), bus.start()];
    expect(a).toBe(b);
    await a;
    expect(bus.stop()).toBe(bus.stop());
    await bus.stop();
  });

  it('runs onStart hooks in plugin order and onStop hooks in reverse', async () => {
    const order: string[] = [];
    const plugin = (name: string) =>
      definePlugin({
        name,
        setup(kernel) {
          kernel.onStart(() => void order.push(`start ${name}`));
          kernel.onStop(() => void order.push(`stop ${name}`));
        },
      });
    const bus = createBus().use(plugin('a')).use(plugin('b')).use(plugin('c'));
    await bus.start();
    await bus.stop();
    expect(order).toEqual(['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
  });

  it('hands the stop options to onStop hooks', async () => {
    const seen: unknown[] = [];
    const bus = createBus().use(definePlugin({ name: 'queue', setup: (kernel) => kernel.onStop((options) => void seen.push(options)) }));
    await bus.start();
    await bus.stop({ drain: false, timeoutMs: 5 });
    expect(seen).toEqual([{ drain: false, timeoutMs: 5 }]);
  });

  it('drains in-flight deliveries before stopping the transport', async () => {
    const bus = createBus();
    const finished: string[] = [];
    bus.subscribe('slow', async (event) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      finished.push(event.id);
    });
    await bus.start();
    bus.emit('slow', 1);
    bus.emit('slow', 2);
    await bus.stop();
    expect(finished).toHaveLength(2);
  });

  it('does not wait with drain: false', async () => {
    const bus = createBus();
    let finished = false;
    bus.subscribe('slow', async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      finished = true;
    });
    await bus.start();
    bus.emit('slow', 1);
    await bus.stop({ drain: false });
    expect(finished).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 60));
  });

  it('reports BUS_STOP_TIMEOUT when draining takes longer than timeoutMs, and still stops', async () => {
    const bus = createBus();
    const errors: BusError[] = [];
    bus.events.on('error', (error) => errors.push(error));
    let release!: () => void;
    bus.subscribe('stuck', () => new Promise<void>((resolve) => (release = resolve)));
    await bus.start();
    bus.emit('stuck', 1);
    await bus.stop({ timeoutMs: 10 });
    expect(bus.status).toBe('stopped');
    expect(errors.map((error) => error.code)).toEqual(['BUS_STOP_TIMEOUT']);
    release();
  });

  it('reports a failing onStop hook as BUS_STOP_FAILED, runs the other hooks and still stops', async () => {
    const order: string[] = [];
    const errors: BusError[] = [];
    const bus = createBus()
      .use(definePlugin({ name: 'first', setup: (kernel) => kernel.onStop(() => void order.push('first')) }))
      .use(
        definePlugin({
          name: 'broken',
          setup: (kernel) =>
            kernel.onStop(() => {
              throw new Error('flush failed');
            }),
        }),
      );
    bus.events.on('error', (error) => errors.push(error));
    await bus.start();
    await bus.stop();
    expect(bus.status).toBe('stopped');
    expect(order).toEqual(['first']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'BUS_STOP_FAILED', message: 'flush failed' });
  });

  it('fails start() with BUS_START_FAILED when a hook throws, and tears down what started', async () => {
    const stopped = vi.fn();
    const transport: Transport = {
      name: 'probe',
      capabilities: {
        inProcess: true,
        durable: false,
        consumerGroups: false,
        orderedPerKey: true,
        wildcards: false,
        redelivery: false,
        requiresEncodedData: false,
      },
      start: () => undefined,
      stop: stopped,
      send: () => undefined,
      subscribe: () => ({ unsubscribe: () => undefined }),
    };
    const bus = createBus({ transport }).use(
      definePlugin({
        name: 'broken',
        setup(kernel) {
          kernel.onStart(() => {
            throw new Error('cannot connect');
          });
        },
      }),
    );
    const failure = await bus.start().catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'BUS_START_FAILED', message: 'cannot connect' });
    expect((failure as BusError).cause).toBeInstanceOf(Error);
    expect(stopped).toHaveBeenCalledOnce();
    expect(bus.status).toBe('stopped');
  });
});

describe('synchronous start', () => {
  it('is started when start() returns if the transport and every hook are synchronous', () => {
    const bus = createBus().use(definePlugin({ name: 'sync-hook', setup: (kernel) => kernel.onStart(() => undefined) }));
    const seen: number[] = [];
    bus.subscribe<number>('tick', (event) => void seen.push(event.data));
    void bus.start();
    expect(bus.status).toBe('started');
    bus.emit('tick', 1);
    expect(seen).toEqual([1]);
  });

  it('waits for a hook that returns a promise, and only then is started', async () => {
    let release!: () => void;
    const bus = createBus().use(
      definePlugin({ name: 'async-hook', setup: (kernel) => kernel.onStart(() => new Promise<void>((resolve) => (release = resolve))) }),
    );
    const started = bus.start();
    expect(bus.status).toBe('started'); // hooks run once the bus is live, as before
    release();
    await started;
    await bus.stop();
  });

  it('waits for a transport whose start is asynchronous before attaching subscriptions', async () => {
    const order: string[] = [];
    const base = memoryTransport();
    const transport: Transport = {
      ...base,
      name: 'slow',
      capabilities: base.capabilities,
      start: async (context) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        order.push('transport started');
        return base.start(context);
      },
      stop: () => base.stop(),
      send: (messages) => base.send(messages),
      subscribe: (spec, onMessage) => {
        order.push(`attach ${spec.pattern}`);
        return base.subscribe(spec, onMessage);
      },
    };
    const bus = createBus({ transport });
    bus.subscribe('a', () => undefined);
    const started = bus.start();
    expect(bus.status).toBe('starting');
    expect(() => bus.emit('a', 1)).toThrow(expect.objectContaining({ code: 'BUS_NOT_STARTED' }));
    await started;
    expect(order).toEqual(['transport started', 'attach a']);
    expect(bus.status).toBe('started');
    await bus.stop();
  });
});

describe('subscriptions made while an asynchronous start runs', () => {
  it('are attached once the bus has started', async () => {
    const base = memoryTransport();
    const transport: Transport = {
      name: 'slow',
      capabilities: base.capabilities,
      start: async (context) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return base.start(context);
      },
      stop: () => base.stop(),
      send: (messages) => base.send(messages),
      subscribe: (spec, onMessage) => base.subscribe(spec, onMessage),
    };
    const bus = createBus({ transport });
    const seen: string[] = [];
    bus.subscribe('a', () => void seen.push('early'));
    const started = bus.start();
    const late = bus.subscribe('a', () => void seen.push('late'));
    await started;
    await late.ready;
    await bus.publish('a', 1);
    expect(seen).toEqual(['early', 'late']);
    await bus.stop();
  });
});
