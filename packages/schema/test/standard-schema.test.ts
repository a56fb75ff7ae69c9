import { type Bus, createBus, type EventEnvelope } from '@bus/core';
import * as v from 'valibot';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSchemaRegistry, isStandardSchema, type SchemaInvalidDetails, type StandardSchema, schema } from '../src/index.js';

const buses: Bus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.stop()));
});

/** A Standard Schema written by hand: a positive number, answered sync or async. */
function positiveNumber(mode: 'sync' | 'async'): StandardSchema {
  const check = (value: unknown) =>
    typeof value === 'number' && value > 0 ? { value } : { issues: [{ message: 'must be a positive number', path: ['reading'] }] };
  return {
    '~standard': {
      version: 1,
      vendor: 'hand-written',
      validate: (value) => (mode === 'sync' ? check(value) : new Promise((resolve) => setTimeout(() => resolve(check(value)), 1))),
    },
  };
}

const UserSignedUp = v.object({ email: v.pipe(v.string(), v.email()), name: v.string() });

const takenEmails = new Set(['taken@example.com']);
const UserSignedUpAsync = v.objectAsync({
  email: v.pipeAsync(
    v.string(),
    v.checkAsync(async (email) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return !takenEmails.has(email);
    }, 'email is taken'),
  ),
});

describe('Standard Schema support', () => {
  it('recognises Standard Schemas and tells them from JSON Schemas', () => {
    expect(isStandardSchema(UserSignedUp)).toBe(true);
    expect(isStandardSchema(positiveNumber('sync'))).toBe(true);
    expect(isStandardSchema({ type: 'object' })).toBe(false);
    expect(isStandardSchema(null)).toBe(false);
  });

  it('validates with a valibot schema, synchronously, and reports its issues', () => {
    const registry = createSchemaRegistry().register('users.signed-up', UserSignedUp);
    expect(registry.validate('users.signed-up', '1', { email: 'a@example.com', name: 'A' })).toEqual({
      valid: true,
      value: { email: 'a@example.com', name: 'A' },
    });
    const result = registry.validate('users.signed-up', '1', { email: 'nope', name: 'A' });
    expect(result).toMatchObject({ valid: false, issues: [expect.objectContaining({ message: expect.stringContaining('email') })] });
    expect(result).toMatchObject({ message: expect.stringMatching(/^email: /) });
  });

  it('rejects a publish that a valibot schema refuses, with its issues in details; nothing is delivered', async () => {
    const bus = createBus().use(schema({ registry: createSchemaRegistry().register('users.signed-up', UserSignedUp) }));
    const handler = vi.fn();
    bus.subscribe('users.signed-up', handler);
    buses.push(bus);
    await bus.start();
    await bus.publish('users.signed-up', { email: 'a@example.com', name: 'A' });
    const failure = await bus.publish('users.signed-up', { email: 'a@example.com' }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'SCHEMA_INVALID' });
    const details = (failure as { details: SchemaInvalidDetails }).details;
    expect(details.issues?.[0]?.path).toEqual([expect.objectContaining({ key: 'name' })]);
    expect(handler).toHaveBeenCalledOnce();
  });

  it('awaits an async valibot schema on publish', async () => {
    const bus = createBus().use(schema({ registry: createSchemaRegistry().register('users.signed-up', UserSignedUpAsync) }));
    const seen: unknown[] = [];
    bus.subscribe('users.signed-up', (event) => void seen.push(event.data));
    buses.push(bus);
    await bus.start();
    await bus.publish('users.signed-up', { email: 'new@example.com' });
    await expect(bus.publish('users.signed-up', { email: 'taken@example.com' })).rejects.toMatchObject({
      code: 'SCHEMA_INVALID',
      details: { issues: [expect.objectContaining({ message: 'email is taken' })] },
    });
    expect(seen).toEqual([{ email: 'new@example.com' }]);
  });

  it.each(['sync', 'async'] as const)('accepts a hand-written %s Standard Schema on publish and on delivery', async (mode) => {
    const registry = createSchemaRegistry().register('meter.read', positiveNumber(mode));
    const bus = createBus().use(schema({ registry, validateOn: 'both' }));
    const failures: string[] = [];
    bus.events.on('failed', (error) => failures.push(error.code));
    const seen: EventEnvelope[] = [];
    bus.subscribe('meter.read', (event) => void seen.push(event));
    buses.push(bus);
    await bus.start();
    await bus.publish('meter.read', 5);
    await expect(bus.publish('meter.read', -1)).rejects.toMatchObject({
      code: 'SCHEMA_INVALID',
      message: expect.stringContaining('reading: must be a positive number'),
    });
    const report = await bus.dispatch({ type: 'meter.read', data: 0 });
    expect(report.failures.map((error) => error.code)).toEqual(['SCHEMA_INVALID']);
    expect(seen.map((event) => [event.data, event.schemaversion])).toEqual([[5, '1']]);
    expect(failures).toEqual(['SCHEMA_INVALID']);
  });

  it('turns a Standard Schema that throws into SCHEMA_INVALID with the cause', () => {
    const throwing: StandardSchema = {
      '~standard': {
        version: 1,
        vendor: 'broken',
        validate: () => {
          throw new TypeError('oops');
        },
      },
    };
    const registry = createSchemaRegistry().register('a', throwing);
    expect(() => registry.validate('a', '1', 1)).toThrowError(
      expect.objectContaining({ code: 'SCHEMA_INVALID', cause: expect.any(TypeError), message: expect.stringContaining('broken') }),
    );
  });
});
