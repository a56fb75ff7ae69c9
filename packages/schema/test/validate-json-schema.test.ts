import { BusError } from '@bus/core';
import { describe, expect, it } from 'vitest';
import { type ValidationResult, validateJsonSchema } from '../src/index.js';

const point = { type: 'object', required: ['x'], properties: { x: { type: 'number' }, label: { type: 'string' } } };

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'returned';
  } catch (error) {
    return BusError.is(error) ? error.code : `crash: ${String(error)}`;
  }
}

describe('validateJsonSchema (one-off, no registry)', () => {
  it('accepts matching data, giving it back as the value', () => {
    expect(validateJsonSchema(point, { x: 10 })).toEqual({ valid: true, value: { x: 10 } });
  });

  it('rejects data with every error and a one-line message', () => {
    const result = validateJsonSchema(point, { x: 'bad', label: 3 }) as ValidationResult;
    expect(result.valid).toBe(false);
    if (result.valid) return;
    expect(result.message).toMatch(/data\/x must be number/);
    expect(result.message).toMatch(/data\/label must be string/);
    expect(result.errors?.map((error) => error.instancePath)).toEqual(['/x', '/label']);
  });

  it('reports a missing required property', () => {
    const result = validateJsonSchema(point, {}) as ValidationResult;
    expect(result).toMatchObject({ valid: false, message: "data must have required property 'x'" });
  });

  it('checks formats (ajv-formats) and boolean schemas', () => {
    expect((validateJsonSchema({ type: 'string', format: 'email' }, 'nope') as ValidationResult).valid).toBe(false);
    expect((validateJsonSchema(true, 'anything') as ValidationResult).valid).toBe(true);
    expect((validateJsonSchema(false, 'anything') as ValidationResult).valid).toBe(false);
  });

  it('validates a fresh but equal schema object the same way (cached by its JSON)', () => {
    for (let i = 0; i < 3; i++) {
      expect((validateJsonSchema({ ...point }, { x: i }) as ValidationResult).valid).toBe(true);
      expect((validateJsonSchema({ ...point }, { x: String(i) }) as ValidationResult).valid).toBe(false);
    }
  });

  it('compiles a schema with an $id again and again without "already exists" errors', () => {
    const withId = { $id: 'https://example.com/point', ...point };
    expect((validateJsonSchema(withId, { x: 1 }) as ValidationResult).valid).toBe(true);
    expect((validateJsonSchema({ ...withId, required: ['x', 'label'] }, { x: 1 }) as ValidationResult).valid).toBe(false);
  });

  it('keeps working past the cache size (least recently used evicted)', () => {
    for (let i = 0; i < 300; i++) {
      expect((validateJsonSchema({ type: 'object', required: [`k${i}`] }, { [`k${i}`]: 1 }) as ValidationResult).valid).toBe(true);
    }
    expect((validateJsonSchema(point, { x: 'still checked' }) as ValidationResult).valid).toBe(false);
  });

  it('returns a promise for an $async schema', async () => {
    const result = validateJsonSchema({ $async: true, type: 'object', required: ['x'] }, {});
    expect(result).toBeInstanceOf(Promise);
    expect(await result).toMatchObject({ valid: false });
    expect(await validateJsonSchema({ $async: true, type: 'object' }, {})).toEqual({ valid: true, value: {} });
  });

  it('refuses what is not a JSON Schema with CONFIG_INVALID', () => {
    expect(codeOf(() => validateJsonSchema(null as never, {}))).toBe('CONFIG_INVALID');
    expect(codeOf(() => validateJsonSchema([] as never, {}))).toBe('CONFIG_INVALID');
    expect(codeOf(() => validateJsonSchema('object' as never, {}))).toBe('CONFIG_INVALID');
    expect(codeOf(() => validateJsonSchema({ type: 'no-such-type' }, {}))).toBe('CONFIG_INVALID');
    const cyclic: Record<string, unknown> = { type: 'object' };
    cyclic.self = cyclic;
    expect(codeOf(() => validateJsonSchema(cyclic, {}))).toBe('CONFIG_INVALID');
  });
});
