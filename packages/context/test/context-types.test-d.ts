import { createBus, type EventEnvelope } from '@bus/core';
import { describe, expectTypeOf, it } from 'vitest';
import { type BusContext, context, currentContext, withContext } from '../src/index.js';

describe('context types', () => {
  it('withContext returns what its function returns', () => {
    expectTypeOf(withContext({}, () => 42)).toEqualTypeOf<number>();
    expectTypeOf(withContext({}, async () => 'x')).toEqualTypeOf<Promise<string>>();
  });

  it('currentContext may be undefined, and holds the event being handled', () => {
    expectTypeOf(currentContext()).toEqualTypeOf<Readonly<BusContext> | undefined>();
    expectTypeOf<BusContext['event']>().toEqualTypeOf<EventEnvelope | undefined>();
    expectTypeOf<BusContext['correlationId']>().toEqualTypeOf<string | undefined>();
  });

  it('adds nothing to the bus', () => {
    const bus = createBus().use(context());
    // @ts-expect-error context() has no extension
    void bus.context;
  });
});
