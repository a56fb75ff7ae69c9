/**
 * The Ares configuration: `config.eventBus` (the legacy `config["event_bus"]`
 * with camelCase keys), its defaults, and the checks `initialize()` makes.
 */
import { BusError } from '@bus/core';
import { isPlainObject } from './plain-object.js';

/**
 * The settings under `config.eventBus`. Other keys of the legacy section
 * (`maxRetryCount`, `batchSize`, `eventTtlDays`, …) are accepted and ignored,
 * as the legacy bus ignored them.
 *
 * @example
 * ```ts
 * const settings: EventBusSettings = { processingInterval: 1, maxHistory: 1000, enablePersistence: true, storagePath: 'event_store' };
 * ```
 */
export interface EventBusSettings {
  /** Seconds between two `processEvents()` of `run()`. Default 1; must be > 0. */
  readonly processingInterval?: number | undefined;
  /** How many events (and status entries) the history keeps. Default 1000; must be > 0. */
  readonly maxHistory?: number | undefined;
  /** Store processed events in the event store. Default true. */
  readonly enablePersistence?: boolean | undefined;
  /** Take a `"system"` snapshot every `snapshotFrequency` processed events, and at `stop()`. Default true. */
  readonly enableSnapshots?: boolean | undefined;
  /** Processed events between two snapshots. Default 100; must be > 0. */
  readonly snapshotFrequency?: number | undefined;
  /** The `FileEventStore` directory. Default `'event_store'` (relative to the working directory). */
  readonly storagePath?: string | undefined;
  /** Any other legacy setting: accepted and ignored. */
  readonly [setting: string]: unknown;
}

/**
 * What `new EnhancedEventBus(config)` takes: the system configuration, of
 * which the bus reads `eventBus`.
 *
 * @example
 * ```ts
 * const config: EnhancedEventBusConfig = { eventBus: { processingInterval: 0.1, enablePersistence: false } };
 * ```
 */
export interface EnhancedEventBusConfig {
  /** The event bus settings; every one has a default. */
  readonly eventBus?: EventBusSettings | undefined;
  /** Other sections of the system configuration: ignored. */
  readonly [section: string]: unknown;
}

/** The settings with their defaults applied, as read (not yet checked). */
export interface ResolvedSettings {
  readonly processingInterval: number;
  readonly maxHistory: number;
  readonly enablePersistence: boolean;
  readonly enableSnapshots: boolean;
  readonly snapshotFrequency: number;
  readonly storagePath: string;
}

/** The legacy defaults, also the configuration `setupEnhancedEventBus()` uses when given none. */
export const DEFAULT_SETTINGS: ResolvedSettings = Object.freeze({
  processingInterval: 1,
  maxHistory: 1000,
  enablePersistence: true,
  enableSnapshots: true,
  snapshotFrequency: 100,
  storagePath: 'event_store',
});

/**
 * Reads `config.eventBus` with the defaults. Throws `CONFIG_INVALID` when the
 * config or its `eventBus` is not an object, or `storagePath` is not a
 * non-empty string (the legacy constructor failed on those too).
 */
export function readSettings(config: unknown): ResolvedSettings {
  if (!isPlainObject(config)) throw new BusError('CONFIG_INVALID', 'EnhancedEventBus takes a config object, e.g. { eventBus: { … } }.');
  const section = config.eventBus ?? {};
  if (!isPlainObject(section)) throw new BusError('CONFIG_INVALID', 'config.eventBus must be an object of settings.');
  const settings = { ...DEFAULT_SETTINGS };
  for (const key of Object.keys(DEFAULT_SETTINGS) as (keyof ResolvedSettings)[]) {
    if (section[key] !== undefined) (settings as Record<string, unknown>)[key] = section[key];
  }
  if (typeof settings.storagePath !== 'string' || settings.storagePath.length === 0) {
    throw new BusError(
      'CONFIG_INVALID',
      `config.eventBus.storagePath must be a non-empty string, got ${JSON.stringify(settings.storagePath)}.`,
    );
  }
  return settings;
}

/** What is wrong with the settings (what made the legacy `initialize()` return false), or undefined. */
export function settingsProblem(settings: ResolvedSettings): string | undefined {
  for (const key of ['processingInterval', 'maxHistory', 'snapshotFrequency'] as const) {
    const value: unknown = settings[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      return `config.eventBus.${key} must be a number > 0, got ${JSON.stringify(value) ?? String(value)}.`;
    }
  }
  for (const key of ['enablePersistence', 'enableSnapshots'] as const) {
    const value: unknown = settings[key];
    if (typeof value !== 'boolean') return `config.eventBus.${key} must be true or false, got ${JSON.stringify(value) ?? String(value)}.`;
  }
  return undefined;
}
