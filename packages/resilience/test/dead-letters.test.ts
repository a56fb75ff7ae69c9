import { type Bus, BusError, createBus, type DeadLetteredEvent, type DroppedEvent, type EventEnvelope } from '@bus/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type DeadLetterMessage,
  type DeadLetterSink,
  memoryDeadLetterSink,
  REDRIVE_ATTRIBUTE,
  type ResilienceOptions,
  resilience,
  transportDeadLetterSink,
} from '../src/index.js';

const buses: Bus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.stop()));
  vi.restoreAllMocks();
});

/** A started bus without backoff delays, recording deadLettered and failed. */
async function started(options: ResilienceOptions = {}, setup: (bus: Bus) => void = () => undefined) {
  const bus = createBus({ source: 'shop' }).use(resilience({ retry: { maxAttempts: 2, initialDelayMs: 0 }, ...options }));
  buses.push(bus);
  const deadLettered: DeadLetteredEvent[] = [];
  bus.events.on('deadLettered', (event) => void deadLettered.push(event));
  const failed: BusError[] = [];
  bus.events.on('failed', (error) => void failed.push(error));
  setup(bus);
  await bus.start();
  return { bus, deadLettered, failed };
}

const fail = (): never => {
  throw new Error('handler broke');
};

describe('dead letters', () => {
  it('keep the original envelope, the last error, the attempt count and the time, and say so on deadLettered', async () => {
    const { bus, deadLettered, failed } = await started({}, (b) => b.subscribe('orders.created', fail, { name: 'billing' }));
    const receipt = await bus.publish('orders.created', { id: 'o-1' }, { key: 'o-1', correlationId: 'c-1' });
    const [letter] = await bus.deadLetters.list();
    expect(letter).toMatchObject({
      id: expect.any(String),
      event: { id: receipt.id, type: 'orders.created', source: 'shop', data: { id: 'o-1' }, partitionkey: 'o-1', correlationid: 'c-1' },
      error: { code: 'HANDLER_FAILED', message: 'handler broke' },
      attempts: 2,
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      subscription: { id: expect.any(String), name: 'billing', pattern: 'orders.created' },
    });
    expect(letter?.error).toBeInstanceOf(BusError);
    expect(deadLettered).toHaveLength(1);
    expect(deadLettered[0]).toMatchObject({
      event: { id: receipt.id },
      attempts: 2,
      error: letter?.error,
      subscription: { name: 'billing' },
    });
    // Dead-lettered means handled: the kernel reports no failure, and a transport would not redeliver.
    expect(failed).toEqual([]);
  });

  it('fail the delivery instead when a subscription says deadLetter: false, or the plugin has no sink', async () => {
    const first = await started({}, (b) => b.subscribe('a', fail, { resilience: { deadLetter: false } }));
    await first.bus.publish('a', 1);
    expect(first.failed.map((error) => error.code)).toEqual(['HANDLER_FAILED']);
    expect(first.deadLettered).toEqual([]);

    const second = await started({ deadLetter: false }, (b) => b.subscribe('a', fail));
    await second.bus.publish('a', 1);
    expect(second.failed.map((error) => error.code)).toEqual(['HANDLER_FAILED']);
    expect(await second.bus.deadLetters.list()).toEqual([]);
    expect(second.bus.deadLetters.sink).toBeUndefined();
  });

  it('fail the delivery with STORE_FAILED when the sink cannot keep them, so nothing is lost silently', async () => {
    const broken: DeadLetterSink = {
      put: () => Promise.reject(new Error('disk full')),
      list: () => [],
      remove: () => false,
    };
    const { bus, failed, deadLettered } = await started({ deadLetter: broken }, (b) => b.subscribe('a', fail));
    await bus.publish('a', 1);
    expect(failed.map((error) => [error.code, error.message])).toEqual([['STORE_FAILED', 'disk full']]);
    expect(deadLettered).toEqual([]);
  });

  it('can be listed by type, subscription (id or name), error code, event id, or a predicate', async () => {
    const { bus } = await started({}, (b) => {
      b.subscribe('a', fail, { name: 'alpha' });
      b.subscribe('b', () => {
        throw new BusError('SCHEMA_INVALID', 'bad');
      });
    });
    const a = await bus.publish('a', 1);
    await bus.publish('b', 2);
    const all = await bus.deadLetters.list();
    expect(all.map((letter) => letter.event.type)).toEqual(['a', 'b']);
    expect((await bus.deadLetters.list({ type: 'b' })).map((l) => l.error.code)).toEqual(['SCHEMA_INVALID']);
    expect(await bus.deadLetters.list({ subscription: 'alpha' })).toHaveLength(1);
    expect(await bus.deadLetters.list({ subscription: all[1]?.subscription.id as string })).toHaveLength(1);
    expect(await bus.deadLetters.list({ code: 'HANDLER_FAILED', eventId: a.id })).toHaveLength(1);
    expect(await bus.deadLetters.list((letter) => letter.attempts === 1)).toHaveLength(1); // SCHEMA_INVALID is not retried
  });

  it('evict the oldest from a full memory sink, emitting it on dropped', async () => {
    const drops: DroppedEvent[] = [];
    const { bus } = await started({ deadLetter: memoryDeadLetterSink({ limit: 2 }) }, (b) => {
      b.events.on('dropped', (drop) => void drops.push(drop));
      b.subscribe('a', fail);
    });
    for (let n = 1; n <= 3; n++) await bus.publish('a', n);
    expect((await bus.deadLetters.list()).map((letter) => letter.event.data)).toEqual([2, 3]);
    expect(drops.map(({ event, error }) => [event.data, error.code])).toEqual([[1, 'DEAD_LETTERED']]);
  });
});

describe('redrive', () => {
  it('republishes a dead letter once, to the subscription that failed it only, and removes it from the sink', async () => {
    let broken = true;
    const billing: EventEnvelope[] = [];
    const audit: EventEnvelope[] = [];
    const { bus } = await started({}, (b) => {
      b.subscribe('orders.created', (event) => {
        if (broken) throw new Error('billing down');
        billing.push(event);
      });
      b.subscribe('orders.created', (event) => void audit.push(event));
    });
    const receipt = await bus.publish('orders.created', { id: 'o-1' });
    expect(audit).toHaveLength(1);
    const [letter] = await bus.deadLetters.list();

    broken = false;
    const report = await bus.deadLetters.redrive(letter?.id as string);
    expect(report).toEqual({ redriven: [letter?.id], failures: [] });
    expect(billing.map((event) => [event.id, event.data])).toEqual([[receipt.id, { id: 'o-1' }]]);
    expect(billing[0]?.[REDRIVE_ATTRIBUTE]).toBe(letter?.subscription.id);
    expect(audit).toHaveLength(1); // the healthy subscription does not see it twice
    expect(await bus.deadLetters.list()).toEqual([]);
    expect(await bus.deadLetters.redrive(letter?.id as string)).toEqual({ redriven: [], failures: [] }); // once means once
  });

  it('redrives every dead letter matching a filter; one that fails again comes back as a new dead letter', async () => {
    const { bus } = await started({}, (b) => {
      b.subscribe<number>('jobs', (event) => {
        if (event.data % 2 === 1) throw new Error('odd');
      });
    });
    for (let n = 1; n <= 4; n++) await bus.publish('jobs', n);
    const before = await bus.deadLetters.list({ type: 'jobs' });
    expect(before.map((letter) => letter.event.data)).toEqual([1, 3]);
    const report = await bus.deadLetters.redrive({ type: 'jobs' });
    expect(report.redriven).toEqual(before.map((letter) => letter.id));
    const after = await bus.deadLetters.list();
    expect(after.map((letter) => letter.event.data)).toEqual([1, 3]);
    expect(after.every((letter) => !before.some((old) => old.id === letter.id))).toBe(true);
  });

  it('goes to a subscription of the same name once the one that failed is gone, and refuses when there is none', async () => {
    const { bus } = await started();
    const failing = bus.subscribe('a', fail, { name: 'worker' });
    await failing.ready;
    await bus.publish('a', 1);
    await bus.publish('a', 2);
    const [first, second] = await bus.deadLetters.list();
    await failing.unsubscribe(); // a deploy replaces it: the name is what stays
    const seen: string[] = [];
    bus.subscribe('a', (event) => void seen.push(`other:${String(event.data)}`), { name: 'other' });
    const replacement = bus.subscribe('a', (event) => void seen.push(`worker:${String(event.data)}`), { name: 'worker' });
    await replacement.ready;
    expect(await bus.deadLetters.redrive(first?.id as string)).toEqual({ redriven: [first?.id], failures: [] });
    expect(seen).toEqual(['worker:1']);

    await replacement.unsubscribe(); // nobody named 'worker' now: every subscription would skip it
    const report = await bus.deadLetters.redrive(second?.id as string);
    expect(report.failures).toEqual([{ id: second?.id, error: expect.objectContaining({ code: 'INVALID_SUBSCRIPTION' }) }]);
    expect(await bus.deadLetters.list()).toEqual([second]);
  });

  it('reports a republish that fails and keeps that dead letter', async () => {
    const { bus } = await started({}, (b) => b.subscribe('a', fail));
    await bus.publish('a', 1);
    const [letter] = await bus.deadLetters.list();
    await bus.stop();
    const report = await bus.deadLetters.redrive({});
    expect(report.redriven).toEqual([]);
    expect(report.failures).toEqual([{ id: letter?.id, error: expect.objectContaining({ code: 'BUS_STOPPED' }) }]);
    expect(await bus.deadLetters.list()).toHaveLength(1);
  });
});

describe('transportDeadLetterSink', () => {
  it('publishes each dead letter as <type>.dlq, with the original envelope, error and attempts, and keeps it for redrive', async () => {
    const dlq: EventEnvelope<DeadLetterMessage>[] = [];
    const { bus } = await started({ deadLetter: transportDeadLetterSink() }, (b) => {
      b.subscribe('orders.created', fail, { name: 'billing' });
      b.subscribe<DeadLetterMessage>('orders.created.dlq', (event) => void dlq.push(event));
    });
    const receipt = await bus.publish('orders.created', { id: 'o-1' }, { key: 'o-1' });
    expect(dlq).toHaveLength(1);
    expect(dlq[0]).toMatchObject({
      type: 'orders.created.dlq',
      partitionkey: 'o-1',
      causationid: receipt.id,
      correlationid: receipt.id,
      deadletter: true,
      data: {
        event: { id: receipt.id, type: 'orders.created', data: { id: 'o-1' } },
        error: { code: 'HANDLER_FAILED', message: 'handler broke', retryable: true },
        attempts: 2,
        subscription: { name: 'billing', pattern: 'orders.created' },
      },
    });
    expect(await bus.deadLetters.list()).toHaveLength(1);
  });

  it('never makes a dead letter of a dead letter: a failing .dlq handler keeps it locally, publishes nothing', async () => {
    const published: string[] = [];
    const { bus, deadLettered } = await started({ deadLetter: transportDeadLetterSink() }, (b) => {
      b.events.on('published', (event) => void published.push(event.type));
      b.subscribe('a', fail);
      b.subscribe('a.dlq', fail);
    });
    await bus.publish('a', 1);
    expect(published.sort()).toEqual(['a', 'a.dlq']); // no 'a.dlq.dlq'
    expect(deadLettered.map(({ event }) => event.type).sort()).toEqual(['a', 'a.dlq']);
    expect((await bus.deadLetters.list()).map((letter) => letter.event.type).sort()).toEqual(['a', 'a.dlq']);
  });

  it('publishes to the topic it is given', async () => {
    const seen: string[] = [];
    const { bus } = await started({ deadLetter: transportDeadLetterSink({ topic: (event) => `dead.${event.type}` }) }, (b) => {
      b.subscribe('a', fail);
      b.subscribe('dead.a', (event) => void seen.push(event.type));
    });
    await bus.publish('a', 1);
    expect(seen).toEqual(['dead.a']);
  });
});
