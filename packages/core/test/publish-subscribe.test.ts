import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Bus, BusError, createBus, definePlugin, type EventEnvelope } from '../src/index.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const buses: Bus[] = [];
async function started(source = 'test'): Promise<Bus> {
  const bus = createBus({ source });
  buses.push(bus);
  await bus.start();
  return bus;
}
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.stop()));
  vi.restoreAllMocks();
});

describe('publish and subscribe', () => {
  it('delivers the full envelope to the handler, with the delivery context', async () => {
    const bus = await started('orders-service');
    const seen: EventEnvelope<{ id: string }>[] = [];
    const handle = bus.subscribe<{ id: string }>('orders.created', (event, ctx) => {
      seen.push(event);
      expect(ctx.subscription.id).toBe(handle.id);
      expect(ctx.attempt).toBe(1);
      expect(ctx.bus).toBe(bus);
    });
    const receipt = await bus.publish('orders.created', { id: 'o-1' }, { key: 'o-1', subject: 'o-1' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      id: receipt.id,
      type: 'orders.created',
      source: 'orders-service',
      specversion: '1.0',
      subject: 'o-1',
      partitionkey: 'o-1',
      data: { id: 'o-1' },
    });
    expect(receipt).toEqual({ id: seen[0]?.id, type: 'orders.created' });
  });

  it('accepts a partial envelope and keeps its attributes', async () => {
    const bus = await started();
    const seen: EventEnvelope[] = [];
    bus.subscribe('a.b', (event) => void seen.push(event));
    await bus.publish({ type: 'a.b', id: 'fixed', data: 2, correlationid: 'c', source: 'elsewhere' });
    expect(seen[0]).toMatchObject({ id: 'fixed', data: 2, correlationid: 'c', source: 'elsewhere' });
  });

  it('matches types exactly by default', async () => {
    const bus = await started();
    const handler = vi.fn();
    bus.subscribe('orders.created', handler);
    await bus.publish('orders.created.eu', 1);
    await bus.publish('orders', 1);
    expect(handler).not.toHaveBeenCalled();
  });

  it('awaits async handlers before publish resolves', async () => {
    const bus = await started();
    let done = false;
    bus.subscribe('a', async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      done = true;
    });
    await bus.publish('a', 1);
    expect(done).toBe(true);
  });

  it('stops delivering after unsubscribe(), which is idempotent', async () => {
    const bus = await started();
    const handler = vi.fn();
    const handle = bus.subscribe('a', handler);
    await bus.publish('a', 1);
    await handle.unsubscribe();
    await handle.unsubscribe();
    await bus.publish('a', 2);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('attaches subscriptions made before start() at start, and resolves ready', async () => {
    const bus = createBus();
    buses.push(bus);
    const handler = vi.fn();
    const handle = bus.subscribe('a', handler);
    await bus.start();
    await handle.ready;
    await bus.publish('a', 1);
    expect(handler).toHaveBeenCalledOnce();
  });

  it('delivers to every subscription of a type, in subscription order', async () => {
    const bus = await started();
    const order: number[] = [];
    bus.subscribe('a', () => void order.push(1));
    bus.subscribe('a', () => void order.push(2));
    bus.subscribe('a', () => void order.push(3));
    await bus.publish('a', 1);
    expect(order).toEqual([1, 2, 3]);
  });

  it('rejects bad subscriptions with INVALID_SUBSCRIPTION', async () => {
    const bus = await started();
    expect(() => bus.subscribe('', () => undefined)).toThrowError(expect.objectContaining({ code: 'INVALID_SUBSCRIPTION' }));
    expect(() => bus.subscribe('a', 'nope' as never)).toThrowError(expect.objectContaining({ code: 'INVALID_SUBSCRIPTION' }));
    expect(() => bus.subscribe('a', () => undefined, { group: '' })).toThrowError(
      expect.objectContaining({ code: 'INVALID_SUBSCRIPTION' }),
    );
  });

  it('rejects bad events with INVALID_EVENT and delivers nothing', async () => {
    const bus = await started();
    const handler = vi.fn();
    bus.subscribe('a', handler);
    await expect(bus.publish('', 1)).rejects.toMatchObject({ code: 'INVALID_EVENT' });
    await expect(bus.publish({ data: 1 } as never)).rejects.toMatchObject({ code: 'INVALID_EVENT' });
    expect(() => bus.emit(undefined as never, 1)).toThrowError(expect.objectContaining({ code: 'INVALID_EVENT' }));
    expect(handler).not.toHaveBeenCalled();
  });
});

describe('a failing handler', () => {
  it('never stops other handlers or the bus; the error goes to events "failed" as HANDLER_FAILED', async () => {
    const bus = await started();
    const failures: [BusError, EventEnvelope, string][] = [];
    bus.events.on('failed', (error, event, subscription) => failures.push([error, event, subscription.name]));
    const good = vi.fn();
    bus.subscribe(
      'a',
      () => {
        throw new Error('sync boom');
      },
      { name: 'sync-fails' },
    );
    bus.subscribe(
      'a',
      async () => {
        throw new Error('async boom');
      },
      { name: 'async-fails' },
    );
    bus.subscribe('a', good);
    const receipt = await bus.publish('a', 1);
    bus.emit('a', 2);
    await bus.publish('a', 3);
    expect(good).toHaveBeenCalledTimes(3);
    expect(failures).toHaveLength(6);
    for (const [error, event] of failures) {
      expect(error).toBeInstanceOf(BusError);
      expect(error.code).toBe('HANDLER_FAILED');
      expect(error.eventId).toBe(event.id);
      expect(error.cause).toBeInstanceOf(Error);
    }
    expect(failures[0]?.[1].id).toBe(receipt.id);
    expect(failures.map(([, , name]) => name)).toContain('async-fails');
  });

  it('is logged at error level when nobody listens to "failed", never lost silently', async () => {
    const logger = recordingLogger();
    const bus = createBus({ logger });
    buses.push(bus);
    await bus.start();
    bus.subscribe('a', () => {
      throw new Error('unheard');
    });
    await bus.publish('a', 1);
    expect(logger.error).toHaveBeenCalledWith(
      expect.objectContaining({ err: expect.any(BusError), code: 'HANDLER_FAILED' }),
      expect.stringContaining("subscription 'a' failed"),
    );
  });

  it('is still logged when a plugin only observes "failed" (kernel.observe)', async () => {
    const counted: string[] = [];
    const logger = recordingLogger();
    const bus = createBus({ logger }).use(
      definePlugin({ name: 'counter', setup: (kernel) => kernel.observe('failed', (error) => void counted.push(error.code)) }),
    );
    buses.push(bus);
    await bus.start();
    bus.subscribe('a', () => {
      throw new Error('observed, not handled');
    });
    await bus.publish('a', 1);
    expect(counted).toEqual(['HANDLER_FAILED']);
    expect(logger.error).toHaveBeenCalledOnce();
    bus.events.on('failed', () => undefined);
    await bus.publish('a', 2);
    expect(counted).toHaveLength(2);
    expect(logger.error).toHaveBeenCalledOnce();
  });

  it('keeps a BusError thrown by the handler as it is', async () => {
    const bus = await started();
    const codes: string[] = [];
    bus.events.on('failed', (error) => codes.push(error.code));
    bus.subscribe('a', () => {
      throw new BusError('SCHEMA_INVALID', 'bad');
    });
    await bus.publish('a', 1);
    expect(codes).toEqual(['SCHEMA_INVALID']);
  });
});

describe('emit', () => {
  it('is synchronous: synchronous handlers have run when it returns', async () => {
    const bus = await started();
    const seen: unknown[] = [];
    bus.subscribe('tick', (event) => void seen.push(event.data));
    bus.emit('tick', 1);
    bus.emit('tick', 2);
    expect(seen).toEqual([1, 2]);
  });

  it('gives handlers an envelope whose id and time are stable once read', async () => {
    const bus = await started('game');
    const seen: EventEnvelope[] = [];
    bus.subscribe('tick', (event) => void seen.push(event));
    bus.emit('tick', 1);
    const [event] = seen as [EventEnvelope];
    expect(event.id).toBe(event.id);
    expect(event.id).toMatch(UUID_V7);
    expect(event.time).toBe(event.time);
    expect(JSON.parse(JSON.stringify(event))).toMatchObject({ id: event.id, type: 'tick', source: 'game', specversion: '1.0', data: 1 });
  });

  it('emits "published" and "delivered" on bus.events', async () => {
    const bus = await started();
    const published = vi.fn();
    const delivered = vi.fn();
    bus.events.on('published', published);
    bus.events.on('delivered', delivered);
    bus.subscribe('a', () => undefined);
    bus.emit('a', 1);
    await bus.publish('a', 2);
    expect(published).toHaveBeenCalledTimes(2);
    expect(delivered).toHaveBeenCalledTimes(2);
  });
});

describe('publishBatch', () => {
  it('publishes every event, in order, and returns a receipt each', async () => {
    const bus = await started();
    const seen: unknown[] = [];
    bus.subscribe('a', (event) => void seen.push(event.data));
    bus.subscribe('b', (event) => void seen.push(event.data));
    const receipts = await bus.publishBatch([
      { type: 'a', data: 1 },
      { type: 'b', data: 2 },
      { type: 'a', data: 3 },
    ]);
    expect(seen).toEqual([1, 2, 3]);
    expect(receipts.map((receipt) => receipt.type)).toEqual(['a', 'b', 'a']);
  });

  it('sends nothing when one event is invalid', async () => {
    const bus = await started();
    const handler = vi.fn();
    bus.subscribe('a', handler);
    await expect(bus.publishBatch([{ type: 'a' }, { type: '' }])).rejects.toMatchObject({ code: 'INVALID_EVENT' });
    expect(handler).not.toHaveBeenCalled();
  });
});

describe('consumer groups on the memory transport', () => {
  it('delivers each event to one member of a group and to every ungrouped subscription', async () => {
    const bus = await started();
    const counts = { a: 0, b: 0, solo: 0 };
    bus.subscribe('job', () => void counts.a++, { group: 'workers' });
    bus.subscribe('job', () => void counts.b++, { group: 'workers' });
    bus.subscribe('job', () => void counts.solo++);
    for (let i = 0; i < 10; i++) await bus.publish('job', i);
    expect(counts.a + counts.b).toBe(10);
    expect(counts.a).toBeGreaterThan(0);
    expect(counts.b).toBeGreaterThan(0);
    expect(counts.solo).toBe(10);
  });

  it('sends one partition key to one member, in order', async () => {
    const bus = await started();
    const byMember: Record<string, string[]> = { a: [], b: [] };
    bus.subscribe<number>('job', (event) => void byMember.a?.push(`${event.partitionkey}:${event.data}`), { group: 'g' });
    bus.subscribe<number>('job', (event) => void byMember.b?.push(`${event.partitionkey}:${event.data}`), { group: 'g' });
    for (let i = 0; i < 20; i++) await bus.publish('job', i, { key: `k${i % 4}` });
    for (let k = 0; k < 4; k++) {
      const holders = Object.values(byMember).filter((seen) => seen.some((entry) => entry.startsWith(`k${k}:`)));
      expect(holders).toHaveLength(1);
      const values = (holders[0] as string[]).filter((entry) => entry.startsWith(`k${k}:`)).map((entry) => Number(entry.split(':')[1]));
      expect(values).toEqual([...values].sort((x, y) => x - y));
    }
  });
});

describe('dispatch (test entry, no transport)', () => {
  it('runs the deliver pipeline for matching subscriptions and reports failures', async () => {
    const bus = await started();
    bus.subscribe('a', () => undefined);
    bus.subscribe('a', () => {
      throw new Error('no');
    });
    bus.events.on('failed', () => undefined);
    const report = await bus.dispatch({ type: 'a', data: 1 });
    expect(report.delivered).toBe(1);
    expect(report.failures.map((error) => error.code)).toEqual(['HANDLER_FAILED']);
  });
});

function recordingLogger() {
  return { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
}
