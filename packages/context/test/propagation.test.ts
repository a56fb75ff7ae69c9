import { type Bus, createBus, definePlugin, type EventEnvelope } from '@bus/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type BusContext, context, currentContext, withContext } from '../src/index.js';

const buses: Bus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.stop()));
});

async function started<B extends Bus>(bus: B): Promise<B> {
  buses.push(bus);
  await bus.start();
  return bus;
}

/** Records every event published on the bus. */
function recordPublished(bus: Bus): EventEnvelope[] {
  const published: EventEnvelope[] = [];
  bus.events.on('published', (event) => published.push(event));
  return published;
}

describe('a handler runs inside a context made from its event', () => {
  it('with the event, its correlation id (its own id when it starts a flow), its id as causation, and its tenant', async () => {
    const bus = createBus().use(context());
    const seen: (BusContext | undefined)[] = [];
    bus.subscribe('orders.created', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      seen.push(currentContext());
    });
    await started(bus);
    const first = await bus.publish('orders.created', {}, { tenantId: 'acme' });
    const second = await bus.publish('orders.created', {}, { correlationId: 'flow-1' });
    expect(seen[0]).toMatchObject({ correlationId: first.id, causationId: first.id, tenantId: 'acme' });
    expect(seen[0]?.event?.id).toBe(first.id);
    expect(seen[1]).toMatchObject({ correlationId: 'flow-1', causationId: second.id });
    expect(seen[1]?.tenantId).toBeUndefined();
  });

  it("with the subscription's principal: a handler publishes as its subscriber", async () => {
    const principals: (string | undefined)[] = [];
    const bus = createBus()
      .use(context())
      .use(
        definePlugin({
          name: 'acl-probe',
          setup: (kernel) =>
            kernel.usePublish('guard', function recordPrincipal(ctx, next) {
              if (ctx.envelope.type === 'invoices.opened') principals.push(ctx.principal);
              return next();
            }),
        }),
      );
    bus.subscribe('orders.created', () => bus.publish('invoices.opened', {}).then(() => undefined), { principal: 'billing-service' });
    await started(bus);
    await bus.publish('orders.created', {});
    expect(principals).toEqual(['billing-service']);
  });

  it('built from the event alone, not from the context of whoever published it in-process', async () => {
    const bus = createBus().use(context());
    let seen: BusContext | undefined;
    bus.subscribe('orders.created', () => {
      seen = currentContext();
    });
    await started(bus);
    await withContext({ userId: 'u-1', secret: 'not sent' }, () => bus.publish('orders.created', {}));
    expect(seen?.userId).toBeUndefined();
    expect(seen?.secret).toBeUndefined();
  });

  it('and nothing is ambient outside handlers', async () => {
    const bus = createBus().use(context());
    bus.subscribe('a', () => undefined);
    await started(bus);
    await bus.publish('a', 1);
    expect(currentContext()).toBeUndefined();
  });
});

describe('events published inside a context', () => {
  it('get the parent correlation id and the parent id as causation id', async () => {
    const bus = createBus().use(context());
    const published = recordPublished(bus);
    bus.subscribe('orders.created', async (event) => {
      await bus.publish('invoices.opened', { order: event.id });
    });
    await started(bus);
    const parent = await bus.publish('orders.created', {}, { correlationId: 'flow-9' });
    const child = published.find((event) => event.type === 'invoices.opened');
    expect(child).toMatchObject({ correlationid: 'flow-9', causationid: parent.id });
  });

  it('chain over three levels: C.correlationid is A.id and C.causationid is B.id', async () => {
    const bus = createBus().use(context());
    const published = recordPublished(bus);
    bus.subscribe('a', async () => {
      await bus.publish('b', {});
    });
    bus.subscribe('b', async () => {
      await new Promise((resolve) => setImmediate(resolve));
      await bus.publish('c', {});
    });
    const cs: EventEnvelope[] = [];
    bus.subscribe('c', (event) => void cs.push(event));
    await started(bus);
    const a = await bus.publish('a', {});
    const b = published.find((event) => event.type === 'b') as EventEnvelope;
    expect(a.id).not.toBe(b.id);
    expect(b).toMatchObject({ correlationid: a.id, causationid: a.id });
    expect(cs[0]).toMatchObject({ correlationid: a.id, causationid: b.id });
  });

  it('keep correlation, causation and tenant the publish sets explicitly', async () => {
    const bus = createBus().use(context());
    const published = recordPublished(bus);
    bus.subscribe('a', async () => {
      await bus.publish('b', {}, { correlationId: 'mine', causationId: 'also-mine', tenantId: 'other' });
    });
    await started(bus);
    await bus.publish('a', {}, { tenantId: 'acme' });
    expect(published.find((event) => event.type === 'b')).toMatchObject({
      correlationid: 'mine',
      causationid: 'also-mine',
      tenantid: 'other',
    });
  });

  it('inherit the tenant of the event being handled', async () => {
    const bus = createBus().use(context());
    const published = recordPublished(bus);
    bus.subscribe('a', () => bus.publish('b', {}).then(() => undefined));
    await started(bus);
    await bus.publish('a', {}, { tenantId: 'acme' });
    expect(published.find((event) => event.type === 'b')?.tenantid).toBe('acme');
  });

  it('get nothing outside any context', async () => {
    const bus = await started(createBus().use(context()));
    const published = recordPublished(bus);
    await bus.publish('a', {});
    expect(published[0]?.correlationid).toBeUndefined();
    expect(published[0]?.causationid).toBeUndefined();
  });

  it('also flow through emit(), which stays synchronous', async () => {
    const bus = createBus().use(context());
    const seen: EventEnvelope[] = [];
    bus.subscribe('a', () => bus.emit('b', {}));
    bus.subscribe('b', (event) => void seen.push(event));
    await started(bus);
    bus.emit('a', {});
    expect(seen).toHaveLength(1);
    expect(seen[0]?.correlationid).toEqual(expect.any(String));
    expect(seen[0]?.causationid).toBe(seen[0]?.correlationid);
  });
});

describe('custom fields (propagate)', () => {
  it('are sent as lowercase extension attributes and restored into the context of handlers', async () => {
    const bus = createBus().use(context({ propagate: ['userId', 'region'] }));
    const handled: (BusContext | undefined)[] = [];
    const events: EventEnvelope[] = [];
    bus.subscribe('orders.created', async (event) => {
      events.push(event);
      handled.push(currentContext());
      await bus.publish('invoices.opened', {});
    });
    bus.subscribe('invoices.opened', (event) => {
      events.push(event);
      handled.push(currentContext());
    });
    await started(bus);
    await withContext({ userId: 'u-7', region: 'eu', unlisted: 'stays here' }, () => bus.publish('orders.created', {}));
    expect(events.map((event) => [event.type, event.userid, event.region, event.unlisted])).toEqual([
      ['orders.created', 'u-7', 'eu', undefined],
      ['invoices.opened', 'u-7', 'eu', undefined],
    ]);
    expect(handled.map((store) => [store?.userId, store?.region])).toEqual([
      ['u-7', 'eu'],
      ['u-7', 'eu'],
    ]);
  });

  it('do not overwrite an attribute the publish sets', async () => {
    const bus = createBus().use(context({ propagate: ['region'] }));
    const published = recordPublished(bus);
    await started(bus);
    await withContext({ region: 'eu' }, () => bus.publish('a', {}, { extensions: { region: 'us' } }));
    expect(published[0]?.region).toBe('us');
  });

  it('must be strings, numbers or booleans: anything else fails the publish with INVALID_EVENT', async () => {
    const bus = await started(createBus().use(context({ propagate: ['region', 'shard', 'beta'] })));
    const published = recordPublished(bus);
    await withContext({ shard: 3, beta: false }, () => bus.publish('a', {}));
    expect(published[0]).toMatchObject({ shard: 3, beta: false });
    await expect(withContext({ region: { name: 'eu' } }, () => bus.publish('a', {}))).rejects.toMatchObject({
      code: 'INVALID_EVENT',
      message: expect.stringContaining("'region' is an object"),
    });
  });

  it('are checked when the plugin is made: names of the bus attributes, principal and non-extension names are refused', () => {
    for (const field of ['correlationId', 'tenantId', 'type', 'principal', 'event', 'user-id', '']) {
      expect(() => context({ propagate: [field] }), field).toThrowError(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
    }
    expect(() => context({ propagate: 'region' as never })).toThrowError(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
  });
});

describe('the publisher principal', () => {
  it('comes from the context when the publish names none, and never travels with the event', async () => {
    const principals: (string | undefined)[] = [];
    const bus = createBus()
      .use(context())
      .use(
        definePlugin({
          name: 'acl-probe',
          setup: (kernel) =>
            kernel.usePublish('guard', function recordPrincipal(ctx, next) {
              principals.push(ctx.principal);
              return next();
            }),
        }),
      );
    const published = recordPublished(bus);
    await started(bus);
    await withContext({ principal: 'user:alice' }, async () => {
      await bus.publish('a', {});
      await bus.publish('a', {}, { principal: 'admin' });
    });
    await bus.publish('a', {});
    expect(principals).toEqual(['user:alice', 'admin', undefined]);
    expect(published.some((event) => 'principal' in event)).toBe(false);
  });
});
