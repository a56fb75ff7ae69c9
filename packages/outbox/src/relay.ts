/**
 * The relay: claims committed rows in batches, sends them to the transport
 * with their partition key, and marks them sent. It wakes on the store's
 * commit signal, on the poll interval, and when the next scheduled or
 * backed-off row falls due. A failed send is retried per row with
 * exponential backoff and jitter; a batch that fails is retried one row at a
 * time, so one unsendable row (a poison row) fails alone while the rest
 * flow, and after `maxAttempts` it is dead-lettered. Several relays may
 * share a table: the store's leases keep each row, and each key's head, with one.
 */

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { BusError, type EventEnvelope } from '@bus/core';
import { backoffDelay, type OutboxRetryOptions } from './backoff.js';
import { checkShards, shardCount } from './shards.js';
import type { OutboxRecord, OutboxShards, OutboxStore } from './store.js';

/** Options of the relay. */
export interface RelayOptions {
  /** Rows claimed and sent per round. Default 100. */
  readonly batchSize?: number;
  /** The longest wait between two claims when nothing wakes the relay, in ms. Default 1 000. */
  readonly pollIntervalMs?: number;
  /** How long a claim holds its rows; a relay that dies holding them frees them after this. Default 30 000. */
  readonly leaseMs?: number;
  /** Retries of failed sends. */
  readonly retry?: OutboxRetryOptions;
  /** Keep sent rows this long (ms) instead of deleting them at once. Default 0 (delete). */
  readonly keepSentMs?: number;
  /** How often sent rows past `keepSentMs` are deleted, in ms. Default 60 000. */
  readonly cleanupIntervalMs?: number;
  /** This relay's name in the table's `claimed_by`. Default `host:pid:random`. */
  readonly relayId?: string;
  /**
   * Claim only the rows of some key shards: `count` shards, and `owned()` the ones this relay may send now (read
   * before every claim; none owned: the relay waits). With `@bus/cluster`'s sharded Kafka elector each shard has
   * one active relay: `{ count: 8, owned: () => bus.cluster.shards().map((s) => s.shard) }`; with a lease
   * elector, one relay for the table: `{ count: 1, owned: () => (bus.cluster.isLeader() ? [0] : []) }`.
   * Per-key order never depends on it (the claim's per-key rule spans shards). Default: every row.
   */
  readonly shards?: RelayShards;
}

/** The key shards a relay claims from (see {@link RelayOptions.shards}). */
export interface RelayShards {
  /** How many shards the partition keys are spread over (1 to 65 536). */
  readonly count: number;
  /** The shards this relay may claim from now, each in `[0, count)`. */
  owned(): readonly number[];
}

/** What the relay has done since it started. */
export interface RelayCounters {
  /** Rows sent and marked sent. */
  sent: number;
  /** Failed sends scheduled for a retry. */
  retried: number;
  /** Rows dead-lettered. */
  deadLettered: number;
  /** Claim rounds that found rows. */
  rounds: number;
}

/** What the relay tells the plugin. */
export interface RelayEvents {
  /** Sends the envelopes; resolves once the transport accepted all of them. */
  send(envelopes: readonly EventEnvelope[]): Promise<void>;
  /** A row went to the dead letters. */
  deadLettered(envelope: EventEnvelope, error: BusError, attempts: number): void;
  /** The store failed outside any one row. */
  failed(error: BusError): void;
}

/** Consecutive single-row failures after which a round stops and backs off: the transport, not the rows, is failing. */
const OUTAGE_AFTER = 3;

/** The relay of one outbox. */
export class Relay {
  readonly id: string;
  readonly counters: RelayCounters = { sent: 0, retried: 0, deadLettered: 0, rounds: 0 };
  readonly #store: OutboxStore;
  readonly #events: RelayEvents;
  readonly #batchSize: number;
  readonly #pollIntervalMs: number;
  readonly #leaseMs: number;
  readonly #keepSentMs: number;
  readonly #cleanupIntervalMs: number;
  readonly #retry: Required<OutboxRetryOptions>;
  #running: Promise<void> | undefined;
  #stopped = false;
  #woken = false;
  #wakeIdle: (() => void) | undefined;
  #unwatch: (() => Promise<void>) | undefined;
  #outageFailures = 0;
  #lastCleanup = 0;
  readonly #shards: RelayShards | undefined;

  constructor(store: OutboxStore, events: RelayEvents, options: RelayOptions = {}) {
    this.#store = store;
    this.#events = events;
    this.id = options.relayId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.#batchSize = positive(options.batchSize, 100, 'batchSize');
    this.#pollIntervalMs = positive(options.pollIntervalMs, 1_000, 'pollIntervalMs');
    this.#leaseMs = positive(options.leaseMs, 30_000, 'leaseMs');
    this.#keepSentMs = options.keepSentMs ?? 0;
    this.#cleanupIntervalMs = positive(options.cleanupIntervalMs, 60_000, 'cleanupIntervalMs');
    if (options.shards !== undefined) {
      if (typeof options.shards.owned !== 'function')
        throw new BusError('CONFIG_INVALID', 'outbox({ shards }) needs owned(), a function that returns the shards this relay may claim.');
      shardCount(options.shards.count);
    }
    this.#shards = options.shards;
    this.#retry = {
      maxAttempts: positive(options.retry?.maxAttempts, 10, 'retry.maxAttempts'),
      initialDelayMs: positive(options.retry?.initialDelayMs, 200, 'retry.initialDelayMs'),
      maxDelayMs: positive(options.retry?.maxDelayMs, 60_000, 'retry.maxDelayMs'),
    };
  }

  /** Starts claiming. */
  async start(): Promise<void> {
    if (this.#running !== undefined) return;
    this.#stopped = false;
    this.#unwatch = await this.#store.watch(() => this.wake());
    this.#running = this.#loop();
  }

  /** Claims again now instead of at the next poll. */
  wake(): void {
    this.#woken = true;
    this.#wakeIdle?.();
  }

  /** Stops claiming and waits for the round in flight to finish (its rows sent and marked). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wakeIdle?.();
    await this.#running;
    this.#running = undefined;
    await this.#unwatch?.();
    this.#unwatch = undefined;
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      let claimed: OutboxRecord[];
      try {
        this.#woken = false;
        const shards = this.#ownedShards();
        if (shards?.owned.length === 0) {
          await this.#idle(this.#pollIntervalMs);
          continue;
        }
        claimed = await this.#store.claim(this.id, this.#batchSize, this.#leaseMs, shards);
        await this.#cleanUp();
      } catch (error) {
        if (!isBusy(error)) this.#events.failed(BusError.from(error, 'STORE_FAILED'));
        await this.#idle(this.#pollIntervalMs);
        continue;
      }
      if (claimed.length === 0) {
        await this.#idle(await this.#untilDue());
        continue;
      }
      this.counters.rounds++;
      const outage = await this.#send(claimed);
      if (outage) {
        this.#outageFailures++;
        await this.#idle(backoffDelay(this.#outageFailures, this.#retry) + this.#retry.initialDelayMs, true);
      } else this.#outageFailures = 0;
    }
  }

  /** The shards to claim from now; `undefined` is every row. */
  #ownedShards(): OutboxShards | undefined {
    if (this.#shards === undefined) return undefined;
    return checkShards({ count: this.#shards.count, owned: [...this.#shards.owned()] });
  }

  /** Sends a round; resolves to whether the transport looked down (it stopped early and backs off). */
  async #send(records: readonly OutboxRecord[]): Promise<boolean> {
    try {
      await this.#events.send(records.map((record) => record.envelope));
    } catch (error) {
      if (records.length > 1) return this.#sendOneByOne(records);
      await this.#failed(records[0] as OutboxRecord, error);
      return false;
    }
    await this.#complete(records);
    return false;
  }

  /** After a batch failed: each row alone, in order; a key that failed holds its later rows back. */
  async #sendOneByOne(records: readonly OutboxRecord[]): Promise<boolean> {
    const failedKeys = new Set<string>();
    const untried: number[] = [];
    let consecutive = 0;
    for (const record of records) {
      const key = record.envelope.partitionkey;
      if (this.#stopped || consecutive >= OUTAGE_AFTER || (key !== undefined && failedKeys.has(key))) {
        untried.push(record.seq);
        continue;
      }
      try {
        await this.#events.send([record.envelope]);
      } catch (error) {
        consecutive++;
        if (key !== undefined) failedKeys.add(key);
        await this.#failed(record, error);
        continue;
      }
      consecutive = 0;
      await this.#complete([record]);
    }
    try {
      await this.#store.release(this.id, untried);
    } catch (error) {
      this.#events.failed(BusError.from(error, 'STORE_FAILED'));
    }
    return consecutive >= OUTAGE_AFTER;
  }

  async #complete(records: readonly OutboxRecord[]): Promise<void> {
    try {
      await this.#store.complete(
        this.id,
        records.map((record) => record.seq),
        this.#keepSentMs > 0,
      );
      this.counters.sent += records.length;
    } catch (error) {
      // Sent but not marked: the rows are sent again when their lease ends (at least once, same ids).
      this.#events.failed(BusError.from(error, 'STORE_FAILED'));
    }
  }

  async #failed(record: OutboxRecord, thrown: unknown): Promise<void> {
    const error = BusError.from(thrown, 'TRANSPORT_FAILED', { eventId: record.envelope.id });
    const attempts = record.attempts + 1;
    const message = `${error.code}: ${error.message}`.slice(0, 2_000);
    try {
      if (attempts >= this.#retry.maxAttempts || !error.retryable) {
        await this.#store.bury(this.id, record.seq, attempts, message);
        this.counters.deadLettered++;
        this.#events.deadLettered(record.envelope, error, attempts);
      } else {
        await this.#store.retry(this.id, record.seq, attempts, Date.now() + backoffDelay(attempts, this.#retry), message);
        this.counters.retried++;
      }
    } catch (storeError) {
      this.#events.failed(BusError.from(storeError, 'STORE_FAILED'));
    }
  }

  /** How long to sleep when nothing was due: until the next row falls due, at most the poll interval. */
  async #untilDue(): Promise<number> {
    try {
      const due = await this.#store.nextDueAt();
      return due === undefined ? this.#pollIntervalMs : Math.min(this.#pollIntervalMs, Math.max(0, due - Date.now()) + 1);
    } catch {
      return this.#pollIntervalMs;
    }
  }

  async #cleanUp(): Promise<void> {
    if (this.#keepSentMs <= 0 || Date.now() - this.#lastCleanup < this.#cleanupIntervalMs) return;
    this.#lastCleanup = Date.now();
    await this.#store.cleanup(Date.now() - this.#keepSentMs);
  }

  /** Waits `ms`, or less when woken (unless `ignoreWake`: backing off from an outage). */
  #idle(ms: number, ignoreWake = false): Promise<void> {
    if (this.#stopped || ms <= 0 || (this.#woken && !ignoreWake)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wakeIdle = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wakeIdle = ignoreWake
        ? () => {
            if (this.#stopped) done();
          }
        : done;
    });
  }
}

/** A store that was locked by a writer (SQLite): not a failure, the commit wakes the relay. */
function isBusy(error: unknown): boolean {
  return BusError.is(error) && (error.details as { busy?: boolean } | undefined)?.busy === true;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new BusError('CONFIG_INVALID', `outbox({ ${name} }) must be a positive number, got ${String(value)}.`);
  }
  return value;
}
