/**
 * `@bus/facade-sre`: the legacy SRE `ObservabilityEventBus` (publish queues,
 * `process()` dispatches to wildcard subscribers, dead-letter queue, runtime
 * config, persist and replay, cluster leader) and `IdentityCrypto`, rebuilt on
 * `@bus/core`, `@bus/topics`, `@bus/backpressure` and `@bus/serialization`.
 *
 * @packageDocumentation
 */

export { IdentityCrypto } from './identity-crypto.js';
export type { QueuedEvent } from './json-lines-file.js';
export type {
  ClusterNode,
  DeadLetterEntry,
  Extension,
  ObservabilityBusOptions,
  ObservabilityCrypto,
  ObservabilityPublishOptions,
  ObservabilitySerializer,
  PersistAndReplayOptions,
  WildcardHandler,
} from './observability-bus.js';
export { ObservabilityEventBus } from './observability-bus.js';
export type { ObservabilityConfig, ObservabilityConfigKey } from './observability-config.js';
