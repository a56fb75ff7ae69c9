/**
 * The Standard Schema interface (https://standardschema.dev), version 1: what
 * zod (3.24+), valibot (1.x), ArkType and others implement. The types are
 * copied here, as the spec recommends, so this package needs no runtime
 * dependency for it.
 */

/**
 * A segment of a {@link StandardSchemaIssue} path, when it is not a bare key.
 *
 * @example
 * ```ts
 * const segment: StandardSchemaPathSegment = { key: 'items' };
 * ```
 */
export interface StandardSchemaPathSegment {
  /** The key of this segment. */
  readonly key: PropertyKey;
}

/**
 * One problem a Standard Schema found.
 *
 * @example
 * ```ts
 * const issue: StandardSchemaIssue = { message: 'Expected a number', path: ['total'] };
 * ```
 */
export interface StandardSchemaIssue {
  /** What is wrong. */
  readonly message: string;
  /** Where, from the root of the value. */
  readonly path?: ReadonlyArray<PropertyKey | StandardSchemaPathSegment> | undefined;
}

/**
 * What a Standard Schema's `validate` returns: the (possibly transformed)
 * value, or the issues.
 *
 * @example
 * ```ts
 * const ok: StandardSchemaResult = { value: { id: 'o-1' } };
 * const bad: StandardSchemaResult = { issues: [{ message: 'Required', path: ['id'] }] };
 * ```
 */
export type StandardSchemaResult =
  | { readonly value: unknown; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<StandardSchemaIssue> };

/**
 * The `~standard` property of a Standard Schema.
 *
 * @example
 * ```ts
 * const props: StandardSchemaProps = { version: 1, vendor: 'mine', validate: (value) => ({ value }) };
 * ```
 */
export interface StandardSchemaProps {
  /** The version of the Standard Schema spec: 1. */
  readonly version: 1;
  /** The library that made the schema (`zod`, `valibot`, …). */
  readonly vendor: string;
  /** Validates `value`; may return a promise (for async refinements). */
  readonly validate: (value: unknown) => StandardSchemaResult | Promise<StandardSchemaResult>;
}

/**
 * A Standard Schema: any object with a `~standard` property. zod and valibot
 * schemas are ones; so is a hand-written object.
 *
 * @example
 * ```ts
 * const positive: StandardSchema = {
 *   '~standard': {
 *     version: 1,
 *     vendor: 'hand-written',
 *     validate: (value) => (typeof value === 'number' && value > 0 ? { value } : { issues: [{ message: 'must be a positive number' }] }),
 *   },
 * };
 * registry.register('meter.read', positive);
 * ```
 */
export interface StandardSchema {
  /** The Standard Schema properties. */
  readonly '~standard': StandardSchemaProps;
}

/**
 * Whether `value` is a {@link StandardSchema} (an object or function with a
 * `~standard` property that has a `validate` function).
 *
 * @example
 * ```ts
 * isStandardSchema(v.object({ id: v.string() })); // true
 * isStandardSchema({ type: 'object' }); // false: a JSON Schema
 * ```
 */
export function isStandardSchema(value: unknown): value is StandardSchema {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const props = (value as { '~standard'?: { validate?: unknown } })['~standard'];
  return typeof props === 'object' && props !== null && typeof props.validate === 'function';
}
