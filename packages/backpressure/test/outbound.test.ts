import { type Bus, createBus, type DroppedEvent } from '@bus/core';
import { afterEach, describe, expect, it } from 'vitest';
import { backpressure, type OutboundLimit } from '../src/index.js';
import { gate, settle } from './helpers.js';

const buses: Bus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.stop({ timeoutMs: 100 })));
});

/**
 * A bus whose `jobs` handler waits for `release`, with `ack: 'handled'` so a
 * publish stays in flight until its handler finished.
 */
async function limitedBus(outbound: OutboundLimit) {
  const bus = createBus().use(backpressure({ outbound, defaults: { ack: 'handled', concurrency: Number.POSITIVE_INFINITY } }));
  buses.push(bus);
  const release = gate();
  const handled: unknown[] = [];
  bus.subscribe('jobs', async (event) => {
    await release.promise;
    handled.push(event.data);
  });
  const drops: DroppedEvent[] = [];
  bus.events.on('dropped', (drop) => void drops.push(drop));
  await bus.start();
  return { bus, release, handled, drops };
}

describe('outbound limit', () => {
  it('rejects a publish beyond maxInFlight with BACKPRESSURE_REJECTED (policy reject): the publisher hears no', async () => {
    const { bus, release, handled } = await limitedBus({ maxInFlight: 2, policy: 'reject' });
    const first = bus.publish('jobs', 1);
    const second = bus.publish('jobs', 2);
    await expect(bus.publish('jobs', 3)).rejects.toMatchObject({ code: 'BACKPRESSURE_REJECTED', retryable: true });
    expect(() => bus.emit('jobs', 4)).toThrowError(expect.objectContaining({ code: 'BACKPRESSURE_REJECTED' }));
    expect(bus.backpressure.outbound()).toEqual({ inFlight: 2, queued: 0, waiting: 0, dropped: 0, rejected: 2 });
    release.open();
    await Promise.all([first, second]);
    expect(handled).toEqual([1, 2]);
    expect(bus.backpressure.outbound()).toMatchObject({ inFlight: 0 });
  });

  it('makes a publish beyond maxInFlight wait for a slot (policy block), first come first served', async () => {
    const { bus, release, handled } = await limitedBus({ maxInFlight: 1, policy: 'block' });
    const publishes = [1, 2, 3].map((n) => bus.publish('jobs', n));
    await settle();
    expect(bus.backpressure.outbound()).toMatchObject({ inFlight: 1, waiting: 2 });
    release.open();
    await Promise.all(publishes);
    expect(handled).toEqual([1, 2, 3]);
  });

  it('resolves a publish beyond the line without sending it, and emits it on dropped (policy drop-newest)', async () => {
    const { bus, release, handled, drops } = await limitedBus({ maxInFlight: 1, policy: 'drop-newest' });
    const first = bus.publish('jobs', 1);
    const receipt = await bus.publish('jobs', 2);
    expect(drops.map(({ event, error, subscription }) => [event.id, error.code, subscription])).toEqual([
      [receipt.id, 'BACKPRESSURE_REJECTED', undefined],
    ]);
    release.open();
    await first;
    expect(handled).toEqual([1]);
    expect(bus.backpressure.outbound()).toMatchObject({ dropped: 1 });
  });

  it('drops the longest-waiting publish to make room (policy drop-oldest)', async () => {
    const { bus, release, handled, drops } = await limitedBus({ maxInFlight: 1, capacity: 1, policy: 'drop-oldest' });
    const publishes = [1, 2, 3].map((n) => bus.publish('jobs', n)); // 1 in flight, 2 waits, 3 pushes 2 out
    await settle();
    expect(drops.map(({ event }) => event.data)).toEqual([2]);
    release.open();
    await Promise.all(publishes);
    expect(handled).toEqual([1, 3]);
  });

  it('hands a freed slot to the first in line, so a publish arriving meanwhile cannot overtake it', async () => {
    const { bus, release, handled } = await limitedBus({ maxInFlight: 1, policy: 'block' });
    const first = bus.publish('jobs', 1);
    const second = bus.publish('jobs', 2);
    release.open();
    await first;
    const third = bus.publish('jobs', 3);
    await Promise.all([second, third]);
    expect(handled).toEqual([1, 2, 3]);
  });
});
