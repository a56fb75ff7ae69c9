import { createBus, type DeadLetteredEvent } from '@bus/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { memoryDeadLetterSink, type ResilienceOptions, resilience } from '../src/index.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

async function started(options: ResilienceOptions, handler: Parameters<ReturnType<typeof createBus>['subscribe']>[1]) {
  const bus = createBus().use(resilience({ deadLetter: memoryDeadLetterSink(), ...options }));
  const deadLettered: DeadLetteredEvent[] = [];
  bus.events.on('deadLettered', (event) => void deadLettered.push(event));
  bus.subscribe('jobs', handler);
  await bus.start();
  return { bus, deadLettered };
}

/** Resolves when `signal` aborts; never otherwise. */
function aborted(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted by the signal'))));
}

describe('timeout, aggressive (the default)', () => {
  it('fails an attempt with HANDLER_TIMEOUT at the deadline and aborts ctx.signal, even if the handler ignores it', async () => {
    const signals: AbortSignal[] = [];
    const { bus, deadLettered } = await started({ timeoutMs: 50, retry: { maxAttempts: 2, initialDelayMs: 0 } }, (_event, ctx) => {
      if (ctx.signal !== undefined) signals.push(ctx.signal);
      return new Promise<void>(() => undefined); // never settles, ignores the signal
    });
    const published = bus.publish('jobs', 1);
    await vi.advanceTimersByTimeAsync(49);
    expect(signals).toHaveLength(1);
    expect(signals[0]?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(signals[0]?.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(60); // a backoff timer (at least 1 ms), then the second deadline
    await published;
    expect(signals).toHaveLength(2); // a fresh signal per attempt
    expect(signals[1]).not.toBe(signals[0]);
    expect(deadLettered.map(({ error, attempts }) => [error.code, attempts])).toEqual([['HANDLER_TIMEOUT', 2]]);
    await bus.stop({ drain: false });
  });

  it('lets a handler that finishes in time succeed', async () => {
    const { bus, deadLettered } = await started({ timeoutMs: 50 }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 40));
    });
    const published = bus.publish('jobs', 1);
    await vi.advanceTimersByTimeAsync(40);
    await published;
    expect(deadLettered).toEqual([]);
    await bus.stop();
  });
});

describe('timeout, cooperative', () => {
  it('aborts ctx.signal at the deadline; a handler that stops on it fails the attempt with HANDLER_TIMEOUT', async () => {
    let calls = 0;
    const { bus, deadLettered } = await started(
      { timeoutMs: 50, timeoutStrategy: 'cooperative', retry: { maxAttempts: 3, initialDelayMs: 0 } },
      (_event, ctx) => {
        calls++;
        return aborted(ctx.signal);
      },
    );
    const published = bus.publish('jobs', 1);
    await vi.advanceTimersByTimeAsync(200);
    await published;
    expect(calls).toBe(3);
    expect(deadLettered[0]?.error).toMatchObject({
      code: 'HANDLER_TIMEOUT',
      cause: expect.objectContaining({ message: 'aborted by the signal' }),
    });
    await bus.stop();
  });

  it('waits for a handler that ignores the signal, and counts it a success when it finishes', async () => {
    let finished = false;
    const { bus, deadLettered } = await started({ timeoutMs: 50, timeoutStrategy: 'cooperative' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 80));
      finished = true;
    });
    const published = bus.publish('jobs', 1);
    await vi.advanceTimersByTimeAsync(80);
    await published;
    expect(finished).toBe(true);
    expect(deadLettered).toEqual([]);
    await bus.stop();
  });
});
