/**
 * `@bus/persistence/testing`: the shared event-store conformance suite. One
 * vitest suite runs against every backend, choosing the tests of each
 * capability the backend claims.
 *
 * @packageDocumentation
 */

export { describeEventStoreConformance } from './describe-event-store-conformance.js';
export type { EventStoreConformanceOptions } from './options.js';
