/** The legacy config dict, with camelCase keys, and its checks. */
import { BusError } from '@bus/core';

/**
 * The configuration of an {@link ObservabilityEventBus}: the legacy dict with
 * camelCase keys. Every key is optional.
 *
 * @example
 * ```ts
 * const config: ObservabilityConfig = { queueSize: 1000, backpressurePolicy: 'drop_oldest', persistFile: 'events.log' };
 * ```
 */
export interface ObservabilityConfig {
  /** How many events `publish` queues before the policy decides; `null` or absent: no limit. */
  queueSize?: number | null | undefined;
  /**
   * What a full queue does: `'drop_oldest'` drops the oldest queued event,
   * `'reject'` dead-letters the new one and `publish` returns `false`; any
   * other value (or none) blocks, which here means `publish` throws
   * `BACKPRESSURE_REJECTED`.
   */
  backpressurePolicy?: string | null | undefined;
  /** Kept for compatibility; the legacy bus stored it and never used it. */
  batchSize?: number | null | undefined;
  /** Where `persistAndReplay()` writes when it is given no `file`. */
  persistFile?: string | null | undefined;
}

/**
 * A key of {@link ObservabilityConfig}, as `updateConfigAtRuntime` takes it.
 *
 * @example
 * ```ts
 * const key: ObservabilityConfigKey = 'queueSize';
 * bus.updateConfigAtRuntime(key, 2);
 * ```
 */
export type ObservabilityConfigKey = keyof ObservabilityConfig;

const LEGACY_KEYS: Readonly<Record<string, ObservabilityConfigKey>> = Object.freeze({
  queue_size: 'queueSize',
  backpressure_policy: 'backpressurePolicy',
  batch_size: 'batchSize',
  persist_file: 'persistFile',
});
const KEYS: readonly string[] = Object.values(LEGACY_KEYS);

/** Checks `key` and `value`, throwing `CONFIG_INVALID` with a hint for snake_case keys. */
export function checkConfigEntry(key: unknown, value: unknown): void {
  if (typeof key !== 'string' || !KEYS.includes(key)) {
    const hint = typeof key === 'string' && key in LEGACY_KEYS ? ` (the camelCase key is '${LEGACY_KEYS[key]}')` : '';
    throw new BusError('CONFIG_INVALID', `Unknown config key ${JSON.stringify(key) ?? String(key)}${hint}; keys are ${KEYS.join(', ')}.`);
  }
  if (value === undefined || value === null) return;
  switch (key as ObservabilityConfigKey) {
    case 'queueSize':
      if (!isCount(value, 0)) throw invalid(key, value, 'a whole number ≥ 0 or null');
      return;
    case 'batchSize':
      if (!isCount(value, 1)) throw invalid(key, value, 'a whole number ≥ 1 or null');
      return;
    case 'backpressurePolicy':
    case 'persistFile':
      if (typeof value !== 'string') throw invalid(key, value, 'a string or null');
      return;
  }
}

/** Checks a whole config object (`undefined` or `null` is an empty one) and returns a copy of it. */
export function checkConfig(config: unknown): ObservabilityConfig {
  if (config === undefined || config === null) return {};
  if (typeof config !== 'object' || Array.isArray(config)) {
    throw new BusError('CONFIG_INVALID', 'new ObservabilityEventBus(config) takes a config object.');
  }
  for (const [key, value] of Object.entries(config)) checkConfigEntry(key, value);
  return { ...(config as ObservabilityConfig) };
}

function isCount(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min;
}

function invalid(key: string, value: unknown, expected: string): BusError {
  return new BusError(
    'CONFIG_INVALID',
    `Config '${key}' must be ${expected}, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}.`,
  );
}
