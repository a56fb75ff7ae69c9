import { AsyncLocalStorage } from 'node:async_hooks';
import { type Bus, createBus } from '@bus/core';
import { afterEach, describe, expect, it } from 'vitest';
import { context, currentContext, enterContext, withContext } from '../src/index.js';

const buses: Bus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.stop()));
});

async function started(bus: Bus): Promise<Bus> {
  buses.push(bus);
  await bus.start();
  return bus;
}

// Another library's AsyncLocalStorage (a tracer's, a logger's): the bus must neither hide it from handlers nor change it.
const other = new AsyncLocalStorage<string>();

describe("the caller's context around a handler", () => {
  it('stays visible to the handler in every other AsyncLocalStorage, before and after its awaits', async () => {
    const bus = await started(createBus().use(context()));
    const seen: (string | undefined)[] = [];
    bus.subscribe('a', async () => {
      seen.push(other.getStore());
      await new Promise((resolve) => setImmediate(resolve));
      seen.push(other.getStore());
    });
    await other.run('request-1', () => bus.publish('a', {}));
    bus.subscribe('b', () => void seen.push(other.getStore()));
    other.run('request-2', () => bus.emit('b', {}));
    expect(seen).toEqual(['request-1', 'request-1', 'request-2']);
  });

  it('is back once the handler returns, in this storage and every other', async () => {
    const bus = await started(createBus().use(context()));
    bus.subscribe('a', () => {
      enterContext({ correlationId: 'entered by the handler' });
    });
    const after = withContext({ correlationId: 'outer' }, () =>
      other.run('caller', () => {
        bus.emit('a', {});
        return [currentContext()?.correlationId, other.getStore()];
      }),
    );
    expect(after).toEqual(['outer', 'caller']);
  });

  it('is back when the handler throws', async () => {
    const bus = await started(createBus().use(context()));
    bus.events.on('failed', () => undefined);
    let inside: string | undefined;
    bus.subscribe('a', (event) => {
      inside = currentContext()?.event?.id;
      expect(inside).toBe(event.id);
      throw new Error('boom');
    });
    const after = withContext({ correlationId: 'outer' }, () => {
      bus.emit('a', {});
      return currentContext();
    });
    expect(inside).toBeDefined();
    expect(after).toEqual({ correlationId: 'outer' });
  });
});
