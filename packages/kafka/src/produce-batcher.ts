/**
 * Linger and batch size for the producer: `send()` calls that arrive while a
 * produce request is in flight (or within `lingerMs`) go out together in the
 * next request. One request at a time matches the idempotent producer, which
 * keeps one request in flight per broker anyway; batching here makes that
 * request bigger instead of queueing many small ones. A single `send()` is
 * never split: its records travel in one request, and its promise settles
 * with that request.
 */

/** What the batcher needs from the producer: send these records in one request. */
export type ProduceRequest<R> = (records: R[]) => Promise<void>;

interface Waiting<R> {
  readonly records: readonly R[];
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** Options of {@link ProduceBatcher}. */
export interface ProduceBatcherOptions {
  /** How long a lone send waits for company; 0 sends at the end of the current tick. */
  readonly lingerMs: number;
  /** Records per request, at most (a single larger send still goes in one request). */
  readonly batchSize: number;
}

/** Coalesces sends into produce requests, one request in flight at a time. */
export class ProduceBatcher<R> {
  readonly #produce: ProduceRequest<R>;
  readonly #lingerMs: number;
  readonly #batchSize: number;
  #waiting: Waiting<R>[] = [];
  #waitingRecords = 0;
  #inFlight: Promise<void> | undefined;
  #scheduled = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(produce: ProduceRequest<R>, options: ProduceBatcherOptions) {
    this.#produce = produce;
    this.#lingerMs = options.lingerMs;
    this.#batchSize = options.batchSize;
  }

  /** Queues `records` for the next request; resolves when the broker acknowledged them. */
  send(records: readonly R[]): Promise<void> {
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.#waiting.push({ records, resolve, reject });
    this.#waitingRecords += records.length;
    if (this.#inFlight === undefined) {
      if (this.#waitingRecords >= this.#batchSize) this.#flush();
      else this.#schedule();
    }
    return promise;
  }

  /** Resolves once everything queued so far has been sent (or failed). */
  async drain(): Promise<void> {
    while (this.#inFlight !== undefined || this.#waiting.length > 0) {
      if (this.#inFlight === undefined) this.#flush();
      await this.#inFlight?.catch(noop);
    }
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    if (this.#lingerMs <= 0) queueMicrotask(this.#onLingered);
    else this.#timer = setTimeout(this.#onLingered, this.#lingerMs);
  }

  readonly #onLingered = (): void => {
    this.#scheduled = false;
    this.#timer = undefined;
    if (this.#inFlight === undefined) this.#flush();
  };

  #flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#scheduled = false;
    }
    if (this.#waiting.length === 0) return;
    // Take whole sends, up to batchSize records (always at least one send).
    let count = 0;
    let taken = 0;
    while (taken < this.#waiting.length) {
      const size = (this.#waiting[taken] as Waiting<R>).records.length;
      if (taken > 0 && count + size > this.#batchSize) break;
      count += size;
      taken++;
    }
    const batch = this.#waiting.splice(0, taken);
    this.#waitingRecords -= count;
    const records = batch.length === 1 ? [...(batch[0] as Waiting<R>).records] : batch.flatMap((waiting) => waiting.records);
    const request = this.#produce(records).then(
      () => {
        for (const waiting of batch) waiting.resolve();
      },
      (error: unknown) => {
        for (const waiting of batch) waiting.reject(error);
      },
    );
    this.#inFlight = request;
    void request.then(() => {
      this.#inFlight = undefined;
      // What queued up meanwhile has waited long enough: send it now.
      if (this.#waiting.length > 0) this.#flush();
    });
  }
}

function noop(): void {}
