import { createBus, type SubscribeOptions } from '@bus/core';
import { describe, expectTypeOf, it } from 'vitest';
import { type BackpressureControls, backpressure, type SubscriptionBackpressure, type SubscriptionStats } from '../src/index.js';

describe('backpressure types', () => {
  it('adds bus.backpressure', () => {
    const bus = createBus().use(backpressure());
    expectTypeOf(bus.backpressure).toEqualTypeOf<BackpressureControls>();
    expectTypeOf(bus.backpressure.stats).returns.toEqualTypeOf<SubscriptionStats | undefined>();
  });

  it('adds a typed backpressure option to subscribe()', () => {
    expectTypeOf<SubscribeOptions['backpressure']>().toEqualTypeOf<SubscriptionBackpressure | false | undefined>();
    const bus = createBus().use(backpressure());
    bus.subscribe('a', () => undefined, { backpressure: { capacity: 10, policy: 'drop-oldest', concurrency: 2 } });
    // @ts-expect-error not a policy
    bus.subscribe('a', () => undefined, { backpressure: { policy: 'drop-everything' } });
  });
});
