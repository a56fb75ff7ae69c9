/**
 * The `schema()` plugin: validates event data on publish and/or delivery
 * against the registry, stamps `schemaversion` on publish, and upcasts old
 * events on delivery so handlers always see the newest shape.
 */
import { BusError, definePlugin, type EventEnvelope, isThenable, type Plugin } from '@bus/core';
import { schemaInvalid } from './schema-invalid.js';
import type { RegisteredSchema, SchemaRegistry } from './schema-registry.js';
import type { Upcaster } from './upcaster.js';
import type { ValidationResult } from './validation-result.js';

/**
 * Options of {@link schema}.
 *
 * @example
 * ```ts
 * const options: SchemaPluginOptions = { registry, validateOn: 'both', unknownTypes: 'reject' };
 * ```
 */
export interface SchemaPluginOptions {
  /** The schemas and upcasters; the plugin adds it to the bus as `bus.schemas`. */
  readonly registry: SchemaRegistry;
  /**
   * Where data is validated: `'publish'` (the publisher gets the error and
   * nothing is sent), `'deliver'` (a mismatch fails that delivery; use it for
   * events from producers you do not control), or `'both'`. Default `'publish'`.
   */
  readonly validateOn?: 'publish' | 'deliver' | 'both';
  /** What to do with events of a type that has no schema: let them through, or fail them. Default `'allow'`. */
  readonly unknownTypes?: 'allow' | 'reject';
  /** Upcaster chains by event type, added to the registry when the plugin is used. */
  readonly upcasters?: Readonly<Record<string, readonly Upcaster[]>>;
}

/** What the plugin adds to the bus. */
export interface SchemaExtension {
  /** The registry: register more schemas, validate, or `upcast(event)` (e.g. on replay). */
  readonly schemas: SchemaRegistry;
}

const VALIDATE_ON = ['publish', 'deliver', 'both'] as const;
const UNKNOWN_TYPES = ['allow', 'reject'] as const;

/**
 * Validates events against a {@link SchemaRegistry}. On publish (`guard`
 * phase) it validates `data` against the schema of the event's type at its
 * `schemaversion` (the latest when absent), then stamps `schemaversion` (and
 * `dataschema`, when registered); a mismatch rejects the publish with
 * `SCHEMA_INVALID` and nothing is delivered. On delivery (`guard` phase) it
 * first upcasts the event to the newest version, then validates when
 * `validateOn` includes `'deliver'`; a failure fails that delivery only
 * (`bus.events` `failed`), and the bus keeps going.
 *
 * @example
 * ```ts
 * const registry = createSchemaRegistry().register('orders.created', {
 *   type: 'object',
 *   required: ['id'],
 *   properties: { id: { type: 'string' } },
 * });
 * const bus = createBus().use(schema({ registry }));
 * await bus.start();
 * await bus.publish('orders.created', { id: 'o-1' }); // ok, schemaversion '1'
 * await bus.publish('orders.created', { id: 42 }); // rejects: SCHEMA_INVALID
 * ```
 */
export function schema(options: SchemaPluginOptions): Plugin<SchemaExtension> {
  const registry = options?.registry;
  if (typeof registry?.get !== 'function' || typeof registry.upcast !== 'function') {
    throw new BusError('PLUGIN_INVALID', 'schema({ registry }) needs a registry: createSchemaRegistry().');
  }
  const validateOn = options.validateOn ?? 'publish';
  const unknownTypes = options.unknownTypes ?? 'allow';
  if (!VALIDATE_ON.includes(validateOn)) {
    throw new BusError('PLUGIN_INVALID', `schema({ validateOn }) must be one of ${VALIDATE_ON.join(', ')}, got ${String(validateOn)}.`);
  }
  if (!UNKNOWN_TYPES.includes(unknownTypes)) {
    throw new BusError(
      'PLUGIN_INVALID',
      `schema({ unknownTypes }) must be one of ${UNKNOWN_TYPES.join(', ')}, got ${String(unknownTypes)}.`,
    );
  }
  const rejectUnknown = unknownTypes === 'reject';

  return definePlugin({
    name: 'schema',
    setup(kernel) {
      for (const [type, steps] of Object.entries(options.upcasters ?? {})) registry.registerUpcasters(type, steps);
      registry.verify();

      if (validateOn === 'deliver') {
        kernel.usePublish('enrich', function stampSchemaVersion(ctx, next) {
          const entry = registry.get(ctx.envelope.type, ctx.envelope.schemaversion);
          if (entry !== undefined) stamp(ctx.envelope, entry);
          return next();
        });
      } else {
        kernel.usePublish('guard', function validateOnPublish(ctx, next) {
          const envelope = ctx.envelope;
          const entry = schemaFor(registry, envelope, rejectUnknown);
          if (entry === undefined) return next();
          const result = entry.validate(envelope.data);
          if (isThenable(result)) {
            return result.then((settled) => {
              enforce(settled, entry, envelope);
              stamp(envelope, entry);
              return next();
            });
          }
          enforce(result, entry, envelope);
          stamp(envelope, entry);
          return next();
        });
      }

      kernel.useDeliver('guard', function upcastOnDeliver(ctx, next) {
        ctx.event = registry.upcast(ctx.event);
        return next();
      });

      if (validateOn !== 'publish') {
        kernel.useDeliver('guard', function validateOnDeliver(ctx, next) {
          const event = ctx.event;
          const entry = schemaFor(registry, event, rejectUnknown);
          if (entry === undefined) return next();
          const result = entry.validate(event.data);
          if (isThenable(result)) {
            return result.then((settled) => {
              enforce(settled, entry, event);
              return next();
            });
          }
          enforce(result, entry, event);
          return next();
        });
      }

      return { schemas: registry };
    },
  });
}

/** The schema the event names (or the latest), or undefined for an allowed unknown type; throws otherwise. */
function schemaFor(registry: SchemaRegistry, event: EventEnvelope, rejectUnknown: boolean): RegisteredSchema | undefined {
  const version = event.schemaversion;
  const entry = registry.get(event.type, version);
  if (entry !== undefined) return entry;
  if (version !== undefined && registry.versions(event.type).length > 0) {
    throw schemaInvalid(
      'unknown-version',
      event.type,
      version,
      `Event ${event.id} (${event.type}) has schemaversion '${version}', but its schemas are ${registry
        .versions(event.type)
        .map((known) => `'${known}'`)
        .join(', ')}.`,
      { eventId: event.id },
    );
  }
  if (rejectUnknown) {
    throw schemaInvalid('unknown-type', event.type, version, `No schema is registered for '${event.type}' (event ${event.id}).`, {
      eventId: event.id,
    });
  }
  return undefined;
}

function enforce(result: ValidationResult, entry: RegisteredSchema, event: EventEnvelope): void {
  if (result.valid) return;
  throw schemaInvalid(
    'invalid-data',
    entry.type,
    entry.version,
    `Event ${event.id} (${entry.type}, schema version '${entry.version}') does not match its schema: ${result.message}`,
    { eventId: event.id, errors: result.errors, issues: result.issues },
  );
}

function stamp(envelope: EventEnvelope, entry: RegisteredSchema): void {
  envelope.schemaversion ??= entry.version;
  if (entry.dataschema !== undefined) envelope.dataschema ??= entry.dataschema;
}
