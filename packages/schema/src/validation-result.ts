/** What validating one value against one registered schema gives. */
import type { ErrorObject } from 'ajv';
import type { StandardSchemaIssue } from './standard-schema.js';

/**
 * The value matched its schema.
 *
 * @example
 * ```ts
 * const result = registry.validate('orders.created', '1', { id: 'o-1' });
 * if (!(result instanceof Promise) && result.valid) console.log(result.value);
 * ```
 */
export interface ValidationSuccess {
  /** Always `true`. */
  readonly valid: true;
  /** The value: the data itself for JSON Schemas, the schema's output for Standard Schemas. */
  readonly value: unknown;
}

/**
 * The value did not match its schema.
 *
 * @example
 * ```ts
 * const result = await registry.validate('orders.created', '1', { id: 42 });
 * if (!result.valid) console.warn(result.message, result.errors ?? result.issues);
 * ```
 */
export interface ValidationFailure {
  /** Always `false`. */
  readonly valid: false;
  /** A one-line summary of what is wrong. */
  readonly message: string;
  /** ajv's errors, for a JSON Schema. */
  readonly errors?: readonly ErrorObject[];
  /** The issues, for a Standard Schema. */
  readonly issues?: readonly StandardSchemaIssue[];
}

/**
 * The outcome of a validation.
 *
 * @example
 * ```ts
 * const result: ValidationResult = await registry.validate('orders.created', undefined, order);
 * ```
 */
export type ValidationResult = ValidationSuccess | ValidationFailure;
