/**
 * One-off validation of a value against a JSON Schema that is not in a
 * registry: for code (a legacy `validate(schema, payload)` API, a config
 * check) that holds the schema itself. Compiled schemas are cached by their
 * JSON text, a bounded number of them, so a schema literal built on every call
 * is compiled once and memory stays flat.
 */
import { BusError } from '@bus/core';
import { Ajv, type AsyncValidateFunction, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { JsonSchema } from './schema-registry.js';
import type { ValidationResult } from './validation-result.js';

/** How many compiled one-off schemas are kept; the least recently used goes first. */
const CACHE_SIZE = 256;

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction | AsyncValidateFunction>();

/**
 * Validates `data` against `schema` (a JSON Schema, draft-07 by default, with
 * ajv-formats, all errors reported), the same way a registered schema
 * validates: synchronously, or with a promise for a `$async` schema. For
 * schemas used again and again by event type, prefer a
 * {@link createSchemaRegistry | registry}.
 *
 * Throws `BusError` `CONFIG_INVALID` when `schema` is not a JSON Schema (an
 * object or a boolean that serializes to JSON) or does not compile.
 *
 * @example
 * ```ts
 * const result = validateJsonSchema({ type: 'object', required: ['x'], properties: { x: { type: 'number' } } }, { x: 'bad' });
 * if (!(result instanceof Promise) && !result.valid) console.warn(result.message); // "data/x must be number"
 * ```
 */
export function validateJsonSchema(schema: JsonSchema, data: unknown): ValidationResult | Promise<ValidationResult> {
  const check = compile(schema);
  const failure = (errors: readonly ErrorObject[] | null | undefined): ValidationResult => ({
    valid: false,
    message: (ajv as Ajv).errorsText(errors as ErrorObject[] | null | undefined, { dataVar: 'data' }),
    errors: errors ?? [],
  });
  if ((check as AsyncValidateFunction).$async === true) {
    return (check as AsyncValidateFunction)(data).then(
      (): ValidationResult => ({ valid: true, value: data }),
      (error: unknown) => {
        if (error instanceof Ajv.ValidationError) return failure(error.errors as ErrorObject[]);
        throw error;
      },
    );
  }
  const syncCheck = check as ValidateFunction;
  return syncCheck(data) ? { valid: true, value: data } : failure(syncCheck.errors);
}

function compile(schema: JsonSchema): ValidateFunction | AsyncValidateFunction {
  if (typeof schema !== 'boolean' && (typeof schema !== 'object' || schema === null || Array.isArray(schema))) {
    throw new BusError('CONFIG_INVALID', `A JSON Schema must be an object or a boolean, got ${describe(schema)}.`);
  }
  let key: string;
  try {
    key = JSON.stringify(schema);
  } catch (error) {
    throw new BusError('CONFIG_INVALID', `The JSON Schema cannot be serialized as JSON: ${messageOf(error)}`, { cause: error });
  }
  const cached = compiled.get(key);
  if (cached !== undefined) {
    // Most recently used last, so eviction takes the least recently used.
    compiled.delete(key);
    compiled.set(key, cached);
    return cached;
  }
  ajv ??= newAjv();
  let check: ValidateFunction | AsyncValidateFunction;
  try {
    check = ajv.compile(schema);
  } catch (error) {
    throw new BusError('CONFIG_INVALID', `The JSON Schema does not compile: ${messageOf(error)}`, { cause: error });
  } finally {
    // ajv keeps every schema it compiled (by object, and by $id); this cache is the bounded one.
    if (typeof schema === 'object') ajv.removeSchema(schema);
  }
  compiled.set(key, check);
  if (compiled.size > CACHE_SIZE) compiled.delete(compiled.keys().next().value as string);
  return check;
}

function newAjv(): Ajv {
  const instance = new Ajv({ allErrors: true });
  // ajv-formats is CommonJS: under NodeNext its default import is the module object.
  addFormats.default(instance);
  return instance;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
