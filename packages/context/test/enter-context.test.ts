import { AsyncLocalStorage } from 'node:async_hooks';
import { type Bus, createBus, type EventEnvelope } from '@bus/core';
import { afterEach, describe, expect, it } from 'vitest';
import { context, currentContext, enterContext, withContext } from '../src/index.js';

const buses: Bus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.stop()));
});

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

// Each test runs its body in a fresh scope of its own, so that what it enters does not reach the test runner.
describe('enterContext', () => {
  it('makes the values ambient for the rest of the execution, across awaits', async () => {
    const seen = await withContext({}, async () => {
      expect(currentContext()?.userId).toBeUndefined();
      enterContext({ userId: 'u-1' });
      const before = currentContext()?.userId;
      await tick();
      return [before, currentContext()?.userId];
    });
    expect(seen).toEqual(['u-1', 'u-1']);
  });

  it('merges over the current context', () => {
    withContext({ tenantId: 'acme', userId: 'u-1' }, () => {
      enterContext({ userId: 'u-2', trace_id: 'xyz' });
      expect(currentContext()).toEqual({ tenantId: 'acme', userId: 'u-2', trace_id: 'xyz' });
    });
  });

  it('does not leak out of the withContext it was called in', () => {
    withContext({ tenantId: 'outer' }, () => {
      withContext({}, () => enterContext({ tenantId: 'inner' }));
      expect(currentContext()?.tenantId).toBe('outer');
    });
  });

  it('is not seen by a sibling async context running at the same time', async () => {
    const [mine, sibling] = await Promise.all([
      withContext({}, async () => {
        enterContext({ trace_id: 'xyz' });
        await tick();
        return currentContext()?.trace_id;
      }),
      withContext({}, async () => {
        await tick();
        await tick();
        return currentContext()?.trace_id;
      }),
    ]);
    expect(mine).toBe('xyz');
    expect(sibling).toBeUndefined();
  });

  it('is not seen by work whose context was captured before the call', () => {
    withContext({}, () => {
      const capturedBefore = AsyncLocalStorage.snapshot();
      enterContext({ trace_id: 'xyz' });
      expect(capturedBefore(() => currentContext()?.trace_id)).toBeUndefined();
      expect(currentContext()?.trace_id).toBe('xyz');
    });
  });

  it('gives events published afterwards its ids, like withContext', async () => {
    const bus = createBus().use(context());
    buses.push(bus);
    const received: EventEnvelope[] = [];
    bus.subscribe('orders.created', (event) => void received.push(event));
    await bus.start();
    await withContext({}, async () => {
      enterContext({ correlationId: 'req-9', tenantId: 'acme' });
      await bus.publish('orders.created', {});
    });
    expect(received[0]).toMatchObject({ correlationid: 'req-9', tenantid: 'acme' });
  });
});
