import { describe, expect, it, vi } from 'vitest';
import {
  BusError,
  createBus,
  type DeliverMiddleware,
  definePlugin,
  type EventEnvelope,
  exactRouter,
  memoryTransport,
  type PublishMiddleware,
  type Router,
  STAGE_ORDER,
} from '../src/index.js';

describe('plugins', () => {
  it('add typed extensions to the bus', () => {
    const bus = createBus().use(definePlugin({ name: 'answer', setup: () => ({ answer: 42 }) }));
    expect(bus.answer).toBe(42);
    expect(bus.plugins).toEqual(['answer']);
  });

  it('must be used before start(): use() after start throws BUS_FROZEN with the fix in the message', async () => {
    const bus = createBus();
    await bus.start();
    expect(() => bus.use(definePlugin({ name: 'late', setup: () => undefined }))).toThrowError(
      expect.objectContaining({ code: 'BUS_FROZEN', message: expect.stringContaining('before bus.start()') }),
    );
    await bus.stop();
  });

  it('checks requires at use(): a missing dependency is PLUGIN_MISSING_DEPENDENCY naming both', () => {
    const needsKafka = definePlugin({ name: 'outbox', requires: ['kafka'], setup: () => undefined });
    expect(() => createBus().use(needsKafka)).toThrowError(
      expect.objectContaining({ code: 'PLUGIN_MISSING_DEPENDENCY', message: expect.stringMatching(/outbox.*kafka/) }),
    );
    const kafka = definePlugin({ name: 'kafka', setup: () => undefined });
    expect(() => createBus().use(kafka).use(needsKafka)).not.toThrow();
  });

  it('rejects a duplicate name, an extension collision, a second transport or router, and non-plugins', () => {
    const a = definePlugin({ name: 'a', setup: () => undefined });
    expect(() => createBus().use(a).use(a)).toThrowError(expect.objectContaining({ code: 'PLUGIN_DUPLICATE' }));
    expect(() => createBus().use(definePlugin({ name: 'x', setup: () => ({ publish: 1 }) }))).toThrowError(
      expect.objectContaining({ code: 'PLUGIN_CONFLICT' }),
    );
    const transport = (name: string) => definePlugin({ name, setup: (kernel) => kernel.setTransport(memoryTransport()) });
    expect(() => createBus().use(transport('t1')).use(transport('t2'))).toThrowError(expect.objectContaining({ code: 'PLUGIN_CONFLICT' }));
    const router = (name: string) => definePlugin({ name, setup: (kernel) => kernel.setRouter(exactRouter) });
    expect(() => createBus().use(router('r1')).use(router('r2'))).toThrowError(expect.objectContaining({ code: 'PLUGIN_CONFLICT' }));
    expect(() => createBus().use({} as never)).toThrowError(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
  });

  it('rejects an unknown phase or a non-function middleware with MIDDLEWARE_INVALID', () => {
    expect(() =>
      createBus().use(definePlugin({ name: 'p', setup: (kernel) => kernel.usePublish('encrypt' as never, (_ctx, next) => next()) })),
    ).toThrowError(expect.objectContaining({ code: 'MIDDLEWARE_INVALID', message: expect.stringContaining('enrich → guard') }));
    expect(() => createBus().use(definePlugin({ name: 'p', setup: (kernel) => kernel.useDeliver('handle', 1 as never) }))).toThrowError(
      expect.objectContaining({ code: 'MIDDLEWARE_INVALID' }),
    );
  });
});

describe('phases', () => {
  it('run publish middleware by phase, whatever the order of use(), and in registration order within a phase', async () => {
    const order: string[] = [];
    const at = (name: string): PublishMiddleware =>
      async function mark(_ctx, next) {
        order.push(name);
        await next();
      };
    const bus = createBus()
      .use(definePlugin({ name: 'dispatcher', setup: (k) => k.usePublish('dispatch', at('dispatch')) }))
      .use(definePlugin({ name: 'encoder', setup: (k) => k.usePublish('encode', at('encode')) }))
      .use(definePlugin({ name: 'guard-1', setup: (k) => k.usePublish('guard', at('guard-1')) }))
      .use(definePlugin({ name: 'guard-2', setup: (k) => k.usePublish('guard', at('guard-2')) }))
      .use(definePlugin({ name: 'enricher', setup: (k) => k.usePublish('enrich', at('enrich')) }));
    await bus.start();
    await bus.publish('a', 1);
    expect(order).toEqual(['enrich', 'guard-1', 'guard-2', 'encode', 'dispatch']);
    await bus.stop();
  });

  it('run deliver middleware decode → guard → handle → handler', async () => {
    const order: string[] = [];
    const at =
      (name: string): DeliverMiddleware =>
      (_ctx, next) => {
        order.push(name);
        return next();
      };
    const bus = createBus()
      .use(definePlugin({ name: 'h', setup: (k) => k.useDeliver('handle', at('handle')) }))
      .use(definePlugin({ name: 'g', setup: (k) => k.useDeliver('guard', at('guard')) }))
      .use(definePlugin({ name: 'd', setup: (k) => k.useDeliver('decode', at('decode')) }));
    bus.subscribe('a', () => void order.push('handler'));
    await bus.start();
    bus.emit('a', 1);
    expect(order).toEqual(['decode', 'guard', 'handle', 'handler']);
    await bus.stop();
  });

  it('let a guard stop a publish with a typed error: nothing is delivered', async () => {
    const bus = createBus().use(
      definePlugin({
        name: 'deny-all',
        setup(kernel) {
          kernel.usePublish('guard', function denyAll(ctx) {
            throw new BusError('ACL_DENIED', `no publishing ${ctx.envelope.type}`, { eventId: ctx.envelope.id });
          });
        },
      }),
    );
    const handler = vi.fn();
    bus.subscribe('a', handler);
    await bus.start();
    await expect(bus.publish('a', 1)).rejects.toMatchObject({ code: 'ACL_DENIED', eventId: expect.any(String) });
    expect(() => bus.emit('a', 1)).toThrowError(expect.objectContaining({ code: 'ACL_DENIED' }));
    expect(handler).not.toHaveBeenCalled();
    await bus.stop();
  });

  it('let encode and decode middleware change the payload on the way', async () => {
    const bus = createBus().use(
      definePlugin({
        name: 'json',
        setup(kernel) {
          kernel.usePublish('encode', (ctx, next) => {
            ctx.envelope = {
              ...ctx.envelope,
              data: new TextEncoder().encode(JSON.stringify(ctx.envelope.data)),
              datacontenttype: 'application/json',
            };
            return next();
          });
          kernel.useDeliver('decode', (ctx, next) => {
            ctx.event = { ...ctx.event, data: JSON.parse(new TextDecoder().decode(ctx.event.data as Uint8Array)) };
            return next();
          });
        },
      }),
    );
    const seen: EventEnvelope[] = [];
    bus.subscribe('a', (event) => void seen.push(event));
    await bus.start();
    await bus.publish('a', { n: 1 });
    expect(seen[0]).toMatchObject({ data: { n: 1 }, datacontenttype: 'application/json' });
    await bus.stop();
  });

  it('let a dispatch middleware take an event instead of the transport (the outbox shape)', async () => {
    const parked: string[] = [];
    const bus = createBus().use(
      definePlugin({
        name: 'parker',
        setup(kernel) {
          kernel.usePublish('dispatch', (ctx, next) => {
            if (ctx.options.subject === 'park') {
              parked.push(ctx.envelope.id);
              return;
            }
            return next();
          });
        },
      }),
    );
    const handler = vi.fn();
    bus.subscribe('a', handler);
    await bus.start();
    const receipt = await bus.publish('a', 1, { subject: 'park' });
    await bus.publish('a', 2);
    expect(parked).toEqual([receipt.id]);
    expect(handler).toHaveBeenCalledOnce();
    await bus.stop();
  });

  it('report a failing deliver middleware as the delivery failure', async () => {
    const bus = createBus().use(
      definePlugin({
        name: 'rejecter',
        setup: (kernel) =>
          kernel.useDeliver('guard', async () => {
            throw new BusError('SCHEMA_INVALID', 'bad shape');
          }),
      }),
    );
    const failures: string[] = [];
    bus.events.on('failed', (error) => failures.push(error.code));
    const handler = vi.fn();
    bus.subscribe('a', handler);
    await bus.start();
    await bus.publish('a', 1);
    expect(failures).toEqual(['SCHEMA_INVALID']);
    expect(handler).not.toHaveBeenCalled();
    await bus.stop();
  });

  it('let a router plugin decide matching for the memory transport', async () => {
    const prefixRouter = <T>(): Router<T> => {
      const routes: [string, T][] = [];
      return {
        add: (pattern, value) => void routes.push([pattern, value]),
        remove: (pattern, value) => {
          const index = routes.findIndex(([p, v]) => p === pattern && v === value);
          if (index >= 0) routes.splice(index, 1);
          return index >= 0;
        },
        match: (type) => routes.filter(([pattern]) => type.startsWith(pattern)).map(([, value]) => value),
      };
    };
    const bus = createBus().use(definePlugin({ name: 'prefix', setup: (kernel) => kernel.setRouter(prefixRouter) }));
    const handler = vi.fn();
    bus.subscribe('orders.', handler);
    await bus.start();
    await bus.publish('orders.created', 1);
    await bus.publish('users.created', 1);
    expect(handler).toHaveBeenCalledOnce();
    await bus.stop();
  });

  it('let onSubscribe hooks refuse a subscription with a typed error, and clean up at unsubscribe', async () => {
    const log: string[] = [];
    const bus = createBus().use(
      definePlugin({
        name: 'gatekeeper',
        setup(kernel) {
          kernel.onSubscribe((subscription) => {
            if (subscription.pattern.startsWith('secret.')) {
              throw new BusError('ACL_DENIED', `may not subscribe to ${subscription.pattern}`);
            }
            log.push(`open ${subscription.name}`);
            return () => log.push(`close ${subscription.name}`);
          });
        },
      }),
    );
    expect(() => bus.subscribe('secret.keys', () => undefined)).toThrowError(expect.objectContaining({ code: 'ACL_DENIED' }));
    const handle = bus.subscribe('orders.created', () => undefined, { name: 'billing' });
    await bus.start();
    await handle.unsubscribe();
    await handle.unsubscribe();
    expect(log).toEqual(['open billing', 'close billing']);
    await bus.stop();
  });

  it('order encode by stage whatever the use() order, and mirror it in decode', async () => {
    const trail: string[] = [];
    const stage = (name: string, order: number) =>
      definePlugin({
        name,
        setup(kernel) {
          kernel.usePublish(
            'encode',
            (_ctx, next) => {
              trail.push(`encode ${name}`);
              return next();
            },
            { order },
          );
          kernel.useDeliver(
            'decode',
            (_ctx, next) => {
              trail.push(`decode ${name}`);
              return next();
            },
            { order },
          );
        },
      });
    const bus = createBus()
      .use(stage('compress', STAGE_ORDER.compress))
      .use(stage('encrypt', STAGE_ORDER.encrypt))
      .use(stage('serialize', STAGE_ORDER.serialize));
    bus.subscribe('a', () => void trail.push('handler'));
    await bus.start();
    await bus.publish('a', 1);
    expect(trail).toEqual([
      'encode serialize',
      'encode encrypt',
      'encode compress',
      'decode compress',
      'decode encrypt',
      'decode serialize',
      'handler',
    ]);
    expect(() =>
      createBus().use(definePlugin({ name: 'x', setup: (k) => k.usePublish('encode', (_c, n) => n(), { order: Number.NaN }) })),
    ).toThrowError(expect.objectContaining({ code: 'MIDDLEWARE_INVALID' }));
    await bus.stop();
  });

  it('undo onSubscribe hooks when the router refuses the pattern after start', async () => {
    const log: string[] = [];
    const pickyRouter = <T>(): Router<T> => {
      const inner = exactRouter<T>();
      return {
        ...inner,
        add: (pattern, value) => {
          if (pattern.includes(' ')) throw new BusError('INVALID_SUBSCRIPTION', `no spaces in '${pattern}'`);
          inner.add(pattern, value);
        },
      };
    };
    const bus = createBus().use(
      definePlugin({
        name: 'picky',
        setup(kernel) {
          kernel.setRouter(pickyRouter);
          kernel.onSubscribe((subscription) => {
            log.push(`open ${subscription.pattern}`);
            return () => log.push(`close ${subscription.pattern}`);
          });
        },
      }),
    );
    await bus.start();
    expect(() => bus.subscribe('bad pattern', () => undefined)).toThrowError(expect.objectContaining({ code: 'INVALID_SUBSCRIPTION' }));
    expect(log).toEqual(['open bad pattern', 'close bad pattern']);
    await bus.stop();
  });

  it('hand publishBatch options, such as the principal, to every event of the batch', async () => {
    const principals: (string | undefined)[] = [];
    const bus = createBus().use(
      definePlugin({
        name: 'who',
        setup: (kernel) =>
          kernel.usePublish('guard', (ctx, next) => {
            principals.push(ctx.principal);
            return next();
          }),
      }),
    );
    await bus.start();
    await bus.publishBatch([{ type: 'a' }, { type: 'b' }], { principal: 'billing' });
    expect(principals).toEqual(['billing', 'billing']);
    await bus.stop();
  });
});
