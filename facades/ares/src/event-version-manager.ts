/**
 * `EventVersionManager`: the legacy schema versions, kept in a `@bus/schema`
 * registry (a JSON Schema per event type and version, and an upcaster from
 * `1.0.0` to `1.1.0` for every type), so the same registry can also be given
 * to the `schema()` plugin or to `@bus/persistence`'s `upcast` hook.
 */
import { BusError, type EventEnvelope, isThenable } from '@bus/core';
import { createSchemaRegistry, type SchemaRegistry } from '@bus/schema';
import { Event } from './event.js';
import { toEnvelope } from './event-envelope.js';
import { EventType } from './event-type.js';
import { isPlainObject } from './plain-object.js';

/**
 * The fields one event type requires (and may have) at one schema version.
 *
 * @example
 * ```ts
 * const fields: VersionFields = versionManager.versionMappings['1.1.0']?.trade_executed ?? { requiredFields: [], optionalFields: [] };
 * ```
 */
export interface VersionFields {
  /** Fields the data must have (checked when the data is an object, as the legacy did). */
  readonly requiredFields: readonly string[];
  /** Fields the data may have. */
  readonly optionalFields: readonly string[];
}

/**
 * The legacy `version_mappings`: schema version → event type value → fields.
 *
 * @example
 * ```ts
 * Object.keys(versionManager.versionMappings); // ['1.0.0', '1.1.0']
 * ```
 */
export type VersionMappings = Readonly<Record<string, Readonly<Partial<Record<EventType, VersionFields>>>>>;

const DEFAULT_VERSION_MAPPINGS: VersionMappings = deepFreeze({
  '1.0.0': {
    [EventType.MARKET_DATA_RECEIVED]: { requiredFields: ['symbol', 'price', 'volume'], optionalFields: ['timestamp', 'bid', 'ask'] },
    [EventType.TRADE_EXECUTED]: { requiredFields: ['symbol', 'side', 'quantity', 'price'], optionalFields: ['order_id', 'commission'] },
  },
  '1.1.0': {
    [EventType.MARKET_DATA_RECEIVED]: {
      requiredFields: ['symbol', 'price', 'volume', 'timestamp'],
      optionalFields: ['bid', 'ask', 'spread'],
    },
    [EventType.TRADE_EXECUTED]: {
      requiredFields: ['symbol', 'side', 'quantity', 'price', 'order_id'],
      optionalFields: ['commission', 'fees'],
    },
  },
});

/**
 * The legacy migration from `1.0.0` to `1.1.0`: data that is an object gets a
 * `timestamp` (the event's, ISO 8601) when it has none.
 */
function addTimestamp(data: unknown, event: EventEnvelope): unknown {
  if (!isPlainObject(data) || 'timestamp' in data) return data;
  return { ...data, timestamp: event.time };
}

/**
 * Manages event schema versions: validation against the fields a version
 * requires, and migration between versions.
 *
 * @example
 * ```ts
 * const versions = new EventVersionManager();
 * const event = new Event(EventType.MARKET_DATA_RECEIVED, { symbol: 'BTCUSDT', price: 50_000, volume: 100 });
 * versions.validateEventSchema(event); // true: 1.0.0 requires symbol, price, volume
 * versions.migrateEvent(event, '1.1.0').data; // { symbol, price, volume, timestamp: '…+00:00' }
 * ```
 */
export class EventVersionManager {
  /**
   * The `@bus/schema` registry holding the versions: a JSON Schema per event
   * type and version, and the upcasters. Register more versions here; give it
   * to `schema({ registry })` or use `registry.upcast(envelope)` on stored envelopes.
   */
  readonly registry: SchemaRegistry;
  /** The legacy `version_mappings` the registry was built from (read-only). */
  readonly versionMappings: VersionMappings = DEFAULT_VERSION_MAPPINGS;

  /** Builds the registry with the legacy versions `1.0.0` and `1.1.0`. */
  constructor() {
    // `required` alone, with no `type: 'object'`: like the legacy check, it applies to object data only.
    this.registry = createSchemaRegistry({ ajv: { strictTypes: false } });
    for (const [version, types] of Object.entries(this.versionMappings)) {
      for (const [type, fields] of Object.entries(types) as [EventType, VersionFields][]) {
        const properties = Object.fromEntries(fields.optionalFields.map((field) => [field, {}]));
        this.registry.register(type, { required: [...fields.requiredFields], properties }, { version });
      }
    }
    for (const type of Object.values(EventType)) this.registry.registerUpcaster(type, '1.0.0', '1.1.0', addTimestamp);
  }

  /**
   * Whether the event's data has the fields its `schemaVersion` requires for
   * its type. An unknown version or a type with no schema at that version is
   * valid (forward compatibility); so is data that is not an object. Anything
   * that is not an `Event` is not valid.
   */
  validateEventSchema(event: Event): boolean {
    if (!(event instanceof Event)) return false;
    const entry = this.registry.get(event.eventType, event.metadata.schemaVersion);
    if (entry === undefined) return true;
    let result: ReturnType<typeof entry.validate>;
    try {
      result = entry.validate(event.data);
    } catch {
      return false;
    }
    if (isThenable(result)) {
      throw new BusError(
        'CONFIG_INVALID',
        `The schema of '${event.eventType}' at version '${entry.version}' is asynchronous; validateEventSchema() checks synchronously.`,
        { eventId: event.metadata.eventId },
      );
    }
    return result.valid;
  }

  /**
   * A copy of the event at `targetVersion` (the event itself when it is at that
   * version already). When `targetVersion` is where the registry's upcasters
   * lead from the event's version (`1.0.0` → `1.1.0` adds `data.timestamp`),
   * they run; otherwise the copy is only relabelled, as the legacy did.
   * Throws `INVALID_EVENT` when `event` is not an `Event` or the version is not
   * a non-empty string, and `SCHEMA_INVALID` when an upcaster fails.
   */
  migrateEvent<T = unknown>(event: Event<T>, targetVersion: string): Event<T> {
    if (!(event instanceof Event)) throw new BusError('INVALID_EVENT', 'migrateEvent() takes an Event.');
    if (typeof targetVersion !== 'string' || targetVersion.length === 0) {
      throw new BusError('INVALID_EVENT', 'migrateEvent() needs a target version (a non-empty string).', {
        eventId: event.metadata.eventId,
      });
    }
    if (event.metadata.schemaVersion === targetVersion) return event;
    const metadata = event.metadata.copy();
    metadata.schemaVersion = targetVersion;
    const upcast = this.#upcast(toEnvelope(event));
    let data: T;
    if (upcast.schemaversion === targetVersion && upcast.data !== event.data) data = upcast.data as T;
    else data = (isPlainObject(event.data) ? { ...event.data } : event.data) as T;
    return new Event<T>(event.eventType, data, { metadata });
  }

  /** The registry's upcast, or the envelope itself when no upcaster leads from its version (the legacy relabelled those). */
  #upcast(envelope: EventEnvelope): EventEnvelope {
    try {
      return this.registry.upcast(envelope);
    } catch (error) {
      if (BusError.is(error) && (error.details as { reason?: unknown } | undefined)?.reason === 'invalid-upcaster') return envelope;
      throw error;
    }
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
