import { createBus, type Plugin } from '@bus/core';
import { describe, expectTypeOf, it } from 'vitest';
import { type MetricsExtension, metrics } from '../src/index.js';

describe('metrics() types', () => {
  it('adds bus.metrics to the bus it is used on', () => {
    expectTypeOf(metrics()).toEqualTypeOf<Plugin<MetricsExtension>>();
    const bus = createBus().use(metrics());
    expectTypeOf(bus.metrics.inFlight()).toEqualTypeOf<ReadonlyMap<string, number>>();
  });

  it('accepts only known processParent values', () => {
    // @ts-expect-error: 'parent' is not a processParent
    metrics({ processParent: 'parent' });
  });
});
