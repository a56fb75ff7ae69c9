import { describe, expect, it, vi } from 'vitest';
import { type BusError, createBus, definePlugin, type EventEnvelope } from '../src/index.js';

describe('createBus({ autoStart: true })', () => {
  it('starts on the first publish and delivers it', async () => {
    const bus = createBus({ autoStart: true });
    const seen: unknown[] = [];
    bus.subscribe('orders.created', (event) => void seen.push(event.data));
    const receipt = await bus.publish('orders.created', { id: 1 });
    expect(receipt.type).toBe('orders.created');
    expect(bus.status).toBe('started');
    expect(seen).toEqual([{ id: 1 }]);
    await bus.stop();
  });

  it('is live at once when the transport and plugins start synchronously: emit after construction delivers in that tick', () => {
    const bus = createBus({ autoStart: true });
    const seen: unknown[] = [];
    bus.subscribe('zone.1.player', (event) => void seen.push(event.data));
    bus.emit('zone.1.player', { x: 10 });
    expect(seen).toEqual([{ x: 10 }]);
    expect(bus.status).toBe('started');
    void bus.publish('zone.1.player', { x: 11 });
    expect(seen).toEqual([{ x: 10 }, { x: 11 }]);
  });

  it('runs calls made before an asynchronous start in the order they were made, emits included', async () => {
    const bus = createBus({ autoStart: true }).use(
      definePlugin({ name: 'slow-start', setup: (kernel) => kernel.onStart(() => new Promise((resolve) => setTimeout(resolve, 5))) }),
    );
    const order: string[] = [];
    for (const type of ['a', 'b', 'c', 'd', 'e', 'f']) bus.subscribe(type, (event: EventEnvelope) => void order.push(event.type));
    bus.emit('a', 1);
    const published = bus.publish('b', 2);
    bus.emit('c', 3);
    const batch = bus.publishBatch([{ type: 'd' }, { type: 'e' }]);
    expect(order).toEqual([]);
    await Promise.all([published, batch]);
    expect(order).toEqual(['a', 'b', 'c', 'd', 'e']);
    bus.emit('f', 6);
    expect(order.at(-1)).toBe('f');
    await bus.stop();
  });

  it('lets plugins be added until the first call', async () => {
    const bus = createBus({ autoStart: true });
    const tapped: string[] = [];
    bus.use(
      definePlugin({
        name: 'tap',
        setup: (kernel) =>
          kernel.usePublish('enrich', (ctx, next) => {
            tapped.push(ctx.envelope.type);
            return next();
          }),
      }),
    );
    await bus.publish('x', 1);
    expect(tapped).toEqual(['x']);
    expect(() => bus.use(definePlugin({ name: 'late', setup: () => undefined }))).toThrow(expect.objectContaining({ code: 'BUS_FROZEN' }));
    await bus.stop();
  });

  it('dispatch waits for the start too', async () => {
    const bus = createBus({ autoStart: true });
    bus.subscribe('t', () => undefined);
    await expect(bus.dispatch({ type: 't' })).resolves.toEqual({ delivered: 1, failures: [] });
    await bus.stop();
  });

  it('rejects held publishes with BUS_START_FAILED and reports held emits on "error" when the start fails', async () => {
    const bus = createBus({ autoStart: true }).use(
      definePlugin({
        name: 'broken',
        setup: (kernel) =>
          kernel.onStart(() => {
            throw new Error('no broker');
          }),
      }),
    );
    const errors: BusError[] = [];
    bus.events.on('error', (error) => errors.push(error));
    bus.emit('a', 1);
    const failure = await bus.publish('b', 2).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'BUS_START_FAILED', message: 'no broker' });
    expect(errors.map((error) => error.code)).toEqual(['BUS_START_FAILED']);
    expect(bus.status).toBe('stopped');
    await expect(bus.publish('c', 3)).rejects.toMatchObject({ code: 'BUS_STOPPED' });
  });

  it('still throws an invalid event type from emit at once', () => {
    const bus = createBus({ autoStart: true });
    expect(() => bus.emit('', 1)).toThrow(expect.objectContaining({ code: 'INVALID_EVENT' }));
    expect(bus.status).toBe('idle');
  });

  it('refuses calls after stop() as before', async () => {
    const bus = createBus({ autoStart: true });
    await bus.publish('a', 1);
    await bus.stop();
    expect(() => bus.emit('a', 1)).toThrow(expect.objectContaining({ code: 'BUS_STOPPED' }));
    await expect(bus.publish('a', 1)).rejects.toMatchObject({ code: 'BUS_STOPPED' });
  });

  it('is off by default: calls before start() are refused with BUS_NOT_STARTED', async () => {
    const bus = createBus();
    const start = vi.spyOn(bus, 'start');
    await expect(bus.publish('a', 1)).rejects.toMatchObject({ code: 'BUS_NOT_STARTED' });
    expect(() => bus.emit('a', 1)).toThrow(expect.objectContaining({ code: 'BUS_NOT_STARTED' }));
    expect(start).not.toHaveBeenCalled();
  });
});
