/**
 * The entry point: registers the whole event-store conformance suite for one
 * backend, choosing the capability tests from what the backend claims.
 */
import { afterEach, describe } from 'vitest';
import type { BackendCapabilities } from '../event-store.js';
import { ConformanceHarness } from './harness.js';
import { type EventStoreConformanceOptions, resolveSettings } from './options.js';
import { appendTests } from './suite/append.js';
import { catchUpTests } from './suite/catch-up.js';
import { concurrencyTests } from './suite/concurrency.js';
import { durabilityTests } from './suite/durability.js';
import { idempotencyTests } from './suite/idempotency.js';
import { readTests } from './suite/reads.js';
import { retentionTests } from './suite/retention.js';
import { snapshotTests } from './suite/snapshots.js';

/**
 * Registers the event-store conformance suite as a vitest `describe` block
 * named `<name> conformance`. Call it at the top level of a test file.
 *
 * Every backend runs the basic contract through `createEventStore`: versions
 * and positions, the four kinds of expected version and the
 * `CONCURRENCY_CONFLICT` error, atomic batches, idempotent ids, stream and log
 * reads with inclusive bounds and type filters, the envelope round trip, the
 * upcast hook, catch-up subscriptions with appends racing the catch-up,
 * snapshots and aggregates, retention, and many concurrent writers with retry
 * loops. The tests of `durable` (reopen) and `multiWriter` (two stores over
 * the same data) are registered only when the backend claims them; nothing is
 * skipped.
 *
 * @param name - names the backend in the test report.
 * @param options - how to make backends, and the test sizes.
 * @example
 * ```ts
 * // test/sqlite.conformance.test.ts
 * import { describeEventStoreConformance } from '@bus/persistence/testing';
 * import { sqliteBackend } from '@bus/persistence';
 *
 * const directory = mkdtempSync(join(tmpdir(), 'store-'));
 * describeEventStoreConformance('sqlite backend', {
 *   createBackend: (name) => sqliteBackend({ path: join(directory, `${name}.db`) }),
 * });
 * ```
 */
export function describeEventStoreConformance(name: string, options: EventStoreConformanceOptions): void {
  const settings = resolveSettings(options);
  describe(`${name} conformance`, { timeout: settings.testTimeoutMs }, async () => {
    const capabilities = options.capabilities ?? (await probeCapabilities(settings.createBackend));
    const h = new ConformanceHarness(settings, capabilities);
    afterEach(() => h.closeAll(), settings.testTimeoutMs);

    appendTests(h);
    idempotencyTests(h);
    readTests(h);
    catchUpTests(h);
    concurrencyTests(h);
    snapshotTests(h);
    retentionTests(h);
    durabilityTests(h);
  });
}

async function probeCapabilities(createBackend: EventStoreConformanceOptions['createBackend']): Promise<BackendCapabilities> {
  const backend = await createBackend('capabilities-probe');
  const capabilities = backend.capabilities;
  await backend.close();
  if (typeof capabilities?.durable !== 'boolean' || typeof capabilities.multiWriter !== 'boolean') {
    throw new TypeError(
      'describeEventStoreConformance: the backend has no `capabilities` object with `durable` and `multiWriter` booleans.',
    );
  }
  return capabilities;
}
