/**
 * `@bus/facade-healthcare`: the two legacy healthcare event bus APIs, each a
 * namespace (and a subpath export): `architect` (`healthcare_architect.event_bus`:
 * wildcard routing, an encrypt hook, backpressure, dead letters, replay) and
 * `engineer` (`healthcare_engineer.event_bus`: serializers, scopes, schemas,
 * per-topic backpressure, metrics).
 *
 * @example
 * ```ts
 * import { architect, engineer } from '@bus/facade-healthcare';
 *
 * const hospital = new architect.EventBus();
 * const clinic = new engineer.EventBus();
 * ```
 *
 * @packageDocumentation
 */

export * as architect from './architect.js';
export * as engineer from './engineer.js';
