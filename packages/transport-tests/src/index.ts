/**
 * `@bus/transport-tests`: the shared transport conformance suite. One vitest
 * suite runs against every bus transport, choosing the tests of each
 * capability the transport claims.
 *
 * @packageDocumentation
 */

export { describeTransportConformance } from './describe-transport-conformance.js';
export type { TransportConformanceOptions } from './options.js';
export type { WaitForOptions } from './wait-for.js';
export { waitFor } from './wait-for.js';
