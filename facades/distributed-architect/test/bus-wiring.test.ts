// publish() goes through a real bus: subscribers and plugins on `.bus` see what legacy code publishes.
import { context } from '@bus/context';
import { type BusError, createBus, definePlugin, type EventEnvelope } from '@bus/core';
import { topics } from '@bus/topics';
import { afterEach, describe, expect, it } from 'vitest';
import { BufferError, EventBus, LEGACY_EVENT_TYPE } from '../src/index.js';

const buses: EventBus[] = [];
function newBus(): EventBus {
  const bus = new EventBus();
  buses.push(bus);
  return bus;
}
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.stop()));
});

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'returned';
  } catch (error) {
    return (error as BusError).code ?? `crash: ${String(error)}`;
  }
}

describe('publish through the bus', () => {
  it('delivers the first publish at once, in order: the in-process bus starts synchronously, as the legacy bus was live', async () => {
    const eventBus = newBus();
    const seen: unknown[] = [];
    eventBus.bus.subscribe(LEGACY_EVENT_TYPE, (event) => void seen.push(event.data));
    eventBus.publish(1);
    eventBus.publish({ order: 'o-1' });
    expect(eventBus.bus.status).toBe('started');
    expect(seen).toEqual([1, { order: 'o-1' }]);
    await eventBus.start();
    expect(seen).toEqual([1, { order: 'o-1' }]);
  });

  it('delivers synchronously to synchronous handlers once the bus runs', async () => {
    const eventBus = newBus();
    const seen: unknown[] = [];
    eventBus.bus.subscribe(LEGACY_EVENT_TYPE, (event) => void seen.push(event.data));
    await eventBus.start();
    eventBus.publish('now');
    expect(seen).toEqual(['now']);
  });

  it('routes with @bus/topics wildcards', async () => {
    const eventBus = newBus();
    const seen: string[] = [];
    eventBus.bus.subscribe('distributed_architect.#', (event) => void seen.push(event.type));
    eventBus.bus.subscribe('*.event', (event) => void seen.push(`* ${event.type}`));
    await eventBus.start();
    eventBus.publish('x');
    expect(seen).toEqual([LEGACY_EVENT_TYPE, `* ${LEGACY_EVENT_TYPE}`]);
  });

  it('does not deliver an event that the reject policy refused', async () => {
    const eventBus = newBus();
    const seen: unknown[] = [];
    eventBus.bus.subscribe(LEGACY_EVENT_TYPE, (event) => void seen.push(event.data));
    await eventBus.start();
    eventBus.controlBackpressure(1, 'reject');
    eventBus.publish('kept');
    expect(() => eventBus.publish('refused')).toThrow(BufferError);
    expect(seen).toEqual(['kept']);
  });

  it('delivers every event under drop_oldest, while the queue keeps the newest', async () => {
    const eventBus = newBus();
    const seen: unknown[] = [];
    eventBus.bus.subscribe(LEGACY_EVENT_TYPE, (event) => void seen.push(event.data));
    eventBus.controlBackpressure(2, 'drop_oldest');
    for (const event of ['a', 'b', 'c']) eventBus.publish(event);
    await eventBus.start();
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(eventBus.queue).toEqual(['b', 'c']);
  });

  it('runs plugins added to .bus before the first publish', async () => {
    const eventBus = newBus();
    const stamped: EventEnvelope[] = [];
    eventBus.bus.use(
      definePlugin({
        name: 'audit',
        setup(kernel) {
          kernel.usePublish('enrich', function audit(ctx, next) {
            stamped.push(ctx.envelope);
            return next();
          });
        },
      }),
    );
    eventBus.publish({ id: 1 });
    await eventBus.start();
    expect(stamped.map((event) => [event.type, event.data])).toEqual([[LEGACY_EVENT_TYPE, { id: 1 }]]);
  });

  it('carries propagated context into published events with the context() plugin', async () => {
    const eventBus = newBus();
    eventBus.bus.use(context({ propagate: ['traceid'] }));
    const seen: EventEnvelope[] = [];
    eventBus.bus.subscribe(LEGACY_EVENT_TYPE, (event) => void seen.push(event));
    await eventBus.start();
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        eventBus.propagateContext('traceid', 'xyz');
        eventBus.propagateContext('correlationId', 'req-7');
        eventBus.publish('traced');
        resolve();
      }),
    );
    await eventBus.bus.stop();
    expect(seen[0]).toMatchObject({ data: 'traced', traceid: 'xyz', correlationid: 'req-7' });
  });

  it('says how to fix a plugin added after the bus started (BUS_FROZEN)', async () => {
    const eventBus = newBus();
    await eventBus.start();
    expect(codeOf(() => eventBus.bus.use(context()))).toBe('BUS_FROZEN');
  });

  it('refuses to publish after stop() with BUS_STOPPED, and keeps nothing', async () => {
    const eventBus = newBus();
    await eventBus.start();
    await eventBus.stop();
    expect(codeOf(() => eventBus.publish('late'))).toBe('BUS_STOPPED');
    expect(eventBus.queue).toEqual([]);
  });

  it('refuses an event a guard refuses with a typed error, and delivers the rest', async () => {
    const eventBus = newBus();
    eventBus.bus.use(
      definePlugin({
        name: 'no-secrets',
        setup(kernel) {
          kernel.usePublish('guard', function noSecrets(ctx, next) {
            if (ctx.envelope.data === 'secret') throw new Error('no secrets');
            return next();
          });
        },
      }),
    );
    const seen: unknown[] = [];
    eventBus.bus.subscribe(LEGACY_EVENT_TYPE, (event) => void seen.push(event.data));
    expect(() => eventBus.publish('secret')).toThrow(expect.objectContaining({ code: 'PUBLISH_FAILED', message: 'no secrets' }));
    eventBus.publish('public');
    await eventBus.start();
    expect(seen).toEqual(['public']);
  });

  it('hands over its authorizations as an Acl that a new bus can enforce', async () => {
    const eventBus = newBus();
    eventBus.authorizeActor('orders.#', 'shop');
    const next = createBus().use(topics({ acl: eventBus.acl }));
    await next.start();
    await expect(next.publish('orders.created', {}, { principal: 'shop' })).resolves.toMatchObject({ type: 'orders.created' });
    await expect(next.publish('orders.created', {}, { principal: 'mallory' })).rejects.toMatchObject({ code: 'ACL_DENIED' });
    await next.stop();
  });
});
