import { type Bus, definePlugin, memoryTransport, type SubscriptionHandle } from '@bus/core';
import { describe, expectTypeOf, it } from 'vitest';
import { describeTransportConformance, type TransportConformanceOptions, waitFor } from '../src/index.js';

describe('TransportConformanceOptions', () => {
  it('accepts plugins that extend the bus and plugins that do not', () => {
    const extending = definePlugin({ name: 'counter', setup: () => ({ counts: new Map<string, number>() }) });
    const plain = definePlugin({ name: 'plain', setup: () => undefined });
    expectTypeOf({ createTransport: memoryTransport, plugins: () => [extending, plain] }).toExtend<TransportConformanceOptions>();
  });

  it('accepts synchronous and asynchronous transport factories and readiness hooks', () => {
    expectTypeOf({ createTransport: async () => memoryTransport() }).toExtend<TransportConformanceOptions>();
    expectTypeOf<TransportConformanceOptions['subscriptionReady']>().toEqualTypeOf<
      ((handle: SubscriptionHandle, bus: Bus) => void | Promise<void>) | undefined
    >();
  });

  it('takes wildcard router plugins as a factory, like plugins', () => {
    expectTypeOf<TransportConformanceOptions['wildcardPlugins']>().toEqualTypeOf<TransportConformanceOptions['plugins']>();
  });

  it('requires createTransport', () => {
    expectTypeOf({ typePrefix: 'x' }).not.toExtend<TransportConformanceOptions>();
  });
});

describe('exports', () => {
  it('describeTransportConformance registers and returns nothing; waitFor resolves to void', () => {
    expectTypeOf(describeTransportConformance).returns.toEqualTypeOf<void>();
    expectTypeOf(waitFor).returns.toEqualTypeOf<Promise<void>>();
  });
});
