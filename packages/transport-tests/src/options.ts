/** What a transport author passes to the suite, and the defaults filled in. */
import { randomBytes } from 'node:crypto';
import type { Bus, Plugin, SubscriptionHandle, Transport, TransportCapabilities } from '@bus/core';

/**
 * Options of {@link describeTransportConformance}.
 *
 * @example
 * ```ts
 * const options: TransportConformanceOptions = {
 *   createTransport: () => kafkaTransport({ brokers: ['127.0.0.1:9092'] }),
 *   typePrefix: 'conformance.kafka',
 *   deliveryTimeoutMs: 20_000,
 *   plugins: () => [json()],
 *   wildcardPlugins: () => [topics()],
 *   subscriptionReady: (handle) => handle.ready,
 * };
 * ```
 */
export interface TransportConformanceOptions {
  /**
   * Makes a fresh, unstarted transport. Called for every bus the suite builds
   * (one or more per test; the suite starts and stops them), and once more to
   * read `capabilities` unless they are given. Transports it makes must reach
   * each other (one broker) for the multi-bus tests: consumer groups and
   * durability on a transport that is not `inProcess`.
   */
  readonly createTransport: () => Transport | Promise<Transport>;
  /**
   * The capabilities that select the tests. Default: those of one transport
   * made by `createTransport` (never started) when the suite is collected.
   * When given, a test checks that they equal what the transport claims.
   */
  readonly capabilities?: TransportCapabilities;
  /**
   * Prefix of every event type (and consumer group) the suite uses, so runs
   * never see each other's events (Kafka maps types to topics).
   * Default: `conformance.<random hex>`, new each run.
   */
  readonly typePrefix?: string;
  /** How long to wait for an asynchronous delivery before failing, in ms. Default 10 000. */
  readonly deliveryTimeoutMs?: number;
  /** The vitest timeout of each test and of its cleanup, in ms. Default 4 × `deliveryTimeoutMs`. */
  readonly testTimeoutMs?: number;
  /**
   * Plugins added to every bus, made fresh per bus: e.g. a JSON codec for a
   * transport with `capabilities.requiresEncodedData`.
   */
  readonly plugins?: () => readonly Plugin<object>[];
  /**
   * Plugins that give the bus a wildcard router (`() => [topics()]` from
   * `@bus/topics`), added after `plugins` to the buses of the `wildcards`
   * tests only, made fresh per bus. Those tests are registered when the
   * transport claims `wildcards` and this is given; the suite itself does not
   * depend on any router. Do not also put the router in `plugins`: a bus
   * refuses a plugin twice.
   */
  readonly wildcardPlugins?: () => readonly Plugin<object>[];
  /**
   * Runs before a test expects `handle` to receive, after every subscription
   * of the test is made: e.g. wait for a consumer group to be joined and
   * stable, so events published next are not missed. Default: `await handle.ready`.
   */
  readonly subscriptionReady?: (handle: SubscriptionHandle, bus: Bus) => void | Promise<void>;
}

/** The options with every default applied. */
export interface ConformanceSettings {
  readonly createTransport: () => Transport | Promise<Transport>;
  readonly typePrefix: string;
  readonly deliveryTimeoutMs: number;
  readonly testTimeoutMs: number;
  readonly plugins: () => readonly Plugin<object>[];
  readonly wildcardPlugins: (() => readonly Plugin<object>[]) | undefined;
  readonly subscriptionReady: (handle: SubscriptionHandle, bus: Bus) => void | Promise<void>;
}

const DEFAULT_DELIVERY_TIMEOUT_MS = 10_000;

/** Checks the options and fills in the defaults. */
export function resolveSettings(options: TransportConformanceOptions): ConformanceSettings {
  if (typeof options?.createTransport !== 'function') {
    throw new TypeError('describeTransportConformance: options.createTransport must be a function that returns a new transport.');
  }
  const typePrefix = options.typePrefix ?? `conformance.${randomBytes(4).toString('hex')}`;
  if (typeof typePrefix !== 'string' || typePrefix.length === 0) {
    throw new TypeError('describeTransportConformance: options.typePrefix must be a non-empty string.');
  }
  const deliveryTimeoutMs = positive(options.deliveryTimeoutMs, 'deliveryTimeoutMs') ?? DEFAULT_DELIVERY_TIMEOUT_MS;
  for (const name of ['plugins', 'wildcardPlugins', 'subscriptionReady'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new TypeError(`describeTransportConformance: options.${name} must be a function.`);
    }
  }
  return {
    createTransport: options.createTransport,
    typePrefix,
    deliveryTimeoutMs,
    testTimeoutMs: positive(options.testTimeoutMs, 'testTimeoutMs') ?? 4 * deliveryTimeoutMs,
    plugins: options.plugins ?? (() => []),
    wildcardPlugins: options.wildcardPlugins,
    subscriptionReady: options.subscriptionReady ?? ((handle) => handle.ready),
  };
}

function positive(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`describeTransportConformance: options.${name} must be a positive number of milliseconds.`);
  }
  return value;
}
