/**
 * `setupEnhancedEventBus()` and the module-level `enhancedEventBus` it sets,
 * as the legacy module had them.
 */
import { consoleLogger } from '@bus/core';
import { DEFAULT_SETTINGS, type EnhancedEventBusConfig } from './config.js';
import { EnhancedEventBus, type EnhancedEventBusOptions } from './enhanced-event-bus.js';

/**
 * The bus the last {@link setupEnhancedEventBus} call built (the legacy global
 * `enhanced_event_bus`), or null before the first call.
 *
 * @example
 * ```ts
 * await setupEnhancedEventBus(config);
 * enhancedEventBus?.subscribe(EventType.RISK_ALERT, onRiskAlert);
 * ```
 */
export let enhancedEventBus: EnhancedEventBus | null = null;

/**
 * Builds an {@link EnhancedEventBus} from `config` (by default the legacy
 * defaults: interval 1 s, history 1000, persistence and snapshots on, a
 * snapshot every 100 events, files in `./event_store`), initializes it, and
 * returns it, or null when the config is invalid (the reason goes to
 * `options.logger`, as the legacy printed it).
 *
 * @example
 * ```ts
 * const ares = await setupEnhancedEventBus({ eventBus: { processingInterval: 2, maxHistory: 200, enablePersistence: false } });
 * if (ares === null) throw new Error('bad event bus config');
 * ```
 */
export async function setupEnhancedEventBus(
  config?: EnhancedEventBusConfig,
  options: EnhancedEventBusOptions = {},
): Promise<EnhancedEventBus | null> {
  try {
    const bus = new EnhancedEventBus(config ?? { eventBus: { ...DEFAULT_SETTINGS } }, options);
    enhancedEventBus = bus;
    return (await bus.initialize()) ? bus : null;
  } catch (error) {
    (options.logger ?? consoleLogger()).error(
      { err: error },
      `[setupEnhancedEventBus] Error setting up the enhanced event bus: ${error instanceof Error ? error.message : String(error)}`,
    );
    return null;
  }
}
