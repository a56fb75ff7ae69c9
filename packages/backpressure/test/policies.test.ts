import { type Bus, BusError, createBus, definePlugin, type EventEnvelope } from '@bus/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backpressure, type SubscriptionBackpressure } from '../src/index.js';
import { type Gate, gate, recordDrops, redeliveringTransport, settle } from './helpers.js';

const buses: Bus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.stop({ timeoutMs: 100 })));
  vi.restoreAllMocks();
});

/** A started bus with one subscription to `jobs` whose handler records `data` and waits for its gate. */
async function jobsBus(options: SubscriptionBackpressure) {
  const bus = createBus().use(backpressure());
  buses.push(bus);
  const gates = new Map<number, Gate>();
  const gateOf = (n: number): Gate => {
    const existing = gates.get(n);
    if (existing !== undefined) return existing;
    const made = gate();
    gates.set(n, made);
    return made;
  };
  const started: number[] = [];
  const handled: number[] = [];
  const handle = bus.subscribe<number>(
    'jobs',
    async (event) => {
      started.push(event.data);
      await gateOf(event.data).promise;
      handled.push(event.data);
    },
    { backpressure: options },
  );
  await bus.start();
  const openAll = (): void => {
    for (let n = 0; n < 1000; n++) gateOf(n).open();
  };
  return { bus, handle, started, handled, gateOf, openAll, stats: () => bus.backpressure.stats(handle.id) };
}

describe('block policy', () => {
  it('makes the publisher wait until there is room, then resolves once the event is queued', async () => {
    const { bus, stats, gateOf, openAll, handled } = await jobsBus({ capacity: 2, policy: 'block', concurrency: 1 });
    await bus.publish('jobs', 1); // running
    await bus.publish('jobs', 2); // queued
    await bus.publish('jobs', 3); // queued: the queue is full
    let fourthQueued = false;
    const fourth = bus.publish('jobs', 4).then(() => (fourthQueued = true));
    await settle();
    expect(fourthQueued).toBe(false);
    expect(stats()).toEqual({ queued: 2, inFlight: 1, waiting: 1, dropped: 0, rejected: 0 });

    gateOf(1).open(); // 2 starts, which makes room for 4
    await fourth;
    expect(stats()).toMatchObject({ queued: 2, inFlight: 1, waiting: 0 });
    openAll();
    await bus.backpressure.idle();
    expect(handled).toEqual([1, 2, 3, 4]);
  });

  it('loses nothing: every event is handled, in order, however fast the publisher', async () => {
    const { bus, handled, openAll, stats } = await jobsBus({ capacity: 3, policy: 'block' });
    openAll();
    await Promise.all(Array.from({ length: 50 }, (_, n) => bus.publish('jobs', n)));
    await bus.backpressure.idle();
    expect(handled).toEqual(Array.from({ length: 50 }, (_, n) => n));
    expect(stats()).toMatchObject({ dropped: 0, rejected: 0 });
  });

  it('does not trip the missing-await check when a waiting delivery is admitted', async () => {
    const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const bus = createBus({ devChecks: true }).use(backpressure({ defaults: { capacity: 1, policy: 'block' } }));
    buses.push(bus);
    bus.subscribe('jobs', async () => {
      await settle();
    });
    await bus.start();
    await Promise.all(Array.from({ length: 10 }, (_, n) => bus.publish('jobs', n)));
    await bus.backpressure.idle();
    expect(warnings).not.toHaveBeenCalled();
  });
});

describe('drop-oldest policy', () => {
  it('keeps the newest N events when full, and emits each dropped one', async () => {
    const { bus, stats, openAll, handled } = await jobsBus({ capacity: 3, policy: 'drop-oldest' });
    const drops = recordDrops(bus);
    for (let n = 1; n <= 10; n++) await bus.publish('jobs', n); // never waits
    expect(stats()).toEqual({ queued: 3, inFlight: 1, waiting: 0, dropped: 6, rejected: 0 });
    expect(drops).toEqual([2, 3, 4, 5, 6, 7].map((n) => [n, 'BACKPRESSURE_REJECTED', 'drop-oldest']));
    openAll();
    await bus.backpressure.idle();
    expect(handled).toEqual([1, 8, 9, 10]);
  });
});

describe('drop-newest policy', () => {
  it('keeps the first N events and drops the rest while full', async () => {
    const { bus, stats, openAll, handled } = await jobsBus({ capacity: 3, policy: 'drop-newest' });
    const drops = recordDrops(bus);
    for (let n = 1; n <= 10; n++) await bus.publish('jobs', n);
    expect(stats()).toMatchObject({ queued: 3, inFlight: 1, dropped: 6 });
    expect(drops.map(([data]) => data)).toEqual([5, 6, 7, 8, 9, 10]);
    expect(drops.every(([, code, policy]) => code === 'BACKPRESSURE_REJECTED' && policy === 'drop-newest')).toBe(true);
    openAll();
    await bus.backpressure.idle();
    expect(handled).toEqual([1, 2, 3, 4]);
  });
});

describe('reject policy', () => {
  it('fails the delivery with BACKPRESSURE_REJECTED, and on the in-memory transport also reports it dropped', async () => {
    const { bus, stats, openAll, handled } = await jobsBus({ capacity: 1, policy: 'reject' });
    const failures: [number, string][] = [];
    bus.events.on('failed', (error, event) => failures.push([event.data as number, error.code]));
    const drops = recordDrops(bus);
    for (let n = 1; n <= 4; n++) await bus.publish('jobs', n); // the kernel does not reject publish for a failed delivery
    expect(failures).toEqual([
      [3, 'BACKPRESSURE_REJECTED'],
      [4, 'BACKPRESSURE_REJECTED'],
    ]);
    expect(drops).toEqual([
      [3, 'BACKPRESSURE_REJECTED', 'reject'],
      [4, 'BACKPRESSURE_REJECTED', 'reject'],
    ]);
    expect(stats()).toMatchObject({ rejected: 2, dropped: 0 });
    openAll();
    await bus.backpressure.idle();
    expect(handled).toEqual([1, 2]);
  });

  it('nacks on a transport with redelivery, so the transport can deliver the event again', async () => {
    const transport = redeliveringTransport();
    const bus = createBus({ transport }).use(backpressure({ defaults: { capacity: 1, policy: 'reject' } }));
    buses.push(bus);
    bus.events.on('failed', () => undefined);
    const drops = recordDrops(bus);
    const release = gate();
    bus.subscribe('jobs', () => release.promise);
    await bus.start();
    for (let n = 1; n <= 3; n++) await bus.publish('jobs', n);
    await settle();
    const rejected = transport.outcomes[2] as Promise<unknown>;
    await expect(rejected).rejects.toMatchObject({ code: 'BACKPRESSURE_REJECTED', retryable: true });
    expect(drops).toEqual([]); // not lost: the transport redelivers it
    release.open();
  });
});

describe('ack modes', () => {
  it("acks a delivery once queued on the in-memory transport ('queued'), and reports handler failures itself", async () => {
    const bus = createBus().use(backpressure());
    buses.push(bus);
    const failures: BusError[] = [];
    bus.events.on('failed', (error) => failures.push(error));
    const release = gate();
    bus.subscribe('jobs', async () => {
      await release.promise;
      throw new Error('boom');
    });
    await bus.start();
    await bus.publish('jobs', 1); // resolves before the handler finished
    expect(failures).toEqual([]);
    release.open();
    await bus.backpressure.idle();
    expect(failures.map((error) => [error.code, error.message, error.cause instanceof Error])).toEqual([['HANDLER_FAILED', 'boom', true]]);
  });

  it('logs a failure nobody listens for, never losing it silently', async () => {
    const logger = recordingLogger();
    const bus = createBus({ logger }).use(backpressure());
    buses.push(bus);
    bus.subscribe('jobs', async () => {
      throw new Error('unheard');
    });
    await bus.start();
    await bus.publish('jobs', 1);
    await bus.backpressure.idle();
    expect(logger.error).toHaveBeenCalledWith(
      expect.objectContaining({ err: expect.any(BusError), code: 'HANDLER_FAILED' }),
      expect.stringContaining("subscription 'jobs' failed"),
    );
  });

  it('still logs a queued failure when a plugin only observes "failed" (kernel.observe), and not once the application listens', async () => {
    const logger = recordingLogger();
    const observed: string[] = [];
    const bus = createBus({ logger })
      .use(definePlugin({ name: 'counter', setup: (kernel) => kernel.observe('failed', (error) => void observed.push(error.code)) }))
      .use(backpressure());
    buses.push(bus);
    bus.subscribe('jobs', async () => {
      throw new Error('observed, not handled');
    });
    await bus.start();
    await bus.publish('jobs', 1);
    await bus.backpressure.idle();
    expect(observed).toEqual(['HANDLER_FAILED']);
    expect(logger.error).toHaveBeenCalledOnce();
    bus.events.on('failed', () => undefined);
    await bus.publish('jobs', 2);
    await bus.backpressure.idle();
    expect(observed).toEqual(['HANDLER_FAILED', 'HANDLER_FAILED']);
    expect(logger.error).toHaveBeenCalledOnce();
  });

  it('warns of an event dropped by a full queue when nobody listens to "dropped", even with an observer', async () => {
    const logger = recordingLogger();
    const observed: string[] = [];
    const bus = createBus({ logger })
      .use(definePlugin({ name: 'counter', setup: (kernel) => kernel.observe('dropped', ({ error }) => void observed.push(error.code)) }))
      .use(backpressure({ defaults: { capacity: 1, policy: 'drop-newest', concurrency: 1 } }));
    buses.push(bus);
    const release = gate();
    bus.subscribe('jobs', () => release.promise);
    await bus.start();
    await Promise.all([bus.publish('jobs', 1), bus.publish('jobs', 2), bus.publish('jobs', 3)]); // 1 runs, 2 waits, 3 is dropped
    expect(observed).toEqual(['BACKPRESSURE_REJECTED']);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'BACKPRESSURE_REJECTED' }),
      expect.stringContaining('dropped event'),
    );
    release.open();
    await bus.backpressure.idle();
  });

  it("acks once handled with ack: 'handled': publish waits for the handler and the kernel reports failures", async () => {
    const bus = createBus().use(backpressure({ defaults: { ack: 'handled', concurrency: 1 } }));
    buses.push(bus);
    const failures: string[] = [];
    bus.events.on('failed', (error, event) => failures.push(`${event.data}:${error.message}`));
    const handled: number[] = [];
    bus.subscribe<number>('jobs', async (event) => {
      await settle();
      if (event.data === 2) throw new Error('two');
      handled.push(event.data);
    });
    await bus.start();
    await Promise.all([bus.publish('jobs', 1), bus.publish('jobs', 2), bus.publish('jobs', 3)]);
    expect(handled).toEqual([1, 3]); // all handled when publish resolved
    expect(failures).toEqual(['2:two']);
  });

  it("is 'handled' by default on a transport with redelivery, so an ack still means the handler finished", async () => {
    const transport = redeliveringTransport();
    const bus = createBus({ transport }).use(backpressure());
    buses.push(bus);
    const release = gate();
    let finished = false;
    bus.subscribe('jobs', async () => {
      await release.promise;
      finished = true;
    });
    await bus.start();
    await bus.publish('jobs', 1);
    let acked = false;
    void (transport.outcomes[0] as Promise<unknown>).then(() => (acked = true));
    await settle();
    expect(acked).toBe(false);
    release.open();
    await transport.outcomes[0];
    expect(finished).toBe(true);
  });

  it('keeps synchronous handlers synchronous for emit() when the queue is empty', async () => {
    const bus = createBus().use(backpressure());
    buses.push(bus);
    const seen: unknown[] = [];
    bus.subscribe('tick', (event) => void seen.push(event.data));
    await bus.start();
    bus.emit('tick', 1);
    bus.emit('tick', 2);
    expect(seen).toEqual([1, 2]);
  });
});

describe('concurrency', () => {
  it('runs at most `concurrency` handlers at once', async () => {
    const { bus, stats, started, gateOf, openAll } = await jobsBus({ concurrency: 3 });
    for (let n = 1; n <= 6; n++) await bus.publish('jobs', n);
    expect(started).toEqual([1, 2, 3]);
    expect(stats()).toMatchObject({ inFlight: 3, queued: 3 });
    gateOf(2).open();
    await settle();
    expect(started).toEqual([1, 2, 3, 4]);
    openAll();
    await bus.backpressure.idle();
    expect(started).toHaveLength(6);
  });

  it('runs one event per partition key at a time, in order, while other keys go ahead', async () => {
    const bus = createBus().use(backpressure({ defaults: { concurrency: 4 } }));
    buses.push(bus);
    const gates = new Map<string, Gate>();
    const started: string[] = [];
    bus.subscribe<string>('jobs', async (event) => {
      started.push(event.data);
      const g = gate();
      gates.set(event.data, g);
      await g.promise;
    });
    await bus.start();
    for (const [data, key] of [
      ['a1', 'a'],
      ['a2', 'a'],
      ['b1', 'b'],
      ['a3', 'a'],
      ['c1', 'c'],
    ] as const) {
      await bus.publish('jobs', data, { key });
    }
    expect(started).toEqual(['a1', 'b1', 'c1']); // a2 waits for a1, though a slot is free
    gates.get('b1')?.open();
    await settle();
    expect(started).toEqual(['a1', 'b1', 'c1']);
    gates.get('a1')?.open();
    await settle();
    expect(started).toEqual(['a1', 'b1', 'c1', 'a2']);
    gates.get('a2')?.open();
    await settle();
    expect(started).toEqual(['a1', 'b1', 'c1', 'a2', 'a3']);
    for (const g of gates.values()) g.open();
    await bus.backpressure.idle();
  });

  it('starts the oldest startable event first: strict arrival order at concurrency 1, keys or not', async () => {
    const { bus, started, openAll } = await jobsBus({ concurrency: 1 });
    await bus.publish('jobs', 1, { key: 'a' });
    await bus.publish('jobs', 2, { key: 'a' });
    await bus.publish('jobs', 3);
    await bus.publish('jobs', 4, { key: 'b' });
    await bus.publish('jobs', 5, { key: 'a' });
    openAll();
    await bus.backpressure.idle();
    expect(started).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('rate limit', () => {
  afterEach(() => vi.useRealTimers());

  it('starts at most `limit` events per interval after the first burst', async () => {
    vi.useFakeTimers({ now: 0 });
    const bus = createBus().use(backpressure());
    const starts: [number, number][] = [];
    bus.subscribe<number>('jobs', (event) => void starts.push([event.data, Date.now()]), {
      backpressure: { concurrency: 10, rate: { limit: 2, intervalMs: 1000 } },
    });
    await bus.start();
    for (let n = 1; n <= 5; n++) await bus.publish('jobs', n);
    expect(starts).toEqual([
      [1, 0],
      [2, 0],
    ]);
    await vi.advanceTimersByTimeAsync(2000);
    expect(starts).toEqual([
      [1, 0],
      [2, 0],
      [3, 500],
      [4, 1000],
      [5, 1500],
    ]);
    await bus.stop();
  });

  it('refuses a rate that makes no sense', () => {
    const bus = createBus().use(backpressure());
    expect(() => bus.subscribe('jobs', () => undefined, { backpressure: { rate: { limit: 0 } } })).toThrowError(
      expect.objectContaining({ code: 'INVALID_SUBSCRIPTION', message: expect.stringContaining('rate.limit') }),
    );
  });
});

describe('stop', () => {
  it('handles every queued event before stop() resolves', async () => {
    const bus = createBus().use(backpressure({ defaults: { concurrency: 2 } }));
    const handled: number[] = [];
    bus.subscribe<number>('jobs', async (event) => {
      await new Promise((resolve) => setTimeout(resolve, 2));
      handled.push(event.data);
    });
    await bus.start();
    for (let n = 0; n < 20; n++) await bus.publish('jobs', n);
    expect(handled.length).toBeLessThan(20);
    await bus.stop();
    expect(handled).toHaveLength(20);
  });

  it('drops what is still queued after drainTimeoutMs, emitting each on dropped and BUS_STOP_TIMEOUT on error', async () => {
    const bus = createBus().use(backpressure({ drainTimeoutMs: 10 }));
    const drops = recordDrops(bus);
    const errors: string[] = [];
    bus.events.on('error', (error) => errors.push(error.code));
    const stuck = gate();
    bus.subscribe('jobs', () => stuck.promise);
    await bus.start();
    for (let n = 1; n <= 3; n++) await bus.publish('jobs', n);
    await bus.stop();
    expect(drops).toEqual([
      [2, 'BUS_STOP_TIMEOUT', undefined],
      [3, 'BUS_STOP_TIMEOUT', undefined],
    ]);
    expect(errors).toEqual(['BUS_STOP_TIMEOUT']);
    stuck.open();
  });
});

describe('unsubscribe', () => {
  it('still handles the events it queued, then removes the queue', async () => {
    const { bus, handle, handled, gateOf, openAll } = await jobsBus({});
    for (let n = 1; n <= 3; n++) await bus.publish('jobs', n);
    await handle.unsubscribe();
    await bus.publish('jobs', 4); // not delivered: unsubscribed
    expect(bus.backpressure.stats(handle.id)).toMatchObject({ queued: 2, inFlight: 1 });
    gateOf(1).open();
    openAll();
    await bus.backpressure.idle();
    await settle();
    expect(handled).toEqual([1, 2, 3]);
    expect(bus.backpressure.stats(handle.id)).toBeUndefined();
  });
});

describe('options', () => {
  it('lets a subscription opt out with backpressure: false', async () => {
    const bus = createBus().use(backpressure({ defaults: { capacity: 1, policy: 'drop-newest' } }));
    buses.push(bus);
    const seen: EventEnvelope[] = [];
    const handle = bus.subscribe('jobs', async (event) => void seen.push(event), { backpressure: false });
    await bus.start();
    await Promise.all(Array.from({ length: 5 }, (_, n) => bus.publish('jobs', n)));
    expect(seen).toHaveLength(5);
    expect(bus.backpressure.stats(handle.id)).toBeUndefined();
  });

  it('merges a subscription override over the plugin defaults', async () => {
    const { bus, stats, openAll } = await jobsBus({ concurrency: 2 });
    for (let n = 1; n <= 4; n++) await bus.publish('jobs', n);
    expect(stats()).toMatchObject({ inFlight: 2, queued: 2 });
    openAll();
  });

  it('refuses bad defaults with PLUGIN_INVALID and bad overrides with INVALID_SUBSCRIPTION', () => {
    expect(() => backpressure({ defaults: { capacity: 0 } })).toThrowError(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
    expect(() => backpressure({ defaults: { policy: 'drop-all' as never } })).toThrowError(
      expect.objectContaining({ code: 'PLUGIN_INVALID', message: expect.stringContaining('block, drop-oldest, drop-newest, reject') }),
    );
    expect(() => backpressure({ outbound: { maxInFlight: 0 } })).toThrowError(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
    expect(() => backpressure({ drainTimeoutMs: -1 })).toThrowError(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
    const bus = createBus().use(backpressure());
    expect(() => bus.subscribe('jobs', () => undefined, { backpressure: { concurrency: 1.5 } })).toThrowError(
      expect.objectContaining({ code: 'INVALID_SUBSCRIPTION' }),
    );
    expect(() => bus.subscribe('jobs', () => undefined, { backpressure: { ack: 'never' as never } })).toThrowError(
      expect.objectContaining({ code: 'INVALID_SUBSCRIPTION' }),
    );
  });
});

function recordingLogger() {
  return { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
}
