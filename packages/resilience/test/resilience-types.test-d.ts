import { createBus, type SubscribeOptions } from '@bus/core';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type CircuitStatus,
  type DeadLetter,
  type DeadLetters,
  type ResilienceControls,
  resilience,
  type SubscriptionResilience,
} from '../src/index.js';

describe('resilience types', () => {
  it('adds bus.deadLetters and bus.resilience', () => {
    const bus = createBus().use(resilience());
    expectTypeOf(bus.deadLetters).toEqualTypeOf<DeadLetters>();
    expectTypeOf(bus.deadLetters.list).returns.toEqualTypeOf<Promise<readonly DeadLetter[]>>();
    expectTypeOf(bus.resilience).toEqualTypeOf<ResilienceControls>();
    expectTypeOf(bus.resilience.circuit).returns.toEqualTypeOf<CircuitStatus | undefined>();
  });

  it('adds a typed resilience option to subscribe()', () => {
    expectTypeOf<SubscribeOptions['resilience']>().toEqualTypeOf<SubscriptionResilience | false | undefined>();
    const bus = createBus().use(resilience());
    bus.subscribe('a', () => undefined, { resilience: { retry: { maxAttempts: 5 }, timeoutMs: 100, circuitBreaker: { failures: 3 } } });
    // @ts-expect-error a sampling breaker needs its threshold and window
    bus.subscribe('a', () => undefined, { resilience: { circuitBreaker: { kind: 'sampling' } } });
  });
});
