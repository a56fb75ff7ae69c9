import { BusError, createBus, definePlugin } from '@bus/core';
import { describe, expect, it } from 'vitest';
import { publishBuffer } from '../src/index.js';
import { recordDrops } from './helpers.js';

function received(bus: ReturnType<typeof createBus>, ...types: string[]): [string, unknown][] {
  const seen: [string, unknown][] = [];
  for (const type of types) bus.subscribe(type, (event) => void seen.push([event.type, event.data]));
  return seen;
}

describe('publishBuffer: a publisher-side buffer drained by process()', () => {
  it('holds offered events until process(), then publishes them oldest first', async () => {
    const bus = createBus({ autoStart: true }).use(publishBuffer());
    const seen: [string, unknown][] = [];
    bus.subscribe('a', (event) => void seen.push([event.type, event.data]));
    bus.subscribe('b', (event) => void seen.push([event.type, event.data]));
    bus.publishBuffer.offer('a', 1);
    bus.publishBuffer.offer('b', 2);
    await bus.start();
    expect(seen).toEqual([]);
    expect(bus.publishBuffer.size).toBe(2);
    expect(bus.publishBuffer.pending()).toEqual([
      { type: 'a', data: 1 },
      { type: 'b', data: 2 },
    ]);
    await bus.publishBuffer.process();
    expect(seen).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(bus.publishBuffer.size).toBe(0);
    await bus.stop();
  });

  it('drop-oldest keeps the newest capacity events and signals each eviction as dropped', async () => {
    const bus = createBus({ autoStart: true }).use(publishBuffer({ capacity: 2, policy: 'drop-oldest' }));
    const drops = recordDrops(bus);
    for (let i = 1; i <= 4; i++) expect(bus.publishBuffer.offer('t', i).accepted).toBe(true);
    expect(bus.publishBuffer.pending().map((item) => item.data)).toEqual([3, 4]);
    expect(drops).toEqual([
      [1, 'BACKPRESSURE_REJECTED', 'drop-oldest'],
      [2, 'BACKPRESSURE_REJECTED', 'drop-oldest'],
    ]);
    await bus.stop();
  });

  it('reject refuses the new event, keeps the old ones and signals the refusal as dropped', async () => {
    const bus = createBus({ autoStart: true }).use(publishBuffer({ capacity: 1 }));
    const drops = recordDrops(bus);
    bus.publishBuffer.offer('t', 'kept');
    expect(bus.publishBuffer.full).toBe(true);
    expect(bus.publishBuffer.offer('t', 'refused')).toEqual({ accepted: false, reason: 'rejected' });
    expect(bus.publishBuffer.pending()).toEqual([{ type: 't', data: 'kept' }]);
    expect(drops).toEqual([['refused', 'BACKPRESSURE_REJECTED', 'reject']]);
    await bus.stop();
  });

  it('capacity and policy change at run time; a lowered capacity evicts oldest first on the next offer', async () => {
    const bus = createBus({ autoStart: true }).use(publishBuffer());
    const drops = recordDrops(bus);
    for (let i = 1; i <= 3; i++) bus.publishBuffer.offer('t', i);
    bus.publishBuffer.capacity = 2;
    bus.publishBuffer.policy = 'drop-oldest';
    bus.publishBuffer.offer('t', 4);
    expect(bus.publishBuffer.pending().map((item) => item.data)).toEqual([3, 4]);
    expect(drops.map(([data]) => data)).toEqual([1, 2]);
    expect(() => {
      bus.publishBuffer.capacity = -1;
    }).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => {
      bus.publishBuffer.policy = 'block' as never;
    }).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    await bus.stop();
  });

  it('process() also publishes what is offered while it drains, and a second call joins the running drain', async () => {
    const bus = createBus({ autoStart: true }).use(publishBuffer());
    const seen = received(bus, 'first', 'second');
    let offeredMeanwhile = false;
    bus.subscribe('first', () => {
      if (offeredMeanwhile) return;
      offeredMeanwhile = true;
      bus.publishBuffer.offer('second', 2);
    });
    bus.publishBuffer.offer('first', 1);
    await bus.start();
    const one = bus.publishBuffer.process();
    const two = bus.publishBuffer.process();
    expect(two).toBe(one);
    await one;
    expect(seen.map(([type]) => type)).toEqual(['first', 'second']);
    await bus.stop();
  });

  it('an event a plugin refuses goes to onPublishFailed (a BusError) and the drain goes on', async () => {
    const failures: [unknown, BusError][] = [];
    const bus = createBus({ autoStart: true })
      .use(publishBuffer({ onPublishFailed: (item, error) => void failures.push([item.data, error]) }))
      .use(
        definePlugin({
          name: 'acl',
          setup(kernel) {
            kernel.usePublish('guard', function acl(ctx, next) {
              if (ctx.envelope.type === 'forbidden') throw new BusError('ACL_DENIED', 'no');
              return next();
            });
          },
        }),
      );
    const seen = received(bus, 'forbidden', 'allowed');
    bus.publishBuffer.offer('forbidden', 1);
    bus.publishBuffer.offer('allowed', 2);
    await bus.start();
    await bus.publishBuffer.process();
    expect(failures.map(([data, error]) => [data, BusError.is(error), error.code])).toEqual([[1, true, 'ACL_DENIED']]);
    expect(seen).toEqual([['allowed', 2]]);
    await bus.stop();
  });

  it('without onPublishFailed, a refused event is reported on bus.events "error"', async () => {
    const bus = createBus({ autoStart: true })
      .use(publishBuffer())
      .use(
        definePlugin({
          name: 'refuse-all',
          setup(kernel) {
            kernel.usePublish('guard', function refuseAll() {
              throw new BusError('ACL_DENIED', 'no');
            });
          },
        }),
      );
    const errors: BusError[] = [];
    bus.events.on('error', (error) => void errors.push(error));
    bus.publishBuffer.offer('t', 1);
    await bus.start();
    await bus.publishBuffer.process();
    expect(errors.map((error) => error.code)).toEqual(['ACL_DENIED']);
    await bus.stop();
  });

  it('refuses bad options with PLUGIN_INVALID', () => {
    expect(() => publishBuffer(null as never)).toThrow(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
    expect(() => publishBuffer({ capacity: 1.5 })).toThrow(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
    expect(() => publishBuffer({ policy: 'block' as never })).toThrow(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
  });
});
