import { BusError, createBus, type DeadLetteredEvent } from '@bus/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { memoryDeadLetterSink, type ResilienceOptions, resilience } from '../src/index.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

/** A bus whose `calls` subscription fails while `health.down`. */
async function dependencyBus(options: ResilienceOptions) {
  const bus = createBus().use(resilience({ deadLetter: memoryDeadLetterSink(), ...options }));
  const health = { down: true, calls: 0 };
  const deadLettered: DeadLetteredEvent[] = [];
  bus.events.on('deadLettered', (event) => void deadLettered.push(event));
  const handle = bus.subscribe('calls', () => {
    health.calls++;
    if (health.down) throw new Error('dependency down');
  });
  await bus.start();
  const publish = async (data: unknown): Promise<void> => {
    const published = bus.publish('calls', data);
    await vi.runAllTimersAsync();
    await published;
  };
  return { bus, handle, health, deadLettered, publish, circuit: () => bus.resilience.circuit(handle.id) };
}

describe('circuit breaker (consecutive)', () => {
  it('opens after N failures in a row; then attempts fail with CIRCUIT_OPEN without calling the handler', async () => {
    const { health, deadLettered, publish, circuit } = await dependencyBus({
      retry: false,
      circuitBreaker: { failures: 3, halfOpenAfterMs: 1000 },
    });
    expect(circuit()).toBe('closed');
    for (let n = 0; n < 3; n++) await publish(n);
    expect(circuit()).toBe('open');
    expect(health.calls).toBe(3);
    await publish(3);
    expect(health.calls).toBe(3);
    expect(deadLettered.map(({ error }) => error.code)).toEqual(['HANDLER_FAILED', 'HANDLER_FAILED', 'HANDLER_FAILED', 'CIRCUIT_OPEN']);
  });

  it('lets one trial attempt through after halfOpenAfterMs: success closes the circuit, failure opens it again', async () => {
    const { health, publish, circuit } = await dependencyBus({ retry: false, circuitBreaker: { failures: 2, halfOpenAfterMs: 1000 } });
    await publish(1);
    await publish(2);
    expect(circuit()).toBe('open');
    vi.advanceTimersByTime(1000);
    await publish(3); // the trial fails
    expect(circuit()).toBe('open');
    expect(health.calls).toBe(3);
    vi.advanceTimersByTime(1000);
    health.down = false;
    await publish(4); // the trial succeeds
    expect(circuit()).toBe('closed');
    expect(health.calls).toBe(4);
  });

  it('rides out a short outage: CIRCUIT_OPEN is retryable, so backed-off retries reach the half-open trial', async () => {
    const { health, deadLettered, publish, circuit } = await dependencyBus({
      retry: { maxAttempts: 10, initialDelayMs: 400, maxDelayMs: 400 },
      circuitBreaker: { failures: 2, halfOpenAfterMs: 1000 },
    });
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    setTimeout(() => {
      health.down = false;
    }, 1500);
    await publish('x');
    expect(deadLettered).toEqual([]);
    expect(circuit()).toBe('closed');
    expect(health.calls).toBeLessThan(10); // attempts while open never reached the handler
    vi.restoreAllMocks();
  });

  it('does not count failures marked not retryable: a bad event is not a sick dependency', async () => {
    const bus = createBus().use(resilience({ retry: false, circuitBreaker: { failures: 2 } }));
    const handle = bus.subscribe('calls', () => {
      throw new BusError('SCHEMA_INVALID', 'bad event');
    });
    await bus.start();
    for (let n = 0; n < 5; n++) await bus.publish('calls', n);
    expect(bus.resilience.circuit(handle.id)).toBe('closed');
    await bus.stop();
  });

  it('keeps one breaker per subscription', async () => {
    const bus = createBus().use(resilience({ retry: false, circuitBreaker: { failures: 1 } }));
    const failing = bus.subscribe('calls', () => {
      throw new Error('down');
    });
    const healthy = bus.subscribe('calls', () => undefined);
    const plain = bus.subscribe('calls', () => undefined, { resilience: { circuitBreaker: false } });
    await bus.start();
    await bus.publish('calls', 1);
    expect(bus.resilience.circuit(failing.id)).toBe('open');
    expect(bus.resilience.circuit(healthy.id)).toBe('closed');
    expect(bus.resilience.circuit(plain.id)).toBeUndefined();
    await bus.stop();
  });
});

describe('circuit breaker (sampling)', () => {
  it('opens when the failure rate over the window passes the threshold', async () => {
    const { health, publish, circuit } = await dependencyBus({
      retry: false,
      circuitBreaker: { kind: 'sampling', threshold: 0.5, durationMs: 10_000, minimumRps: 0.5 }, // at least 5 attempts in the window
    });
    health.down = false;
    for (let n = 0; n < 4; n++) await publish(n);
    health.down = true;
    for (let n = 0; n < 3; n++) await publish(n);
    expect(circuit()).toBe('closed'); // 3 of 7 failed
    await publish(8);
    await publish(9);
    expect(circuit()).toBe('open'); // more than half failed
  });
});
