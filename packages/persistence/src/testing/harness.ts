/**
 * What every conformance test shares: stores over fresh backends, a clock the
 * test controls, unique stream names, and cleanup after each test.
 */
import type { EnvelopeInput, EventEnvelope } from '@bus/core';
import { createEventStore, type EventStoreOptions } from '../create-event-store.js';
import type { BackendCapabilities, EventStore, EventStoreBackend } from '../event-store.js';
import type { ConformanceSettings } from './options.js';

/** The tests' view of the backend under test. */
export class ConformanceHarness {
  readonly #stores: EventStore[] = [];
  readonly #backends: EventStoreBackend[] = [];
  #counter = 0;
  /** The clock of every store the harness makes, ms since the epoch; tests move it. */
  now = Date.now();

  constructor(
    readonly settings: ConformanceSettings,
    readonly capabilities: BackendCapabilities,
  ) {}

  /** A store or stream name no other test uses. */
  unique(label: string): string {
    return `${label}-${++this.#counter}`;
  }

  /** A store over a backend of the store called `name` (a new one by default), closed after the test. */
  async store(name = this.unique('store'), options: Omit<EventStoreOptions, 'backend'> = {}): Promise<EventStore> {
    const backend = await this.settings.createBackend(name);
    this.#backends.push(backend);
    const store = createEventStore({ clock: () => this.now, pollIntervalMs: 20, ...options, backend });
    this.#stores.push(store);
    return store;
  }

  /** Closes every store the test made. */
  async closeAll(): Promise<void> {
    const stores = this.#stores.splice(0);
    const backends = this.#backends.splice(0);
    await Promise.allSettled(stores.map((store) => store.close()));
    await Promise.allSettled(backends.map((backend) => backend.close()));
  }
}

/** `count` events of `type` with data `{ n }` (n from `start`), with fresh ids. */
export function events(type: string, count: number, start = 0): EnvelopeInput<{ n: number }>[] {
  return Array.from({ length: count }, (_, index) => ({ type, data: { n: start + index } }));
}

/** The event ids of stored records, in order. */
export function idsOf(records: readonly { readonly event: EventEnvelope }[]): string[] {
  return records.map((record) => record.event.id);
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `predicate` every 5 ms until it holds, or fails after `timeoutMs` naming `what`. */
export async function waitUntil(predicate: () => boolean, what: () => string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await sleep(5);
  }
}
