import { type Bus, BusError, createBus, type DeadLetteredEvent, definePlugin } from '@bus/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { memoryDeadLetterSink, type ResilienceOptions, resilience } from '../src/index.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

async function busWith(options: ResilienceOptions = {}) {
  const bus = createBus().use(resilience({ deadLetter: memoryDeadLetterSink(), ...options }));
  const deadLettered: DeadLetteredEvent[] = [];
  bus.events.on('deadLettered', (event) => void deadLettered.push(event));
  const failed: BusError[] = [];
  bus.events.on('failed', (error) => void failed.push(error));
  return { bus, deadLettered, failed };
}

/** Publishes and runs every timer (the backoffs) until the delivery settled. */
async function publishThroughBackoff(bus: Bus, type: string, data: unknown): Promise<void> {
  const published = bus.publish(type, data);
  await vi.runAllTimersAsync();
  await published;
}

describe('retry', () => {
  it('retries a failing handler, counting attempts on ctx.attempt, until it succeeds', async () => {
    const { bus, deadLettered } = await busWith({ retry: { maxAttempts: 3 } });
    const attempts: number[] = [];
    bus.subscribe('orders.created', (_event, ctx) => {
      attempts.push(ctx.attempt);
      if (ctx.attempt < 3) throw new Error(`flaky ${ctx.attempt}`);
    });
    await bus.start();
    await publishThroughBackoff(bus, 'orders.created', {});
    expect(attempts).toEqual([1, 2, 3]);
    expect(deadLettered).toEqual([]);
    await bus.stop();
  });

  it('waits an exponentially growing, fully jittered backoff between attempts, capped at maxDelayMs', async () => {
    const { bus } = await busWith({ retry: { maxAttempts: 5, initialDelayMs: 100, maxDelayMs: 250 } });
    const at: number[] = [];
    bus.subscribe('a', () => {
      at.push(Date.now());
      throw new Error('down');
    });
    await bus.start();
    vi.spyOn(Math, 'random').mockReturnValue(0.999); // the top of each jitter range
    await publishThroughBackoff(bus, 'a', 1);
    // ceilings 100, 200, 400 → 250 (capped), 800 → 250: delays just under each
    expect(at).toEqual([0, 99, 99 + 199, 99 + 199 + 249, 99 + 199 + 249 + 249]);

    at.length = 0;
    vi.spyOn(Math, 'random').mockReturnValue(0); // the bottom: full jitter may retry at once
    const start = Date.now();
    await publishThroughBackoff(bus, 'a', 2);
    expect(at).toEqual([start, start, start, start, start]);
    await bus.stop();
  });

  it('dead-letters a failure that is not retryable after one attempt (a BusError code, or retryable: false)', async () => {
    const { bus, deadLettered } = await busWith({ retry: { maxAttempts: 5 } });
    let calls = 0;
    bus.subscribe<string>('a', (event) => {
      calls++;
      if (event.data === 'schema') throw new BusError('SCHEMA_INVALID', 'bad shape');
      throw Object.assign(new Error('bad input'), { retryable: false });
    });
    await bus.start();
    await publishThroughBackoff(bus, 'a', 'schema');
    await publishThroughBackoff(bus, 'a', 'flagged');
    expect(calls).toBe(2);
    expect(deadLettered.map(({ error, attempts }) => [error.code, error.retryable, attempts])).toEqual([
      ['SCHEMA_INVALID', false, 1],
      ['HANDLER_FAILED', false, 1],
    ]);
    await bus.stop();
  });

  it('asks a custom retryable predicate, with the error and the event', async () => {
    const { bus, deadLettered } = await busWith({
      retry: { maxAttempts: 4, retryable: (error, event) => error.message !== 'fatal' && event.data !== 'never' },
    });
    const calls: string[] = [];
    bus.subscribe<string>('a', (event) => {
      calls.push(event.data);
      throw new Error(event.data === 'fatal' ? 'fatal' : 'transient');
    });
    await bus.start();
    for (const data of ['fatal', 'never', 'again']) await publishThroughBackoff(bus, 'a', data);
    expect(calls).toEqual(['fatal', 'never', 'again', 'again', 'again', 'again']);
    expect(deadLettered.map(({ attempts }) => attempts)).toEqual([1, 1, 4]);
    await bus.stop();
  });

  it('makes one attempt with retry: false, and lets a subscription override the defaults', async () => {
    const { bus } = await busWith({ retry: false });
    let once = 0;
    let thrice = 0;
    bus.subscribe('a', () => {
      once++;
      throw new Error('x');
    });
    bus.subscribe(
      'a',
      () => {
        thrice++;
        throw new Error('x');
      },
      { resilience: { retry: { maxAttempts: 3 } } },
    );
    await bus.start();
    await publishThroughBackoff(bus, 'a', 1);
    expect([once, thrice]).toEqual([1, 3]);
    await bus.stop();
  });

  it('leaves a subscription with resilience: false alone: one call, failures reported by the kernel', async () => {
    const { bus, failed, deadLettered } = await busWith();
    let calls = 0;
    bus.subscribe(
      'a',
      () => {
        calls++;
        throw new Error('x');
      },
      { resilience: false },
    );
    await bus.start();
    await publishThroughBackoff(bus, 'a', 1);
    expect(calls).toBe(1);
    expect(failed.map((error) => error.code)).toEqual(['HANDLER_FAILED']);
    expect(deadLettered).toEqual([]);
    await bus.stop();
  });

  it('keeps a succeeding synchronous handler synchronous (emit returns after it ran)', async () => {
    const { bus } = await busWith();
    const seen: unknown[] = [];
    bus.subscribe('tick', (event) => void seen.push(event.data));
    await bus.start();
    bus.emit('tick', 1);
    expect(seen).toEqual([1]);
    await bus.stop();
  });

  it('refuses bad options with PLUGIN_INVALID or INVALID_SUBSCRIPTION', () => {
    expect(() => resilience({ retry: { maxAttempts: 0 } })).toThrowError(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
    expect(() => resilience({ timeoutMs: -5 })).toThrowError(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
    expect(() => resilience({ circuitBreaker: { failures: 0 } })).toThrowError(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
    expect(() => resilience({ circuitBreaker: { kind: 'sampling', threshold: 2, durationMs: 1000 } })).toThrowError(
      expect.objectContaining({ code: 'PLUGIN_INVALID' }),
    );
    expect(() => resilience({ deadLetter: {} as never })).toThrowError(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
    const bus = createBus().use(resilience());
    expect(() => bus.subscribe('a', () => undefined, { resilience: { retry: { initialDelayMs: Number.NaN } } })).toThrowError(
      expect.objectContaining({ code: 'INVALID_SUBSCRIPTION' }),
    );
  });
});

describe('place in the handle phase', () => {
  it('runs last: handle middleware ordered before it runs once per delivery, around every attempt', async () => {
    const trail: string[] = [];
    const bus = createBus()
      .use(resilience({ retry: { maxAttempts: 3, initialDelayMs: 0 } }))
      .use(
        definePlugin({
          name: 'timing',
          setup(kernel) {
            kernel.useDeliver('handle', async function timing(_ctx, next) {
              trail.push('timing in');
              await next();
              trail.push('timing out');
            });
          },
        }),
      );
    bus.subscribe('a', (_event, ctx) => {
      trail.push(`attempt ${ctx.attempt}`);
      if (ctx.attempt < 3) throw new Error('flaky');
    });
    await bus.start();
    await publishThroughBackoff(bus, 'a', 1);
    expect(trail).toEqual(['timing in', 'attempt 1', 'attempt 2', 'attempt 3', 'timing out']);
    await bus.stop();
  });
});
