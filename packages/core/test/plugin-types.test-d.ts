import { describe, expectTypeOf, it } from 'vitest';
import { type Bus, createBus, definePlugin, type EventEnvelope, type Plugin } from '../src/index.js';

const outbox = () => definePlugin({ name: 'outbox', setup: () => ({ outbox: { flush: async (): Promise<number> => 0 } }) });
const metrics = () => definePlugin({ name: 'metrics', setup: () => ({ metrics: { count: (type: string): number => type.length } }) });
const silent = () => definePlugin({ name: 'silent', setup: () => undefined });

describe('plugin composition types', () => {
  it('infers the extension from setup', () => {
    expectTypeOf(outbox()).toEqualTypeOf<Plugin<{ outbox: { flush: () => Promise<number> } }>>();
  });

  it('types every extension through a use() chain', () => {
    const bus = createBus().use(outbox()).use(metrics()).use(silent());
    expectTypeOf(bus.outbox.flush).returns.toEqualTypeOf<Promise<number>>();
    expectTypeOf(bus.metrics.count).parameter(0).toBeString();
    expectTypeOf(bus).toMatchTypeOf<Bus>();
  });

  it('does not invent extensions', () => {
    const bus = createBus().use(silent());
    // @ts-expect-error no plugin added `outbox`
    void bus.outbox;
  });

  it('types handler events by the subscription type parameter', () => {
    createBus().subscribe<{ id: string }>('orders.created', (event) => {
      expectTypeOf(event).toEqualTypeOf<EventEnvelope<{ id: string }>>();
      expectTypeOf(event.data.id).toBeString();
    });
  });
});
