import { type Bus, createBus, type EventEnvelope } from '@bus/core';
import { afterEach, describe, expect, it } from 'vitest';
import { context, currentContext, withContext } from '../src/index.js';

const buses: Bus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.stop()));
});

describe('withContext', () => {
  it('makes the values ambient for the function and returns what it returns', () => {
    expect(currentContext()).toBeUndefined();
    const result = withContext({ tenantId: 'acme' }, () => currentContext()?.tenantId);
    expect(result).toBe('acme');
    expect(currentContext()).toBeUndefined();
  });

  it('keeps the context across awaits, timers and setImmediate', async () => {
    const seen = await withContext({ correlationId: 'req-1' }, async () => {
      const trail: (string | undefined)[] = [];
      await Promise.resolve();
      trail.push(currentContext()?.correlationId);
      await new Promise((resolve) => setTimeout(resolve, 2));
      trail.push(currentContext()?.correlationId);
      await new Promise((resolve) => setImmediate(resolve));
      trail.push(currentContext()?.correlationId);
      return trail;
    });
    expect(seen).toEqual(['req-1', 'req-1', 'req-1']);
  });

  it('merges nested values over the outer ones and restores the outer ones after', () => {
    withContext({ tenantId: 'acme', userId: 'u-1' }, () => {
      withContext({ userId: 'u-2', region: 'eu' }, () => {
        expect(currentContext()).toEqual({ tenantId: 'acme', userId: 'u-2', region: 'eu' });
      });
      expect(currentContext()).toEqual({ tenantId: 'acme', userId: 'u-1' });
    });
  });

  it('does not let the caller mutate the values it passed afterwards', () => {
    const values = { tenantId: 'acme' };
    withContext(values, () => {
      values.tenantId = 'changed';
      expect(currentContext()?.tenantId).toBe('acme');
    });
  });

  it('gives events published inside its correlation id, causation id and tenant', async () => {
    const bus = createBus().use(context());
    buses.push(bus);
    const seen: EventEnvelope[] = [];
    bus.subscribe('orders.created', (event) => void seen.push(event));
    await bus.start();
    await withContext({ correlationId: 'req-42', causationId: 'cmd-7', tenantId: 'acme', userId: 'u-1' }, async () => {
      await bus.publish('orders.created', {});
    });
    expect(seen[0]).toMatchObject({ correlationid: 'req-42', causationid: 'cmd-7', tenantid: 'acme' });
    expect(seen[0]?.userid).toBeUndefined(); // not listed in propagate
  });

  it('merges over the context of a handler, keeping the event', async () => {
    const bus = createBus().use(context());
    buses.push(bus);
    const published: EventEnvelope[] = [];
    bus.events.on('published', (event) => published.push(event));
    bus.subscribe('a', async (event) => {
      await withContext({ tenantId: 'moved' }, async () => {
        expect(currentContext()?.event?.id).toBe(event.id);
        await bus.publish('b', {});
      });
    });
    await bus.start();
    const a = await bus.publish('a', {}, { tenantId: 'acme' });
    expect(published.find((event) => event.type === 'b')).toMatchObject({ tenantid: 'moved', causationid: a.id, correlationid: a.id });
  });
});
