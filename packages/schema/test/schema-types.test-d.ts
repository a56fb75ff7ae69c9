import { createBus, type EventEnvelope } from '@bus/core';
import { describe, expectTypeOf, it } from 'vitest';
import { createSchemaRegistry, type SchemaRegistry, schema, type Upcaster, type ValidationResult } from '../src/index.js';

describe('schema types', () => {
  it('adds bus.schemas, typed as the registry', () => {
    const bus = createBus().use(schema({ registry: createSchemaRegistry() }));
    expectTypeOf(bus.schemas).toEqualTypeOf<SchemaRegistry>();
    expectTypeOf(bus.schemas.upcast<{ id: string }>).returns.toEqualTypeOf<EventEnvelope<{ id: string }>>();
  });

  it('says validation may be asynchronous', () => {
    expectTypeOf(createSchemaRegistry().validate).returns.toEqualTypeOf<ValidationResult | Promise<ValidationResult>>();
  });

  it('types an upcaster step by the shapes it reads and makes', () => {
    const step: Upcaster<{ a: number }, { b: number }> = { from: '1', to: '2', upcast: (data) => ({ b: data.a }) };
    expectTypeOf(step.upcast).parameter(0).toEqualTypeOf<{ a: number }>();
    // @ts-expect-error a step must make the `to` shape
    const wrong: Upcaster<{ a: number }, { b: number }> = { from: '1', to: '2', upcast: (data) => ({ c: data.a }) };
    void wrong;
  });

  it('accepts typed steps in the plugin options', () => {
    const step: Upcaster<{ a: number }, { b: number }> = { from: '1', to: '2', upcast: (data) => ({ b: data.a }) };
    expectTypeOf(schema).toBeCallableWith({ registry: createSchemaRegistry(), upcasters: { t: [step] } });
  });
});
