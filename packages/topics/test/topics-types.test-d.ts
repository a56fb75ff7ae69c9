import { createBus } from '@bus/core';
import { describe, expectTypeOf, it } from 'vitest';
import { type Acl, type SubscribeAccess, topics } from '../src/index.js';

describe('topics() types', () => {
  it('adds a typed bus.acl', () => {
    const bus = createBus().use(topics());
    expectTypeOf(bus.acl).toEqualTypeOf<Acl>();
    expectTypeOf(bus.acl.isAllowed).returns.toBeBoolean();
    expectTypeOf(bus.acl.subscribeAccess).returns.toEqualTypeOf<SubscribeAccess>();
  });

  it('types rules strictly', () => {
    // @ts-expect-error 'read' is not an action
    topics({ acl: [{ principal: 'a', pattern: 'a.#', action: 'read', effect: 'allow' }] });
    // @ts-expect-error 'maybe' is not an effect
    topics({ defaultEffect: 'maybe' });
  });
});
