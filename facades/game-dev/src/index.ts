/**
 * `@bus/facade-game-dev`: the legacy game-dev `EventBus` (synchronous publish
 * through serialize → encrypt → decrypt → deserialize, wildcard topics, dead
 * letters, backpressure settings, persist and replay), rebuilt on `@bus/core`,
 * `@bus/topics` and `@bus/serialization`.
 *
 * @packageDocumentation
 */

export { BackpressurePolicy } from './backpressure-policy.js';
export { CryptoModule } from './crypto-module.js';
export type {
  DeadLetter,
  EventBusOptions,
  EventBusPublishOptions,
  MessageHandler,
  PersistedEvent,
  UpdateConfigOptions,
} from './event-bus.js';
export { EventBus } from './event-bus.js';
export { EventBusError } from './event-bus-error.js';
export { JsonSerializer, Serializer } from './serializer.js';
