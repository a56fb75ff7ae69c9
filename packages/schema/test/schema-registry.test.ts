import { describe, expect, it } from 'vitest';
import { createSchemaRegistry, type SchemaInvalidDetails, type ValidationResult } from '../src/index.js';

const orderV1 = {
  type: 'object',
  required: ['id', 'total'],
  properties: { id: { type: 'string' }, total: { type: 'number' } },
  additionalProperties: false,
};

describe('the schema registry', () => {
  it('keys schemas by type and version, version 1 by default', () => {
    const registry = createSchemaRegistry().register('orders.created', orderV1);
    expect(registry.get('orders.created', '1')).toMatchObject({ type: 'orders.created', version: '1', schema: orderV1 });
    expect(registry.get('orders.created', '2')).toBeUndefined();
    expect(registry.get('users.created')).toBeUndefined();
  });

  it('gives the latest version, by numeric-aware order, when no version is asked for', () => {
    const registry = createSchemaRegistry();
    for (const version of ['2', '10', '9']) registry.register('orders.created', { type: 'object' }, { version });
    expect(registry.versions('orders.created')).toEqual(['2', '9', '10']);
    expect(registry.get('orders.created')?.version).toBe('10');
    expect(registry.versions('nothing')).toEqual([]);
  });

  it('validates with ajv, reporting every error with its path', () => {
    const registry = createSchemaRegistry().register('orders.created', orderV1);
    expect(registry.validate('orders.created', '1', { id: 'o-1', total: 3 })).toEqual({ valid: true, value: { id: 'o-1', total: 3 } });
    const result = registry.validate('orders.created', undefined, { id: 7, extra: true }) as ValidationResult;
    expect(result.valid).toBe(false);
    if (result.valid) return;
    expect(result.errors?.map((error) => `${error.instancePath} ${error.keyword}`)).toEqual(
      expect.arrayContaining(['/id type', ' required', ' additionalProperties']),
    );
    expect(result.message).toContain('data/id must be string');
  });

  it('knows the ajv-formats formats', () => {
    const registry = createSchemaRegistry().register('users.signed-up', {
      type: 'object',
      properties: { email: { type: 'string', format: 'email' }, at: { type: 'string', format: 'date-time' } },
    });
    expect(registry.validate('users.signed-up', '1', { email: 'a@example.com', at: '2026-01-01T00:00:00Z' })).toMatchObject({
      valid: true,
    });
    expect(registry.validate('users.signed-up', '1', { email: 'nope' })).toMatchObject({ valid: false });
  });

  it('compiles each schema once, at registration', () => {
    let compiled = 0;
    const registry = createSchemaRegistry({
      ajv: {
        keywords: [
          {
            keyword: 'counted',
            compile: () => {
              compiled++;
              return () => true;
            },
          },
        ],
      },
    }).register('a', { counted: true });
    expect(compiled).toBe(1);
    for (let i = 0; i < 5; i++) registry.validate('a', '1', {});
    expect(compiled).toBe(1);
  });

  it('validates $async JSON Schemas to a promise', async () => {
    const registry = createSchemaRegistry().register('a', { $async: true, type: 'object', required: ['id'] });
    const ok = registry.validate('a', '1', { id: 1 });
    expect(ok).toBeInstanceOf(Promise);
    await expect(ok).resolves.toMatchObject({ valid: true });
    await expect(registry.validate('a', '1', {})).resolves.toMatchObject({
      valid: false,
      errors: [expect.objectContaining({ keyword: 'required' })],
    });
  });

  it('throws SCHEMA_INVALID for an unknown type or version', () => {
    const registry = createSchemaRegistry().register('orders.created', orderV1);
    expect(() => registry.validate('orders.shipped', undefined, {})).toThrowError(
      expect.objectContaining({ code: 'SCHEMA_INVALID', details: expect.objectContaining({ reason: 'unknown-type' }) }),
    );
    expect(() => registry.validate('orders.created', '2', {})).toThrowError(
      expect.objectContaining({ code: 'SCHEMA_INVALID', details: expect.objectContaining({ reason: 'unknown-version', version: '2' }) }),
    );
  });

  it('refuses a schema that does not compile, with the reason and the cause', () => {
    const registry = createSchemaRegistry();
    let failure: unknown;
    try {
      registry.register('a', { type: 'no-such-type' });
    } catch (error) {
      failure = error;
    }
    expect(failure).toMatchObject({ code: 'SCHEMA_INVALID', message: expect.stringContaining('does not compile') });
    expect((failure as { details: SchemaInvalidDetails }).details).toMatchObject({ reason: 'invalid-schema', type: 'a', version: '1' });
    expect((failure as Error).cause).toBeInstanceOf(Error);
    expect(() => registry.register('a', 'not a schema' as never)).toThrowError(expect.objectContaining({ code: 'SCHEMA_INVALID' }));
  });

  it('refuses a second schema at the same type and version', () => {
    const registry = createSchemaRegistry().register('a', true, { version: '3' });
    expect(() => registry.register('a', true, { version: '3' })).toThrowError(
      expect.objectContaining({ code: 'SCHEMA_INVALID', message: expect.stringContaining("already has a schema at version '3'") }),
    );
  });

  it('refuses an empty type or version', () => {
    expect(() => createSchemaRegistry().register('', true)).toThrowError(expect.objectContaining({ code: 'INVALID_EVENT' }));
    expect(() => createSchemaRegistry().register('a', true, { version: '' })).toThrowError(
      expect.objectContaining({ code: 'SCHEMA_INVALID' }),
    );
  });
});
