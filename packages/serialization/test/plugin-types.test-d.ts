import { createBus } from '@bus/core';
import { describe, expectTypeOf, it } from 'vitest';
import { type CodecRegistry, serialization } from '../src/index.js';

describe('serialization() types', () => {
  it('adds a typed bus.codecs', () => {
    const bus = createBus().use(serialization());
    expectTypeOf(bus.codecs).toEqualTypeOf<CodecRegistry>();
  });
});
