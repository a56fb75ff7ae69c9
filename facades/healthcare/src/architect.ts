/**
 * The healthcare architect's legacy `EventBus` and `Event`
 * (`healthcare_architect.event_bus`), rebuilt on `@bus/core`, `@bus/topics`
 * and `@bus/backpressure`.
 *
 * @example
 * ```ts
 * import { Event, EventBus } from '@bus/facade-healthcare/architect';
 *
 * const hospital = new EventBus();
 * hospital.subscribeWildcard('device.*.ward1', (event) => console.log(event.id));
 * await hospital.publish(new Event('1', 'data', 'device.sensor.ward1'), 'device.sensor.ward1');
 * ```
 *
 * @packageDocumentation
 */

export type { BackpressurePolicy } from './architect/backpressure-policy.js';
export type { DeadLetter, DeadLetterReason } from './architect/dead-letter.js';
export { Event } from './architect/event.js';
export type { ArchitectConfig, ArchitectEventBusOptions, Cluster, ReplayOptions, UpdateConfigOptions } from './architect/event-bus.js';
export { EventBus } from './architect/event-bus.js';
export type { CryptoModule, EventSerializer, Extension } from './architect/hooks.js';
