/**
 * The schema registry: JSON Schemas (compiled once by ajv) and Standard
 * Schemas, keyed by event type and schema version, and the upcaster chains
 * that bring old versions to the newest.
 */
import { BusError, type EventEnvelope, isThenable } from '@bus/core';
import { Ajv, type Options as AjvOptions, type AnySchema, type AsyncValidateFunction, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { schemaInvalid } from './schema-invalid.js';
import { compareSchemaVersions } from './schema-version.js';
import { isStandardSchema, type StandardSchema, type StandardSchemaIssue, type StandardSchemaResult } from './standard-schema.js';
import { type Upcaster, UpcasterChain } from './upcaster.js';
import type { ValidationResult } from './validation-result.js';

/**
 * A JSON Schema (draft-07 by default; ajv's `AnySchema`: an object, or `true`/`false`).
 * A schema with `$async: true` (async formats or keywords) validates to a promise.
 *
 * @example
 * ```ts
 * const orderCreated: JsonSchema = { type: 'object', required: ['id'], properties: { id: { type: 'string' } } };
 * ```
 */
export type JsonSchema = AnySchema;

/**
 * Options of {@link SchemaRegistry.register}.
 *
 * @example
 * ```ts
 * registry.register('orders.created', orderCreatedV2, { version: '2', dataschema: 'https://example.com/orders/created/2' });
 * ```
 */
export interface RegisterOptions {
  /** The schema version (the events' `schemaversion`). Default `'1'`. */
  readonly version?: string;
  /** A URI of the schema, stamped as the CloudEvents `dataschema` of events published at this version. */
  readonly dataschema?: string;
}

/**
 * A schema in the registry, compiled.
 *
 * @example
 * ```ts
 * const latest = registry.get('orders.created');
 * console.log(latest?.version, latest?.dataschema);
 * ```
 */
export interface RegisteredSchema {
  /** The event type. */
  readonly type: string;
  /** The schema version. */
  readonly version: string;
  /** The schema as registered. */
  readonly schema: JsonSchema | StandardSchema;
  /** The `dataschema` URI, when one was registered. */
  readonly dataschema: string | undefined;
  /**
   * Validates `data`: synchronously for JSON Schemas and synchronous Standard
   * Schemas, with a promise for `$async` JSON Schemas and async Standard Schemas.
   */
  validate(data: unknown): ValidationResult | Promise<ValidationResult>;
}

/**
 * Options of {@link createSchemaRegistry}.
 *
 * @example
 * ```ts
 * const registry = createSchemaRegistry({ ajv: { allErrors: false }, formats: true });
 * ```
 */
export interface SchemaRegistryOptions {
  /** Options for the registry's ajv instance; `allErrors` defaults to `true` here. */
  readonly ajv?: AjvOptions;
  /** Add ajv-formats (`email`, `uuid`, `date-time`, …). Default `true`. */
  readonly formats?: boolean;
}

/**
 * Schemas by event type and version, and upcasters between versions.
 *
 * "Latest" is the highest version by {@link compareSchemaVersions}: numeric-aware,
 * so `'10'` is newer than `'9'`.
 *
 * @example
 * ```ts
 * const registry = createSchemaRegistry()
 *   .register('orders.created', { type: 'object', required: ['total'] }, { version: '1' })
 *   .register('orders.created', { type: 'object', required: ['total', 'currency'] }, { version: '2' })
 *   .registerUpcaster('orders.created', '1', '2', (data) => ({ ...(data as object), currency: 'EUR' }));
 * registry.get('orders.created')?.version; // '2'
 * ```
 */
export interface SchemaRegistry {
  /**
   * Registers `schema` for events of `type` at `options.version` (default `'1'`),
   * compiling a JSON Schema now. Throws `SCHEMA_INVALID` (reason
   * `invalid-schema`) when it does not compile or the version is taken.
   */
  register(type: string, schema: JsonSchema | StandardSchema, options?: RegisterOptions): this;
  /** The schema of `type` at `version`, or the latest one when `version` is undefined. */
  get(type: string, version?: string): RegisteredSchema | undefined;
  /** The registered versions of `type`, oldest first. */
  versions(type: string): readonly string[];
  /**
   * Validates `data` against the schema of `type` at `version` (latest when
   * undefined). Throws `SCHEMA_INVALID` (`unknown-type` or `unknown-version`)
   * when there is no such schema.
   */
  validate(type: string, version: string | undefined, data: unknown): ValidationResult | Promise<ValidationResult>;
  /**
   * Adds one upcaster step of `type`. Throws `SCHEMA_INVALID` (reason
   * `invalid-upcaster`) when the chain would break: a cycle, a step to an older
   * version, a second step out of one version, or two separate chains (a gap).
   */
  registerUpcaster<From = unknown, To = unknown>(
    type: string,
    from: string,
    to: string,
    upcast: (data: From, event: EventEnvelope<From>) => To,
  ): this;
  /** Adds several upcaster steps of `type` at once (in any order), checked as one chain. */
  registerUpcasters(type: string, steps: readonly Upcaster[]): this;
  /**
   * Brings `event` to the newest version of its type by running the upcasters
   * from its `schemaversion` on; returns a new envelope with the new `data`,
   * `schemaversion` and `dataschema`, or `event` itself when there is nothing
   * to do (no `schemaversion`, no upcasters, already newest, or newer than the
   * chain knows). Throws `SCHEMA_INVALID` when an upcaster throws
   * (`upcast-failed`, with the `cause`) or no step leads from an older version
   * (`invalid-upcaster`). This is what the `schema()` plugin runs on delivery,
   * and what an event store can run on replay.
   */
  upcast<T = unknown>(event: EventEnvelope): EventEnvelope<T>;
  /**
   * Checks schemas against upcasters: for each type with both, every
   * registered version must be on the chain or be its end. Throws
   * `SCHEMA_INVALID` (`invalid-upcaster`) naming the missing step. The
   * `schema()` plugin calls it when it is used.
   */
  verify(): void;
}

/**
 * Creates an empty {@link SchemaRegistry} with its own ajv instance.
 *
 * @example
 * ```ts
 * const registry = createSchemaRegistry();
 * registry.register('users.signed-up', {
 *   type: 'object',
 *   required: ['email'],
 *   properties: { email: { type: 'string', format: 'email' } },
 * });
 * const bus = createBus().use(schema({ registry }));
 * ```
 */
export function createSchemaRegistry(options: SchemaRegistryOptions = {}): SchemaRegistry {
  return new Registry(options);
}

const NO_VERSIONS: readonly string[] = Object.freeze([]);
const DEFAULT_VERSION = '1';

interface TypeSchemas {
  readonly byVersion: Map<string, RegisteredSchema>;
  versions: readonly string[];
  latest: RegisteredSchema;
}

class Registry implements SchemaRegistry {
  readonly #ajv: Ajv;
  readonly #types = new Map<string, TypeSchemas>();
  readonly #chains = new Map<string, UpcasterChain>();

  constructor(options: SchemaRegistryOptions) {
    this.#ajv = new Ajv({ allErrors: true, ...options.ajv });
    // ajv-formats is CommonJS: under NodeNext its default import is the module object.
    if (options.formats !== false) addFormats.default(this.#ajv);
  }

  register(type: string, schema: JsonSchema | StandardSchema, options: RegisterOptions = {}): this {
    if (typeof type !== 'string' || type.length === 0) {
      throw new BusError('INVALID_EVENT', `register() needs a non-empty event type, got ${String(type)}.`);
    }
    const version = options.version ?? DEFAULT_VERSION;
    if (typeof version !== 'string' || version.length === 0) {
      throw schemaInvalid('invalid-schema', type, undefined, `The schema version of '${type}' must be a non-empty string.`);
    }
    const existing = this.#types.get(type);
    if (existing?.byVersion.has(version)) {
      throw schemaInvalid('invalid-schema', type, version, `'${type}' already has a schema at version '${version}'.`);
    }
    const entry: RegisteredSchema = {
      type,
      version,
      schema,
      dataschema: options.dataschema,
      validate: this.#compile(type, version, schema),
    };
    if (existing === undefined) {
      this.#types.set(type, { byVersion: new Map([[version, entry]]), versions: Object.freeze([version]), latest: entry });
    } else {
      existing.byVersion.set(version, entry);
      existing.versions = Object.freeze([...existing.byVersion.keys()].sort(compareSchemaVersions));
      existing.latest = existing.byVersion.get(existing.versions.at(-1) as string) as RegisteredSchema;
    }
    return this;
  }

  get(type: string, version?: string): RegisteredSchema | undefined {
    const schemas = this.#types.get(type);
    if (schemas === undefined) return undefined;
    return version === undefined ? schemas.latest : schemas.byVersion.get(version);
  }

  versions(type: string): readonly string[] {
    return this.#types.get(type)?.versions ?? NO_VERSIONS;
  }

  validate(type: string, version: string | undefined, data: unknown): ValidationResult | Promise<ValidationResult> {
    const entry = this.get(type, version);
    if (entry !== undefined) return entry.validate(data);
    if (this.#types.has(type)) {
      throw schemaInvalid('unknown-version', type, version, `'${type}' has no schema at version '${version}'.`);
    }
    throw schemaInvalid('unknown-type', type, version, `No schema is registered for '${type}'.`);
  }

  registerUpcaster<From = unknown, To = unknown>(
    type: string,
    from: string,
    to: string,
    upcast: (data: From, event: EventEnvelope<From>) => To,
  ): this {
    return this.registerUpcasters(type, [{ from, to, upcast } as Upcaster<From, To> as Upcaster]);
  }

  registerUpcasters(type: string, steps: readonly Upcaster[]): this {
    if (!Array.isArray(steps)) throw schemaInvalid('invalid-upcaster', type, undefined, `The upcasters of '${type}' must be an array.`);
    let chain = this.#chains.get(type);
    if (chain === undefined) {
      chain = new UpcasterChain(type);
      chain.add(steps);
      if (chain.end !== undefined) this.#chains.set(type, chain);
    } else {
      chain.add(steps);
    }
    return this;
  }

  upcast<T = unknown>(event: EventEnvelope): EventEnvelope<T> {
    const version = event.schemaversion;
    const chain = version === undefined ? undefined : this.#chains.get(event.type);
    if (chain === undefined || version === undefined) return event as EventEnvelope<T>;
    const path = chain.path(version);
    if (path === undefined) {
      // A version newer than the chain knows (a producer already on the next release) passes as it is.
      if (compareSchemaVersions(version, chain.end as string) > 0) return event as EventEnvelope<T>;
      throw schemaInvalid(
        'invalid-upcaster',
        event.type,
        version,
        `No upcaster leads from version '${version}' of '${event.type}' to '${chain.end}' (the chain is ${chain.describe()}).`,
        { eventId: event.id },
      );
    }
    if (path.length === 0) return event as EventEnvelope<T>;
    let current = event;
    for (const step of path) {
      let data: unknown;
      try {
        data = step.upcast(current.data, current);
      } catch (error) {
        throw schemaInvalid(
          'upcast-failed',
          event.type,
          step.from,
          `The upcaster of '${event.type}' from '${step.from}' to '${step.to}' failed on event ${event.id}: ${describeError(error)}`,
          { eventId: event.id, cause: error },
        );
      }
      if (isThenable(data)) {
        throw schemaInvalid(
          'upcast-failed',
          event.type,
          step.from,
          `The upcaster of '${event.type}' from '${step.from}' to '${step.to}' returned a promise; upcasters must be synchronous.`,
          { eventId: event.id },
        );
      }
      current = { ...current, data, schemaversion: step.to };
    }
    // The old `dataschema` described the old shape: point at the new one, or at none.
    const uri = this.get(event.type, current.schemaversion)?.dataschema;
    if (uri !== undefined) current.dataschema = uri;
    else delete current.dataschema;
    return current as EventEnvelope<T>;
  }

  verify(): void {
    for (const [type, chain] of this.#chains) {
      const end = chain.end as string;
      for (const version of this.versions(type)) {
        if (compareSchemaVersions(version, end) > 0) {
          throw schemaInvalid(
            'invalid-upcaster',
            type,
            version,
            `'${type}' has a schema at version '${version}', but its upcasters end at '${end}': add an upcaster from '${end}' to '${version}'.`,
          );
        }
        if (chain.path(version) === undefined) {
          throw schemaInvalid(
            'invalid-upcaster',
            type,
            version,
            `'${type}' has a schema at version '${version}', but no upcaster leads from it to '${end}' (the chain is ${chain.describe()}).`,
          );
        }
      }
    }
  }

  #compile(type: string, version: string, schema: JsonSchema | StandardSchema): RegisteredSchema['validate'] {
    if (isStandardSchema(schema)) return standardValidator(type, version, schema);
    if (typeof schema !== 'boolean' && (typeof schema !== 'object' || schema === null || Array.isArray(schema))) {
      throw schemaInvalid(
        'invalid-schema',
        type,
        version,
        `The schema of '${type}' at version '${version}' must be a JSON Schema (an object or a boolean) or a Standard Schema.`,
      );
    }
    let check: ValidateFunction | AsyncValidateFunction;
    try {
      check = this.#ajv.compile(schema);
    } catch (error) {
      throw schemaInvalid(
        'invalid-schema',
        type,
        version,
        `The JSON Schema of '${type}' at version '${version}' does not compile: ${describeError(error)}`,
        { cause: error },
      );
    }
    const ajv = this.#ajv;
    const failure = (errors: ErrorObject[] | null | undefined): ValidationResult => ({
      valid: false,
      message: ajv.errorsText(errors, { dataVar: 'data' }),
      errors: errors ?? [],
    });
    if (isAsync(check)) {
      const asyncCheck = check;
      return (data) =>
        asyncCheck(data).then(
          (): ValidationResult => ({ valid: true, value: data }),
          (error: unknown) => {
            if (error instanceof Ajv.ValidationError) return failure(error.errors as ErrorObject[]);
            throw error;
          },
        );
    }
    const syncCheck = check;
    return (data) => (syncCheck(data) ? { valid: true, value: data } : failure(syncCheck.errors));
  }
}

function isAsync(check: ValidateFunction | AsyncValidateFunction): check is AsyncValidateFunction {
  return (check as AsyncValidateFunction).$async === true;
}

function standardValidator(type: string, version: string, schema: StandardSchema): RegisteredSchema['validate'] {
  const props = schema['~standard'];
  const vendor = props.vendor;
  return (data) => {
    let result: StandardSchemaResult | Promise<StandardSchemaResult>;
    try {
      result = props.validate(data);
    } catch (error) {
      throw validatorThrew(type, version, vendor, error);
    }
    if (isThenable(result)) {
      return result.then(fromStandardResult, (error: unknown) => {
        throw validatorThrew(type, version, vendor, error);
      });
    }
    return fromStandardResult(result);
  };
}

function fromStandardResult(result: StandardSchemaResult): ValidationResult {
  if (result.issues === undefined) return { valid: true, value: result.value };
  return { valid: false, message: result.issues.map(formatIssue).join('; '), issues: result.issues };
}

function formatIssue(issue: StandardSchemaIssue): string {
  if (issue.path === undefined || issue.path.length === 0) return issue.message;
  const path = issue.path.map((segment) => String(typeof segment === 'object' ? segment.key : segment)).join('.');
  return `${path}: ${issue.message}`;
}

function validatorThrew(type: string, version: string, vendor: string, error: unknown): BusError {
  return schemaInvalid(
    'invalid-schema',
    type,
    version,
    `The ${vendor} schema of '${type}' at version '${version}' threw instead of returning issues: ${describeError(error)}`,
    { cause: error },
  );
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
