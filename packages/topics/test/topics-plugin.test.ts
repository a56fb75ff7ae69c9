import { type Bus, BusError, createBus, type DroppedEvent, definePlugin, exactRouter } from '@bus/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type AclRule, createAcl, matchTopic, topics } from '../src/index.js';

const buses: Bus[] = [];
function track<B extends Bus>(bus: B): B {
  buses.push(bus);
  return bus;
}
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.stop()));
  vi.restoreAllMocks();
});

describe('topics() routing', () => {
  it('delivers by * and # through a real bus and the memory transport', async () => {
    const bus = track(createBus().use(topics()));
    const seen: Record<string, string[]> = { created: [], audit: [], everything: [], exact: [] };
    bus.subscribe('orders.*.created', (event) => void seen.created?.push(event.type));
    bus.subscribe('audit.#', (event) => void seen.audit?.push(event.type));
    bus.subscribe('#', (event) => void seen.everything?.push(event.type));
    await bus.start();
    bus.subscribe('orders.eu.created', (event) => void seen.exact?.push(event.type));
    for (const type of ['orders.eu.created', 'orders.created', 'orders.eu.shipped', 'audit', 'audit.login.failed']) {
      await bus.publish(type, {});
    }
    bus.emit('orders.us.created', {});
    expect(seen).toEqual({
      created: ['orders.eu.created', 'orders.us.created'],
      audit: ['audit', 'audit.login.failed'],
      everything: ['orders.eu.created', 'orders.created', 'orders.eu.shipped', 'audit', 'audit.login.failed', 'orders.us.created'],
      exact: ['orders.eu.created'],
    });
  });

  it('delivers to matching subscriptions in subscription order, and stops after unsubscribe()', async () => {
    const bus = track(createBus().use(topics()));
    const order: string[] = [];
    bus.subscribe('#', () => void order.push('#'));
    const exact = bus.subscribe('a.b', () => void order.push('a.b'));
    bus.subscribe('a.*', () => void order.push('a.*'));
    await bus.start();
    await bus.publish('a.b', 1);
    await exact.unsubscribe();
    await bus.publish('a.b', 2);
    expect(order).toEqual(['#', 'a.b', 'a.*', '#', 'a.*']);
  });

  it('keeps emit() synchronous, with and without ACL guards', async () => {
    const plain = track(createBus().use(topics()));
    const guarded = track(createBus().use(topics({ acl: [{ principal: '*', pattern: 'x.#', action: 'publish', effect: 'deny' }] })));
    for (const bus of [plain, guarded]) {
      const seen: unknown[] = [];
      bus.subscribe('tick.*', (event) => void seen.push(event.data));
      await bus.start();
      bus.emit('tick.a', 1);
      expect(seen).toEqual([1]);
    }
  });

  it('adds no guard when no rule could deny, and handlers see one envelope shape either way', async () => {
    const open = track(createBus().use(topics({ acl: [{ principal: '*', pattern: '#', action: 'publish', effect: 'allow' }] })));
    const guarded = track(createBus().use(topics({ acl: [{ principal: '*', pattern: 'x', action: 'publish', effect: 'deny' }] })));
    const shapes: string[][] = [];
    for (const bus of [open, guarded]) {
      bus.subscribe('#', (event) => void shapes.push(Object.keys({ ...event }).sort()));
      await bus.start();
      bus.emit('tick.a', 1);
    }
    expect(shapes[0]).toEqual(['data', 'id', 'source', 'specversion', 'time', 'type']);
    expect(shapes[1]).toEqual(shapes[0]);
    expect(() => open.emit('x', 1)).not.toThrow();
    expect(() => guarded.emit('x', 1)).toThrow(expect.objectContaining({ code: 'ACL_DENIED' }));
  });

  it('refuses an invalid pattern at subscribe() with INVALID_SUBSCRIPTION, before and after start()', async () => {
    const bus = track(createBus().use(topics()));
    expect(() => bus.subscribe('orders..created', () => undefined)).toThrowError(expect.objectContaining({ code: 'INVALID_SUBSCRIPTION' }));
    await bus.start();
    expect(() => bus.subscribe('orders.cre*', () => undefined)).toThrowError(expect.objectContaining({ code: 'INVALID_SUBSCRIPTION' }));
  });

  it('is the one router of the bus: another router plugin is a PLUGIN_CONFLICT', () => {
    const other = definePlugin({ name: 'exact', setup: (kernel) => kernel.setRouter(exactRouter) });
    expect(() => createBus().use(topics()).use(other)).toThrowError(expect.objectContaining({ code: 'PLUGIN_CONFLICT' }));
  });

  it('refuses bad options at topics() with PLUGIN_INVALID', () => {
    expect(() => topics({ cacheSize: -1 })).toThrowError(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
    expect(() => topics({ acl: createAcl([]), defaultEffect: 'deny' })).toThrowError(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
    expect(() => topics({ acl: 'open' as never })).toThrowError(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
    expect(() => topics({ acl: [{ principal: 'a', pattern: 'a..b', action: 'publish', effect: 'deny' }] })).toThrowError(
      expect.objectContaining({ code: 'PLUGIN_INVALID' }),
    );
  });
});

describe('topics() publish ACL', () => {
  const rules: AclRule[] = [
    { principal: 'shop', pattern: 'orders.#', action: 'publish', effect: 'allow' },
    { principal: '*', pattern: 'payments.#', action: 'publish', effect: 'deny' },
  ];

  it('rejects a denied publish with ACL_DENIED and its event id, and delivers nothing', async () => {
    const bus = track(createBus().use(topics({ acl: rules })));
    const handler = vi.fn();
    bus.subscribe('#', handler);
    await bus.start();
    const error = await bus.publish('payments.captured', {}, { principal: 'shop', id: 'evt-1' }).catch((thrown: unknown) => thrown);
    expect(BusError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: 'ACL_DENIED', eventId: 'evt-1', retryable: false });
    await expect(bus.publish('payments.captured', {})).rejects.toMatchObject({ code: 'ACL_DENIED', eventId: expect.any(String) });
    expect(() => bus.emit('payments.captured', {})).toThrowError(expect.objectContaining({ code: 'ACL_DENIED' }));
    expect(handler).not.toHaveBeenCalled();
    await bus.publish('orders.created', {}, { principal: 'shop' });
    expect(handler).toHaveBeenCalledOnce();
  });

  it('with defaultEffect deny, lets through only what a rule allows', async () => {
    const anyoneMayListen: AclRule = { principal: '*', pattern: '#', action: 'subscribe', effect: 'allow' };
    const bus = track(createBus().use(topics({ acl: [...rules, anyoneMayListen], defaultEffect: 'deny' })));
    const handler = vi.fn();
    bus.subscribe('orders.#', handler);
    await bus.start();
    await bus.publish('orders.created', {}, { principal: 'shop' });
    await expect(bus.publish('orders.created', {}, { principal: 'crm' })).rejects.toMatchObject({ code: 'ACL_DENIED' });
    await expect(bus.publish('orders.created', {})).rejects.toMatchObject({ code: 'ACL_DENIED' });
    expect(handler).toHaveBeenCalledOnce();
  });

  it('reads the principal an enrich middleware sets (as @bus/context does)', async () => {
    const ambient = definePlugin({
      name: 'ambient-principal',
      setup(kernel) {
        kernel.usePublish('enrich', function ambientPrincipal(ctx, next) {
          ctx.principal ??= 'shop';
          return next();
        });
      },
    });
    const bus = track(
      createBus()
        .use(topics({ acl: rules, defaultEffect: 'deny' }))
        .use(ambient),
    );
    await bus.start();
    await expect(bus.publish('orders.created', {})).resolves.toMatchObject({ type: 'orders.created' });
    await expect(bus.publish('invoices.sent', {})).rejects.toMatchObject({ code: 'ACL_DENIED' });
  });

  it('exposes the ACL as bus.acl', () => {
    const bus = createBus().use(topics({ acl: rules }));
    expect(bus.acl.isAllowed('shop', 'publish', 'orders.created')).toBe(true);
    expect(bus.acl.isAllowed('shop', 'publish', 'payments.refunded')).toBe(false);
    expect(bus.acl.rules).toHaveLength(2);
  });

  it('takes a ready-made Acl too', async () => {
    const acl = createAcl(rules, { defaultEffect: 'deny' });
    const bus = track(createBus().use(topics({ acl })));
    expect(bus.acl).toBe(acl);
    await bus.start();
    await expect(bus.publish('misc.thing', {}, { principal: 'shop' })).rejects.toMatchObject({ code: 'ACL_DENIED' });
  });
});

describe('topics() subscribe ACL', () => {
  const rules: AclRule[] = [
    { principal: 'audit', pattern: 'orders.#', action: 'subscribe', effect: 'allow' },
    { principal: '*', pattern: 'orders.*.card', action: 'subscribe', effect: 'deny' },
    { principal: '*', pattern: 'secrets.#', action: 'subscribe', effect: 'deny' },
  ];

  it('makes subscribe() throw ACL_DENIED when the principal may receive nothing it matches, before and after start()', async () => {
    const bus = track(createBus().use(topics({ acl: rules })));
    expect(() => bus.subscribe('secrets.*', () => undefined, { principal: 'audit' })).toThrowError(
      expect.objectContaining({ code: 'ACL_DENIED', message: expect.stringContaining("'audit'") }),
    );
    await bus.start();
    expect(() => bus.subscribe('orders.eu.card', () => undefined)).toThrowError(expect.objectContaining({ code: 'ACL_DENIED' }));
    const strict = track(createBus().use(topics({ acl: rules, defaultEffect: 'deny' })));
    expect(() => strict.subscribe('users.#', () => undefined, { principal: 'audit' })).toThrowError(
      expect.objectContaining({ code: 'ACL_DENIED' }),
    );
    expect(() => strict.subscribe('orders.eu.created', () => undefined, { principal: 'audit' })).not.toThrow();
  });

  it('checks each event of a partly allowed wildcard subscription: denied ones are dropped, not failed', async () => {
    const bus = track(createBus().use(topics({ acl: rules })));
    const received: string[] = [];
    const dropped: DroppedEvent[] = [];
    const failed = vi.fn();
    bus.events.on('dropped', (event) => void dropped.push(event));
    bus.events.on('failed', failed);
    const handle = bus.subscribe('orders.#', (event) => void received.push(event.type), { principal: 'audit', name: 'audit-trail' });
    await bus.start();
    await bus.publish('orders.eu.created', {});
    const denied = await bus.publish('orders.eu.card', {});
    await bus.publish('orders', {});
    expect(received).toEqual(['orders.eu.created', 'orders']);
    expect(failed).not.toHaveBeenCalled();
    expect(dropped).toHaveLength(1);
    expect(dropped[0]?.event.id).toBe(denied.id);
    expect(dropped[0]?.subscription?.id).toBe(handle.id);
    expect(dropped[0]?.error).toMatchObject({ code: 'ACL_DENIED', eventId: denied.id, message: expect.stringContaining('audit-trail') });
  });

  it('warns on the bus logger when nobody handles "dropped" (an observer does not count), never dropping silently', async () => {
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const observed: string[] = [];
    const counter = definePlugin({
      name: 'counter',
      setup: (kernel) => kernel.observe('dropped', ({ error }) => void observed.push(error.code)),
    });
    const bus = track(
      createBus({ logger })
        .use(counter)
        .use(topics({ acl: rules })),
    );
    bus.subscribe('orders.#', () => undefined, { principal: 'audit' });
    await bus.start();
    const denied = await bus.publish('orders.eu.card', {});
    expect(observed).toEqual(['ACL_DENIED']);
    expect(logger.warn).toHaveBeenCalledOnce();
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'ACL_DENIED', eventId: denied.id }),
      expect.stringContaining("'orders.eu.card'"),
    );
    bus.events.on('dropped', () => undefined);
    await bus.publish('orders.us.card', {});
    expect(logger.warn).toHaveBeenCalledOnce();
  });

  it('does not check events one by one for subscriptions the rules allow entirely', async () => {
    const acl = createAcl(rules);
    const isAllowed = vi.fn(acl.isAllowed);
    const bus = track(createBus().use(topics({ acl: { ...acl, isAllowed } })));
    const received = vi.fn();
    bus.subscribe('orders.*.created', received, { principal: 'audit' });
    await bus.start();
    isAllowed.mockClear();
    await bus.publish('orders.eu.created', {});
    expect(received).toHaveBeenCalledOnce();
    expect(isAllowed).not.toHaveBeenCalled();
  });
});

describe('topics() end to end (property)', () => {
  const pattern = fc.array(fc.constantFrom('a', 'b', '*', '#'), { minLength: 1, maxLength: 3 }).map((words) => words.join('.'));
  const type = fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 3 }).map((words) => words.join('.'));
  const rule: fc.Arbitrary<AclRule> = fc.record({
    principal: fc.constantFrom('alice', 'bob', '*'),
    pattern,
    action: fc.constantFrom('publish' as const, 'subscribe' as const),
    effect: fc.constantFrom('allow' as const, 'deny' as const),
  });

  it('delivers to a subscription exactly the published types its pattern matches and its principal may receive', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(rule, { maxLength: 5 }),
        fc.constantFrom('allow' as const, 'deny' as const),
        pattern,
        fc.constantFrom('alice', undefined),
        fc.array(type, { minLength: 1, maxLength: 6 }),
        async (rules, defaultEffect, subscribed, subscriber, types) => {
          const bus = createBus().use(topics({ acl: rules, defaultEffect }));
          bus.events.on('dropped', () => undefined);
          const acl = bus.acl;
          const received: string[] = [];
          let accepted = true;
          try {
            bus.subscribe(subscribed, (event) => void received.push(event.type), subscriber === undefined ? {} : { principal: subscriber });
          } catch (error) {
            expect(error).toMatchObject({ code: 'ACL_DENIED' });
            accepted = false;
          }
          await bus.start();
          const published: string[] = [];
          for (const t of types) {
            try {
              await bus.publish(t, null, { principal: 'bob' });
              published.push(t);
            } catch (error) {
              expect(error).toMatchObject({ code: 'ACL_DENIED' });
              expect(acl.isAllowed('bob', 'publish', t)).toBe(false);
            }
          }
          await bus.stop();
          const expected = accepted ? published.filter((t) => matchTopic(subscribed, t) && acl.isAllowed(subscriber, 'subscribe', t)) : [];
          expect(received).toEqual(expected);
          if (!accepted) {
            for (const t of types.filter((candidate) => matchTopic(subscribed, candidate))) {
              expect(acl.isAllowed(subscriber, 'subscribe', t)).toBe(false);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
