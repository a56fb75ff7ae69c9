/**
 * The `SCHEMA_INVALID` errors this package throws, and the structured detail
 * they carry in `BusError.details`.
 */
import { BusError } from '@bus/core';
import type { ErrorObject } from 'ajv';
import type { StandardSchemaIssue } from './standard-schema.js';

/**
 * Why a `SCHEMA_INVALID` error was thrown:
 * - `invalid-data`: the event's `data` does not match its schema;
 * - `unknown-type`: no schema is registered for the type and `unknownTypes` is `'reject'`;
 * - `unknown-version`: the type has schemas, but none of the event's `schemaversion`;
 * - `upcast-failed`: an upcaster threw (the error is the `cause`) or returned a promise;
 * - `invalid-schema`: a schema could not be compiled, or its type and version are already registered;
 * - `invalid-upcaster`: an upcaster chain is broken (a cycle, a missing step, a step backwards, two steps from one version).
 */
export type SchemaInvalidReason =
  | 'invalid-data'
  | 'unknown-type'
  | 'unknown-version'
  | 'upcast-failed'
  | 'invalid-schema'
  | 'invalid-upcaster';

/**
 * What `BusError.details` holds for the `SCHEMA_INVALID` errors of this package.
 *
 * @example
 * ```ts
 * bus.events.on('failed', (error) => {
 *   const details = error.details as SchemaInvalidDetails;
 *   if (details.reason === 'invalid-data') console.warn(details.type, details.version, details.errors ?? details.issues);
 * });
 * ```
 */
export interface SchemaInvalidDetails {
  /** Why. */
  readonly reason: SchemaInvalidReason;
  /** The event type concerned. */
  readonly type: string;
  /** The schema version concerned, when there is one. */
  readonly version: string | undefined;
  /** ajv's errors, when a JSON Schema rejected the data. */
  readonly errors?: readonly ErrorObject[];
  /** The issues, when a Standard Schema rejected the data. */
  readonly issues?: readonly StandardSchemaIssue[];
}

/** Everything about a schema error but its reason, type, version and message. */
export interface SchemaInvalidExtras {
  readonly eventId?: string | undefined;
  readonly cause?: unknown;
  readonly errors?: readonly ErrorObject[] | undefined;
  readonly issues?: readonly StandardSchemaIssue[] | undefined;
}

/**
 * Makes a `SCHEMA_INVALID` {@link BusError} with {@link SchemaInvalidDetails}.
 *
 * @example
 * ```ts
 * throw schemaInvalid('unknown-type', 'orders.created', undefined, 'No schema is registered for orders.created.');
 * ```
 */
export function schemaInvalid(
  reason: SchemaInvalidReason,
  type: string,
  version: string | undefined,
  message: string,
  extras: SchemaInvalidExtras = {},
): BusError {
  const details: SchemaInvalidDetails = {
    reason,
    type,
    version,
    ...(extras.errors === undefined ? {} : { errors: extras.errors }),
    ...(extras.issues === undefined ? {} : { issues: extras.issues }),
  };
  return new BusError('SCHEMA_INVALID', message, { eventId: extras.eventId, cause: extras.cause, details });
}
