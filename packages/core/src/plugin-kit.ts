/**
 * `@bus/core/plugin-kit`: the kernel's building blocks for plugin and
 * transport authors — composing middleware, building and checking envelopes,
 * the clock and id helpers. Applications need none of it.
 *
 * @packageDocumentation
 */

export { assertDataschema, assertExtensionName, assertSource, assertTime } from './cloudevents-attributes.js';
export type { ComposeOptions } from './compose.js';
export { compose, isThenable } from './compose.js';
export type { EnvelopeDefaults } from './envelope.js';
export { assertEventType, createEmittedEnvelope, createEnvelope, isoAt, normalizeEnvelope, nowIso } from './envelope.js';
export { eventIdAt } from './event-id.js';
export { kernelOf } from './kernel-of.js';
