/**
 * Catch-up subscriptions: read the log from a position, then keep reading as
 * events are appended. There is no separate "live" feed to switch to: the
 * same position-ordered read loop runs throughout, woken by appends made
 * through the store (and by a poll, for writers elsewhere), so the move from
 * history to live can neither skip nor repeat an event.
 */
import { BusError } from '@bus/core';
import type { LogRange, StoredEvent } from './event-store.js';
import { compileTypeFilter } from './type-filter.js';

/**
 * Handles one event of a catch-up subscription. The next event is read only
 * once it settles; a throw or rejection ends the subscription.
 *
 * @example
 * ```ts
 * const project: CatchUpHandler = async ({ event, position }) => {
 *   await readModel.apply(event);
 *   await checkpoints.save('balances', position);
 * };
 * ```
 */
export type CatchUpHandler = (record: StoredEvent) => void | Promise<void>;

/**
 * Options of `store.subscribe`.
 *
 * @example
 * ```ts
 * store.subscribe({ fromPosition: (await checkpoints.load('balances')) + 1, types: ['account.*'] }, project);
 * ```
 */
export interface CatchUpOptions {
  /** The first position to deliver, inclusive. Default 1: the whole log. Resume with the last handled position + 1. */
  readonly fromPosition?: number;
  /** Only these types (exact, or `*`/`#` patterns). */
  readonly types?: readonly string[];
  /** Only events for which this returns true. */
  readonly filter?: (record: StoredEvent) => boolean;
  /** Events read per query. Default 256. */
  readonly batchSize?: number;
  /**
   * How often to look for events appended elsewhere (another process, another
   * store object), in ms. Appends through the same store wake the subscription at once. Default 500.
   */
  readonly pollIntervalMs?: number;
  /** Called with each failure: read failures (then retried after `pollIntervalMs`) and the handler's (which end the subscription). */
  readonly onError?: (error: BusError) => void;
}

/**
 * A running catch-up subscription.
 *
 * @example
 * ```ts
 * const subscription = store.subscribe({}, handler);
 * await subscription.caughtUp; // history delivered; now live
 * await subscription.close();
 * ```
 */
export interface CatchUpSubscription {
  /** The position of the last event handled (or skipped by the filter); `fromPosition - 1` before the first. */
  readonly position: number;
  /** Whether it has read to the end of the log at least once. */
  readonly live: boolean;
  /** Resolves the first time the subscription reaches the end of the log. */
  readonly caughtUp: Promise<void>;
  /** Resolves when closed; rejects with a `HANDLER_FAILED` `BusError` when the handler failed. */
  readonly done: Promise<void>;
  /** Stops reading; resolves once the handler in progress (if any) settled. Idempotent. */
  close(): Promise<void>;
}

/** Where a catch-up subscription reads from, and how it learns of appends. */
export interface CatchUpSource {
  /** Reads the log (events already upcast). */
  readonly read: (range: LogRange) => Promise<StoredEvent[]>;
  /** Calls `listener` after each append through the store; returns an unsubscribe function. */
  readonly onAppend: (listener: () => void) => () => void;
}

const DEFAULT_BATCH_SIZE = 256;
const DEFAULT_POLL_INTERVAL_MS = 500;

/** Starts a catch-up subscription over `source`; `store.subscribe` calls this. */
export function startCatchUp(source: CatchUpSource, options: CatchUpOptions, handler: CatchUpHandler): CatchUpSubscription {
  return new CatchUp(source, options, handler);
}

class CatchUp implements CatchUpSubscription {
  #position: number;
  #live = false;
  #closed = false;
  /** Set by an append notification; makes the loop read again instead of sleeping. */
  #dirty = false;
  #wake: (() => void) | undefined;
  readonly #caughtUp = Promise.withResolvers<void>();
  readonly #done = Promise.withResolvers<void>();
  readonly #running: Promise<void>;
  readonly #stopListening: () => void;

  constructor(
    private readonly source: CatchUpSource,
    private readonly options: CatchUpOptions,
    private readonly handler: CatchUpHandler,
  ) {
    const from = options.fromPosition ?? 1;
    if (!Number.isSafeInteger(from) || from < 1) {
      throw new BusError('INVALID_SUBSCRIPTION', `fromPosition must be an integer >= 1 (positions start at 1); got ${String(from)}.`);
    }
    if (typeof handler !== 'function') throw new BusError('INVALID_SUBSCRIPTION', 'store.subscribe() needs a handler function.');
    this.#position = from - 1;
    // Awaiting them is optional: never an unhandled rejection.
    this.#done.promise.catch(noop);
    this.#caughtUp.promise.catch(noop);
    this.#stopListening = source.onAppend(() => {
      this.#dirty = true;
      this.#wake?.();
    });
    this.#running = this.#run();
  }

  get position(): number {
    return this.#position;
  }

  get live(): boolean {
    return this.#live;
  }

  get caughtUp(): Promise<void> {
    return this.#caughtUp.promise;
  }

  get done(): Promise<void> {
    return this.#done.promise;
  }

  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#stopListening();
      this.#wake?.();
    }
    await this.#running;
  }

  async #run(): Promise<void> {
    const selector = compileTypeFilter(this.options.types);
    const filter = this.options.filter;
    const batchSize = this.options.batchSize ?? DEFAULT_BATCH_SIZE;
    const pollIntervalMs = this.options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    while (!this.#closed) {
      this.#dirty = false;
      let page: StoredEvent[];
      try {
        page = await this.source.read({
          fromPosition: this.#position + 1,
          toPosition: Number.POSITIVE_INFINITY,
          limit: batchSize,
          types: selector.exactTypes,
        });
      } catch (error) {
        this.options.onError?.(BusError.from(error, 'STORE_FAILED'));
        await this.#sleep(pollIntervalMs);
        continue;
      }
      for (const record of page) {
        if (this.#closed) break;
        if (selector.matches(record.event) && (filter === undefined || filter(record))) {
          try {
            await this.handler(record);
          } catch (error) {
            const failure = BusError.from(error, 'HANDLER_FAILED', { eventId: record.event.id });
            this.#closed = true;
            this.#stopListening();
            this.options.onError?.(failure);
            this.#caughtUp.reject(failure);
            this.#done.reject(failure);
            return;
          }
        }
        this.#position = record.position;
      }
      if (page.length >= batchSize) continue;
      if (!this.#live) {
        this.#live = true;
        this.#caughtUp.resolve();
      }
      if (!this.#dirty) await this.#sleep(pollIntervalMs);
    }
    this.#caughtUp.resolve();
    this.#done.resolve();
  }

  #sleep(ms: number): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = undefined;
        done();
      };
    });
  }
}

function noop(): void {}
