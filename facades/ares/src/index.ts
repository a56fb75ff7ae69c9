/**
 * `@bus/facade-ares`: the Ares trading platform's `EnhancedEventBus` (typed
 * events on a queue, the JSON Lines `FileEventStore`, snapshots, inclusive
 * replay, state rebuild, schema versions and the 1.0.0 → 1.1.0 migration),
 * rebuilt on `@bus/core`, `@bus/schema` and `@bus/persistence`.
 *
 * @packageDocumentation
 */

export type { EnhancedEventBusConfig, EventBusSettings } from './config.js';
export type {
  EnhancedEventBusOptions,
  EnhancedEventBusStatus,
  EventBusMetrics,
  EventBusStatusEntry,
  EventCallback,
  HistoryOptions,
  PublishEventOptions,
  RebuildOptions,
  RebuiltState,
} from './enhanced-event-bus.js';
export { EnhancedEventBus } from './enhanced-event-bus.js';
export type { EventDict, EventOptions, LegacyEventJson } from './event.js';
export { Event } from './event.js';
export type { EventMetadataDict, EventMetadataInit, LegacyEventMetadataJson } from './event-metadata.js';
export { EventMetadata } from './event-metadata.js';
export type { EventSnapshotDict, EventSnapshotInit, LegacyEventSnapshotJson } from './event-snapshot.js';
export { EventSnapshot } from './event-snapshot.js';
export type { GetEventsOptions, IEventStore } from './event-store.js';
export { EventStatus, EventType } from './event-type.js';
export type { VersionFields, VersionMappings } from './event-version-manager.js';
export { EventVersionManager } from './event-version-manager.js';
export type { FileEventStoreOptions } from './file-event-store.js';
export { FileEventStore } from './file-event-store.js';
export type { PersistenceEventStoreOptions } from './persistence-event-store.js';
export { PersistenceEventStore } from './persistence-event-store.js';
export { enhancedEventBus, setupEnhancedEventBus } from './setup.js';
