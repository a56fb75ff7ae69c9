/**
 * The entry point: registers the whole conformance suite for one transport,
 * choosing the capability tests from what the transport claims (Watermill's
 * shared pub/sub tests and their `Features`).
 */
import type { TransportCapabilities } from '@bus/core';
import { afterEach, describe } from 'vitest';
import { ConformanceHarness } from './harness.js';
import { resolveSettings, type TransportConformanceOptions } from './options.js';
import { capabilityTests } from './suite/capabilities.js';
import { consumerGroupTests } from './suite/consumer-groups.js';
import { deadLetterTests } from './suite/dead-letters.js';
import { deliveryTests } from './suite/delivery.js';
import { durabilityTests } from './suite/durability.js';
import { handlerFailureTests } from './suite/handler-failures.js';
import { lifecycleTests } from './suite/lifecycle.js';
import { orderingTests } from './suite/ordering.js';
import { wildcardTests } from './suite/wildcards.js';

/**
 * Registers the transport conformance suite as a vitest `describe` block named
 * `<name> conformance`. Call it at the top level of a test file.
 *
 * Every transport runs the tests of the basic contract (envelope round trip,
 * fan-out per type, unsubscribe, batches, failing handlers, draining stop,
 * publishing outside start..stop, and one retry policy and dead-letter record
 * with `@bus/resilience`). The tests of `orderedPerKey`,
 * `consumerGroups`, `redelivery` and `durable` are registered only when the
 * transport claims them, and those of `wildcards` when it claims it and
 * `wildcardPlugins` gives the bus a wildcard router; nothing is skipped, an
 * unclaimed capability simply has no test. The capabilities are read from `options.capabilities` or, when
 * absent, from one transport made by `createTransport` while the suite is
 * collected (never started).
 *
 * Tests run one at a time; each makes its own event types under `typePrefix`,
 * waits for deliveries by polling (never by assuming `publish` delivered),
 * and stops every bus it made when it ends.
 *
 * @param name - names the transport in the test report.
 * @param options - how to make the transport, and timeouts, prefix, plugins, readiness.
 * @example
 * ```ts
 * // test/conformance.test.ts
 * import { describeTransportConformance } from '@bus/transport-tests';
 * import { json } from '@bus/serialization';
 * import { topics } from '@bus/topics';
 * import { kafkaTransport } from '../src/index.js';
 *
 * describeTransportConformance('kafka transport', {
 *   createTransport: () => kafkaTransport({ brokers: ['127.0.0.1:9092'] }),
 *   plugins: () => [json()],
 *   wildcardPlugins: () => [topics()],
 *   deliveryTimeoutMs: 20_000,
 * });
 * ```
 */
export function describeTransportConformance(name: string, options: TransportConformanceOptions): void {
  const settings = resolveSettings(options);
  describe(`${name} conformance`, { timeout: settings.testTimeoutMs, concurrent: false }, async () => {
    const capabilities = options.capabilities ?? (await settings.createTransport()).capabilities;
    assertCapabilities(capabilities);
    if (capabilities.requiresEncodedData && options.plugins === undefined) {
      throw new TypeError(
        `describeTransportConformance('${name}'): the transport requires encoded data (capabilities.requiresEncodedData); ` +
          'pass `plugins: () => [...]` with a serialization plugin that encodes data to bytes and decodes it back.',
      );
    }
    const h = new ConformanceHarness(settings, capabilities);
    afterEach(() => h.stopAll(), settings.testTimeoutMs);

    capabilityTests(h);
    deliveryTests(h);
    handlerFailureTests(h);
    deadLetterTests(h);
    orderingTests(h);
    consumerGroupTests(h);
    wildcardTests(h);
    lifecycleTests(h);
    durabilityTests(h);
  });
}

function assertCapabilities(capabilities: unknown): asserts capabilities is TransportCapabilities {
  if (typeof capabilities !== 'object' || capabilities === null) {
    throw new TypeError('describeTransportConformance: the transport has no `capabilities` object.');
  }
}
