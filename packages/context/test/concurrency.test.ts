import { type Bus, createBus, type EventEnvelope } from '@bus/core';
import { afterEach, describe, expect, it } from 'vitest';
import { context, currentContext, withContext } from '../src/index.js';

const buses: Bus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.stop()));
});

/** Waits a random while, by a timer or setImmediate, so concurrent handlers interleave. */
function randomPause(): Promise<void> {
  const roll = Math.random();
  if (roll < 0.3) return new Promise((resolve) => setImmediate(resolve));
  if (roll < 0.4) return Promise.resolve();
  return new Promise((resolve) => setTimeout(resolve, Math.floor(roll * 8)));
}

describe('concurrent handlers', () => {
  it('each give their own children their own ids, however they interleave', async () => {
    const bus = createBus().use(context({ propagate: ['region'] }));
    buses.push(bus);
    const children: EventEnvelope<{ parent: string; step: number }>[] = [];
    bus.subscribe<{ region: string }>('orders.created', async (event) => {
      for (let step = 0; step < 3; step++) {
        await randomPause();
        expect(currentContext()?.event?.id).toBe(event.id);
        await bus.publish('orders.step', { parent: event.id, step });
      }
    });
    bus.subscribe<{ parent: string; step: number }>('orders.step', (event) => void children.push(event));
    await bus.start();

    const parents = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        withContext({ correlationId: `flow-${i}`, tenantId: `tenant-${i % 7}`, region: `r-${i}` }, async () => {
          await randomPause();
          return bus.publish('orders.created', { region: `r-${i}` });
        }),
      ),
    );

    expect(children).toHaveLength(300);
    const byId = new Map(parents.map((receipt, i) => [receipt.id, i]));
    for (const child of children) {
      const i = byId.get(child.data.parent) as number;
      expect(child.causationid).toBe(child.data.parent);
      expect(child.correlationid).toBe(`flow-${i}`);
      expect(child.tenantid).toBe(`tenant-${i % 7}`);
      expect(child.region).toBe(`r-${i}`);
    }
  });

  it('keep chains apart when many flows run three levels deep at once', async () => {
    const bus = createBus().use(context());
    buses.push(bus);
    const published: EventEnvelope[] = [];
    bus.events.on('published', (event) => published.push(event));
    bus.subscribe('a', async () => {
      await randomPause();
      await bus.publish('b', {});
    });
    bus.subscribe('b', async () => {
      await randomPause();
      await bus.publish('c', {});
      await randomPause();
      await bus.publish('c', {});
    });
    await bus.start();
    const roots = await Promise.all(Array.from({ length: 50 }, () => randomPause().then(() => bus.publish('a', {}))));

    const byId = new Map(published.map((event) => [event.id, event]));
    const cs = published.filter((event) => event.type === 'c');
    expect(cs).toHaveLength(100);
    for (const c of cs) {
      const b = byId.get(c.causationid as string) as EventEnvelope;
      expect(b.type).toBe('b');
      expect(c.correlationid).toBe(b.causationid);
      expect(roots.map((root) => root.id)).toContain(c.correlationid);
    }
    expect(new Set(cs.map((c) => c.correlationid)).size).toBe(50);
  });

  it('leave no context behind once they finish', async () => {
    const bus = createBus().use(context());
    buses.push(bus);
    bus.subscribe('a', async () => {
      await randomPause();
    });
    await bus.start();
    await Promise.all(Array.from({ length: 20 }, () => bus.publish('a', {})));
    expect(currentContext()).toBeUndefined();
  });
});
