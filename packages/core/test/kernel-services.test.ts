import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Bus, BusError, createBus, definePlugin, type EventEnvelope, type Kernel } from '../src/index.js';
import { kernelOf } from '../src/plugin-kit.js';

const buses: Bus[] = [];
afterEach(async () => {
  for (const bus of buses.splice(0)) await bus.stop();
});

function recordingLogger() {
  return { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
}

function withKernel(options: Parameters<typeof createBus>[0] = {}) {
  let kernel: Kernel | undefined;
  const bus = createBus(options).use(
    definePlugin({
      name: 'probe',
      setup: (k) => {
        kernel = k;
      },
    }),
  );
  buses.push(bus);
  return { bus, kernel: kernel as unknown as Kernel };
}

describe('kernel.interceptSend', () => {
  it('sees every event of a batch at once, with the publish options, after the pipeline ran', async () => {
    const seen: { ids: string[]; principal: string | undefined }[] = [];
    const bus = createBus().use(
      definePlugin({
        name: 'tap',
        setup(kernel) {
          kernel.usePublish('encode', (ctx, next) => {
            ctx.envelope.encoded = true;
            return next();
          });
          kernel.interceptSend((messages, options, send) => {
            seen.push({ ids: messages.map((m) => m.id), principal: options.principal });
            expect(messages.every((m) => m.encoded === true)).toBe(true);
            return send(messages);
          });
        },
      }),
    );
    buses.push(bus);
    const delivered: string[] = [];
    bus.subscribe('a', (event) => void delivered.push(event.id));
    await bus.start();
    const receipts = await bus.publishBatch(
      [
        { type: 'a', id: 'x' },
        { type: 'a', id: 'y' },
      ],
      { principal: 'p' },
    );
    await bus.publish('a', 1, { id: 'z' });
    expect(seen).toEqual([
      { ids: ['x', 'y'], principal: 'p' },
      { ids: ['z'], principal: undefined },
    ]);
    expect(receipts.map((r) => r.id)).toEqual(['x', 'y']);
    expect(delivered).toEqual(['x', 'y', 'z']);
  });

  it('may keep events from the transport, and its failure fails the publish', async () => {
    const kept: EventEnvelope[] = [];
    const bus = createBus().use(
      definePlugin({
        name: 'keep',
        setup(kernel) {
          kernel.interceptSend((messages, options, send) => {
            if (options.subject === 'fail') return Promise.reject(new Error('table is gone'));
            if (options.subject === 'keep') {
              kept.push(...messages);
              return;
            }
            return send(messages);
          });
        },
      }),
    );
    buses.push(bus);
    const delivered: string[] = [];
    bus.subscribe('a', (event) => void delivered.push(String(event.data)));
    await bus.start();
    await bus.publish('a', 'kept', { subject: 'keep' });
    await bus.publish('a', 'sent', { subject: 'send' });
    await expect(bus.publish('a', 'failed', { subject: 'fail', id: 'f-1' })).rejects.toMatchObject({ eventId: 'f-1' });
    expect(kept.map((m) => m.data)).toEqual(['kept']);
    expect(delivered).toEqual(['sent']);
  });

  it('runs interceptors in plugin order and refuses one added after start', async () => {
    const order: string[] = [];
    let late: Kernel | undefined;
    const interceptor = (name: string) =>
      definePlugin({
        name,
        setup(kernel) {
          late = kernel;
          kernel.interceptSend((messages, _options, send) => {
            order.push(name);
            return send(messages);
          });
        },
      });
    const bus = createBus().use(interceptor('first')).use(interceptor('second'));
    buses.push(bus);
    await bus.start();
    await bus.publish('a', 1);
    expect(order).toEqual(['first', 'second']);
    expect(() => late?.interceptSend((m, _o, send) => send(m))).toThrow(expect.objectContaining({ code: 'BUS_FROZEN' }));
  });
});

describe('kernel.report, failDelivery and drop', () => {
  it('report emits "error" as a BusError with the code, and logs only when nobody handles it', async () => {
    const logger = recordingLogger();
    const { bus, kernel } = withKernel({ logger });
    await bus.start();
    const reported = kernel.report(new Error('socket closed'), 'TRANSPORT_FAILED', 'e-1');
    expect(reported).toBeInstanceOf(BusError);
    expect(reported).toMatchObject({ code: 'TRANSPORT_FAILED', eventId: 'e-1' });
    expect(logger.error).toHaveBeenCalledOnce();
    const heard: BusError[] = [];
    kernel.observe('error', (error) => void heard.push(error));
    kernel.report(new Error('again'), 'TRANSPORT_FAILED');
    expect(logger.error).toHaveBeenCalledTimes(2); // an observer does not take charge
    bus.events.on('error', (error) => void heard.push(error));
    kernel.report(new Error('handled'), 'TRANSPORT_FAILED');
    expect(logger.error).toHaveBeenCalledTimes(2);
    expect(heard.map((error) => error.message)).toEqual(['again', 'handled', 'handled']);
  });

  it('failDelivery emits "failed" with the event and subscription', async () => {
    const logger = recordingLogger();
    const { bus, kernel } = withKernel({ logger });
    const handle = bus.subscribe('a', () => undefined);
    await bus.start();
    const event = { id: 'e-2', type: 'a', source: 's', specversion: '1.0', data: 1 } as const;
    const failed: [string, string, string][] = [];
    bus.events.on('failed', (error, e, s) => void failed.push([error.code, e.id, s.id]));
    const error = kernel.failDelivery(new Error('queue handler threw'), event, handle);
    expect(error).toMatchObject({ code: 'HANDLER_FAILED', eventId: 'e-2' });
    expect(failed).toEqual([['HANDLER_FAILED', 'e-2', handle.id]]);
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('drop emits "dropped", or warns on the logger when unheard', async () => {
    const logger = recordingLogger();
    const { bus, kernel } = withKernel({ logger });
    await bus.start();
    const event = { id: 'e-3', type: 'a', source: 's', specversion: '1.0', data: 1 } as const;
    kernel.drop({ event, error: new BusError('BACKPRESSURE_REJECTED', 'full') });
    expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ eventId: 'e-3' }), expect.stringContaining('full'));
    const dropped: string[] = [];
    bus.events.on('dropped', ({ event: e }) => void dropped.push(e.id));
    kernel.drop({ event, error: new BusError('BACKPRESSURE_REJECTED', 'full') });
    expect(dropped).toEqual(['e-3']);
    expect(logger.warn).toHaveBeenCalledOnce();
  });

  it('a logger without the four methods is CONFIG_INVALID', () => {
    expect(() => createBus({ logger: { info: () => undefined } as never })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('kernelOf(bus, name), for code that holds a bus (a facade)', () => {
  it('hands over the kernel of a named plugin: its reports reach bus.events and the logger like a plugin’s', async () => {
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const bus = createBus({ logger });
    const kernel = kernelOf(bus, 'legacy');
    expect(bus.plugins).toEqual(['legacy']);
    const error = kernel.report(new Error('disk full'), 'STORE_FAILED', 'e-1');
    expect(error).toMatchObject({ code: 'STORE_FAILED', eventId: 'e-1' });
    expect(logger.error).toHaveBeenCalledWith(expect.objectContaining({ code: 'STORE_FAILED' }), expect.stringContaining('disk full'));
    await bus.start();
    expect(() => kernelOf(bus, 'late')).toThrow(expect.objectContaining({ code: 'BUS_FROZEN' }));
    await bus.stop();
  });
});
