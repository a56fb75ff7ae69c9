import { createBus } from '@bus/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backpressure, type OverflowPolicy } from '../src/index.js';

/** Events in publish order: a partition key (or none), and how many scheduled pauses the handler makes (a random delay). */
const arrivals = fc.array(
  fc.record({
    key: fc.option(fc.constantFrom('a', 'b', 'c', 'd'), { nil: undefined }),
    pauses: fc.integer({ min: 0, max: 3 }),
  }),
  { minLength: 1, maxLength: 40 },
);

describe('per-key order (property)', () => {
  it('holds under random concurrency, capacity, arrival interleavings and handler delays', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom<OverflowPolicy>('block', 'drop-oldest', 'drop-newest', 'reject'),
        arrivals,
        fc.scheduler(),
        async (concurrency, capacity, policy, events, s) => {
          const bus = createBus().use(backpressure({ defaults: { concurrency, capacity, policy } }));
          const published: number[] = [];
          const started: number[] = [];
          const finished: number[] = [];
          const dropped = new Set<number>();
          const running = new Set<string>();
          let inFlight = 0;
          let maxInFlight = 0;
          let overlaps = 0;
          bus.events.on('dropped', ({ event }) => void dropped.add(event.data as number));
          bus.events.on('failed', () => undefined); // rejections: also reported on 'dropped' by the in-memory transport
          bus.subscribe<number>('jobs', async (event) => {
            const key = event.partitionkey;
            if (key !== undefined) {
              if (running.has(key)) overlaps++;
              running.add(key);
            }
            maxInFlight = Math.max(maxInFlight, ++inFlight);
            started.push(event.data);
            for (let i = 0; i < (events[event.data]?.pauses ?? 0); i++) await s.schedule(Promise.resolve(), `handler ${event.data}`);
            finished.push(event.data);
            inFlight--;
            if (key !== undefined) running.delete(key);
          });
          await bus.start();
          // Each publish happens at a point the scheduler picks, interleaved with handler progress.
          events.forEach(({ key }, index) => {
            void s.schedule(Promise.resolve(), `publish ${index}`).then(() => {
              published.push(index);
              void bus.publish('jobs', index, key === undefined ? undefined : { key });
            });
          });
          await s.waitIdle();
          await bus.backpressure.idle();
          await bus.stop();

          expect(overlaps).toBe(0);
          expect(maxInFlight).toBeLessThanOrEqual(concurrency);
          // Every event is handled exactly once, unless dropped on purpose (and then said so).
          expect([...started].sort((x, y) => x - y)).toEqual(published.filter((n) => !dropped.has(n)).sort((x, y) => x - y));
          if (policy === 'block') expect(dropped.size).toBe(0);
          for (const key of ['a', 'b', 'c', 'd']) {
            const inOrder = published.filter((n) => events[n]?.key === key && !dropped.has(n));
            expect(started.filter((n) => events[n]?.key === key)).toEqual(inOrder);
            expect(finished.filter((n) => events[n]?.key === key)).toEqual(inOrder);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
