import { createBus, type DeadLetteredEvent } from '@bus/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryDeadLetterSink, resilience } from '../src/index.js';

afterEach(() => vi.useRealTimers());

describe('poison events among many', () => {
  it('dead-letters each poison event after exactly maxAttempts attempts, delivers the rest once, and redrives each poison once', async () => {
    vi.useFakeTimers({ now: 0 });
    const maxAttempts = 4;
    const total = 2000;
    const poison = new Set(Array.from({ length: 20 }, (_, i) => i * 100 + 37)); // 1%
    const bus = createBus().use(
      resilience({ retry: { maxAttempts, initialDelayMs: 10, maxDelayMs: 1000 }, deadLetter: memoryDeadLetterSink() }),
    );
    const deadLettered: DeadLetteredEvent[] = [];
    bus.events.on('deadLettered', (event) => void deadLettered.push(event));
    const attempts = new Map<number, number>();
    const delivered = new Map<number, number>();
    const attemptNumbers = new Map<number, number[]>();
    let fixed = false;
    bus.subscribe<number>('orders.imported', async (event, ctx) => {
      attempts.set(event.data, (attempts.get(event.data) ?? 0) + 1);
      attemptNumbers.set(event.data, [...(attemptNumbers.get(event.data) ?? []), ctx.attempt]);
      await Promise.resolve();
      if (poison.has(event.data) && !fixed) throw new Error(`cannot import order ${event.data}`);
      delivered.set(event.data, (delivered.get(event.data) ?? 0) + 1);
    });
    await bus.start();

    const publishes = Array.from({ length: total }, (_, n) => bus.publish('orders.imported', n));
    await vi.runAllTimersAsync();
    await Promise.all(publishes);

    expect(new Set(deadLettered.map(({ event }) => event.data))).toEqual(poison);
    expect(deadLettered).toHaveLength(poison.size);
    expect(deadLettered.every(({ attempts: made }) => made === maxAttempts)).toBe(true);
    for (const n of poison) expect(attemptNumbers.get(n)).toEqual([1, 2, 3, 4]);
    for (let n = 0; n < total; n++) {
      if (!poison.has(n)) {
        expect(attempts.get(n)).toBe(1);
        expect(delivered.get(n)).toBe(1);
      }
    }
    expect(await bus.deadLetters.list()).toHaveLength(poison.size);

    fixed = true;
    const redrive = bus.deadLetters.redrive({ type: 'orders.imported' });
    await vi.runAllTimersAsync();
    const report = await redrive;
    expect(report.redriven).toHaveLength(poison.size);
    expect(report.failures).toEqual([]);
    for (const n of poison) {
      expect(delivered.get(n)).toBe(1);
      expect(attemptNumbers.get(n)).toEqual([1, 2, 3, 4, 1]); // one more delivery, a first attempt
    }
    expect(delivered.size).toBe(total);
    expect([...delivered.values()].every((times) => times === 1)).toBe(true);
    expect(await bus.deadLetters.list()).toEqual([]);
    await bus.stop();
  });
});
