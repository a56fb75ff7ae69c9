import { createBus, type PublishOptions } from '@bus/core';
import { describe, expectTypeOf, it } from 'vitest';
import { type AppendResult, type BusEventStore, type ExpectedVersion, memoryBackend, type ReplayResult, store } from '../src/index.js';

describe('store() types', () => {
  it('adds a typed bus.eventStore with replay', () => {
    const bus = createBus().use(store({ backend: memoryBackend() }));
    expectTypeOf(bus.eventStore).toEqualTypeOf<BusEventStore>();
    expectTypeOf(bus.eventStore.replay()).toEqualTypeOf<Promise<ReplayResult>>();
    expectTypeOf(bus.eventStore.append('s', { type: 'e' })).toEqualTypeOf<Promise<AppendResult>>();
  });

  it('adds expectedVersion and stream to the publish options', () => {
    expectTypeOf<PublishOptions['expectedVersion']>().toEqualTypeOf<ExpectedVersion | undefined>();
    expectTypeOf<PublishOptions['stream']>().toEqualTypeOf<string | undefined>();
  });
});
