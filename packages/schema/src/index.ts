/**
 * `@bus/schema`: a registry of JSON Schemas (ajv) and Standard Schemas (zod,
 * valibot, …) keyed by event type and version; a plugin that validates on
 * publish and/or delivery; upcasters that bring old events to the newest shape.
 *
 * @packageDocumentation
 */

export type { SchemaInvalidDetails, SchemaInvalidReason } from './schema-invalid.js';
export type { SchemaExtension, SchemaPluginOptions } from './schema-plugin.js';
export { schema } from './schema-plugin.js';
export type { JsonSchema, RegisteredSchema, RegisterOptions, SchemaRegistry, SchemaRegistryOptions } from './schema-registry.js';
export { createSchemaRegistry } from './schema-registry.js';
export { compareSchemaVersions } from './schema-version.js';
export type {
  StandardSchema,
  StandardSchemaIssue,
  StandardSchemaPathSegment,
  StandardSchemaProps,
  StandardSchemaResult,
} from './standard-schema.js';
export { isStandardSchema } from './standard-schema.js';
export type { Upcaster } from './upcaster.js';
export { validateJsonSchema } from './validate-json-schema.js';
export type { ValidationFailure, ValidationResult, ValidationSuccess } from './validation-result.js';
