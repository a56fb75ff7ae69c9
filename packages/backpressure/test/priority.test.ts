import { type Bus, createBus } from '@bus/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { backpressure, type SubscriptionBackpressure } from '../src/index.js';
import { type Gate, gate, settle } from './helpers.js';

const buses: Bus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.stop({ timeoutMs: 100 })));
});

interface Job {
  readonly n: number;
  readonly priority?: number | undefined;
  readonly key?: string | undefined;
}

/** A bus whose one subscription is held by a first job (n = -1) until `release()`, so what follows backs up. */
async function backlog(options: SubscriptionBackpressure) {
  const bus = createBus().use(backpressure());
  buses.push(bus);
  const blocker: Gate = gate();
  const started: number[] = [];
  bus.subscribe<number>(
    'jobs',
    async (event) => {
      started.push(event.data);
      if (event.data === -1) await blocker.promise;
    },
    { backpressure: { capacity: 10_000, ...options } },
  );
  await bus.start();
  await bus.publish('jobs', -1);
  const publish = async (jobs: readonly Job[]): Promise<void> => {
    for (const job of jobs) {
      await bus.publish('jobs', job.n, {
        ...(job.priority === undefined ? {} : { priority: job.priority }),
        ...(job.key === undefined ? {} : { key: job.key }),
      });
    }
  };
  const release = async (): Promise<number[]> => {
    blocker.open();
    await bus.backpressure.idle();
    await settle();
    return started.slice(1);
  };
  return { publish, release };
}

describe('priority order of a backlog', () => {
  it('starts the highest priority first, the oldest first among equals; no priority counts as 0', async () => {
    const { publish, release } = await backlog({});
    await publish([
      { n: 0, priority: 1 },
      { n: 1 },
      { n: 2, priority: 4 },
      { n: 3, priority: 2 },
      { n: 4, priority: 4 },
      { n: 5, priority: -1 },
    ]);
    expect(await release()).toEqual([2, 4, 3, 0, 1, 5]);
  });

  it('keeps the order of one partition key: a high-priority event waits behind its key’s older ones', async () => {
    const { publish, release } = await backlog({});
    await publish([
      { n: 0, priority: 1, key: 'a' },
      { n: 1, priority: 3, key: 'b' },
      { n: 2, priority: 4, key: 'a' },
      { n: 3, priority: 2 },
    ]);
    // 2 outranks everything but may not start before 0 (key a): the free events are 0, 1 and 3, by priority 1, 3, 0, then 2.
    expect(await release()).toEqual([1, 3, 0, 2]);
  });

  it('lets the oldest waiting event be overtaken at most maxOvertakes times (no starvation)', async () => {
    const { publish, release } = await backlog({ maxOvertakes: 2 });
    await publish([{ n: 0, priority: 1 }, ...[1, 2, 3, 4, 5].map((n) => ({ n, priority: 9 }))]);
    expect(await release()).toEqual([1, 2, 0, 3, 4, 5]);
  });

  it('is first come, first served with maxOvertakes: 0', async () => {
    const { publish, release } = await backlog({ maxOvertakes: 0 });
    await publish([{ n: 0, priority: 1 }, { n: 1, priority: 4 }, { n: 2 }]);
    expect(await release()).toEqual([0, 1, 2]);
  });

  it('refuses a bad maxOvertakes with a typed error', () => {
    expect(() => backpressure({ defaults: { maxOvertakes: -1 } })).toThrow(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
    const bus = createBus().use(backpressure());
    expect(() => bus.subscribe('x', () => undefined, { backpressure: { maxOvertakes: 1.5 } })).toThrow(
      expect.objectContaining({ code: 'INVALID_SUBSCRIPTION' }),
    );
  });

  it('property: every event runs once, per-key order holds, priority decides among free events, and nobody waits past the bound', async () => {
    const jobs = fc.array(
      fc.record({
        priority: fc.option(fc.integer({ min: -2, max: 5 }), { nil: undefined }),
        key: fc.option(fc.constantFrom('a', 'b', 'c'), { nil: undefined }),
      }),
      { minLength: 1, maxLength: 60 },
    );
    await fc.assert(
      fc.asyncProperty(jobs, fc.integer({ min: 0, max: 5 }), async (list, maxOvertakes) => {
        const { publish, release } = await backlog({ maxOvertakes });
        const all: Job[] = list.map((job, n) => ({ n, ...job }));
        await publish(all);
        const order = await release();
        expect([...order].sort((a, b) => a - b)).toEqual(all.map((job) => job.n));
        // Per key: arrival order.
        for (const key of ['a', 'b', 'c']) {
          const ofKey = order.filter((n) => all[n]?.key === key);
          expect(ofKey).toEqual([...ofKey].sort((a, b) => a - b));
        }
        // Replay the rule: at each start, the oldest free event is overtaken at most maxOvertakes times.
        const overtaken = new Map<number, number>();
        const done = new Set<number>();
        for (const n of order) {
          const free = all.filter(
            (job) =>
              !done.has(job.n) &&
              !all.some((other) => other.key !== undefined && other.key === job.key && other.n < job.n && !done.has(other.n)),
          );
          const oldest = free[0] as Job;
          const count = overtaken.get(oldest.n) ?? 0;
          if (n !== oldest.n) {
            expect(count, `event ${oldest.n} overtaken too often`).toBeLessThan(maxOvertakes);
            const best = Math.max(...free.map((job) => job.priority ?? 0));
            expect(all[n]?.priority ?? 0).toBe(best);
            overtaken.set(oldest.n, count + 1);
          }
          done.add(n);
        }
        await Promise.all(buses.splice(0).map((bus) => bus.stop({ timeoutMs: 100 })));
      }),
      { numRuns: 60 },
    );
  });
});
