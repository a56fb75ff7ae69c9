/**
 * Linger and batch size for the producer: `send()` calls that arrive while a
 * produce request is in flight (or within `lingerMs`) go out together in the
 * next request. One request at a time matches the idempotent producer, which
 * keeps one request in flight per broker anyway; batching here makes that
 * request bigger instead of queueing many small ones. A request holds at most
 * `batchSize` records and about `maxRequestBytes` (the broker refuses a record
 * batch over its `max.message.bytes`, 1 MB by default), so a larger `send()`
 * is split into parts that go out one after the other, in order; its promise
 * resolves when every part is acknowledged, and once a part fails, the parts
 * not sent yet are not sent, and the promise rejects with that failure.
 */

/** What the batcher needs from the producer: send these records in one request. */
export type ProduceRequest<R> = (records: R[]) => Promise<void>;

interface Waiting<R> {
  readonly records: readonly R[];
  /** The records' estimated bytes. */
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  /** The parts of one split send share it: once one failed, the rest are not sent. */
  readonly split: { failure?: { readonly error: unknown } } | undefined;
}

/** Options of {@link ProduceBatcher}. */
export interface ProduceBatcherOptions<R> {
  /** How long a lone send waits for company; 0 sends at the end of the current tick. */
  readonly lingerMs: number;
  /** Records per request, at most. */
  readonly batchSize: number;
  /** Estimated bytes per request, at most (a single record larger than this still goes alone). Default 900 000. */
  readonly maxRequestBytes?: number;
  /** A record's estimated size in bytes. Default: every record counts 0 (only `batchSize` splits). */
  readonly sizeOf?: (record: R) => number;
}

/** Coalesces sends into produce requests, one request in flight at a time. */
export class ProduceBatcher<R> {
  readonly #produce: ProduceRequest<R>;
  readonly #lingerMs: number;
  readonly #batchSize: number;
  readonly #maxBytes: number;
  readonly #sizeOf: (record: R) => number;
  #waiting: Waiting<R>[] = [];
  #waitingRecords = 0;
  #inFlight: Promise<void> | undefined;
  #scheduled = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(produce: ProduceRequest<R>, options: ProduceBatcherOptions<R>) {
    this.#produce = produce;
    this.#lingerMs = options.lingerMs;
    this.#batchSize = options.batchSize;
    this.#maxBytes = options.maxRequestBytes ?? 900_000;
    this.#sizeOf = options.sizeOf ?? (() => 0);
  }

  /** Queues `records` for the next requests; resolves when the broker acknowledged all of them. */
  send(records: readonly R[]): Promise<void> {
    const parts = this.#parts(records);
    const split = parts.length > 1 ? {} : undefined;
    const acknowledged = parts.map(({ records: part, bytes }) => {
      const { promise, resolve, reject } = Promise.withResolvers<void>();
      this.#waiting.push({ records: part, bytes, resolve, reject, split });
      this.#waitingRecords += part.length;
      return promise;
    });
    if (this.#inFlight === undefined) {
      if (this.#waitingRecords >= this.#batchSize) this.#flush();
      else this.#schedule();
    }
    return acknowledged.length === 1 ? (acknowledged[0] as Promise<void>) : Promise.all(acknowledged).then(noop);
  }

  /** `records` in parts of at most `batchSize` records and about `maxRequestBytes`, in order. */
  #parts(records: readonly R[]): { records: readonly R[]; bytes: number }[] {
    // The usual publish: one record, one part.
    if (records.length === 1) return [{ records, bytes: this.#sizeOf(records[0] as R) }];
    const parts: { records: R[]; bytes: number }[] = [];
    let current: { records: R[]; bytes: number } = { records: [], bytes: 0 };
    for (const record of records) {
      const size = this.#sizeOf(record);
      if (current.records.length > 0 && (current.records.length >= this.#batchSize || current.bytes + size > this.#maxBytes)) {
        parts.push(current);
        current = { records: [], bytes: 0 };
      }
      current.records.push(record);
      current.bytes += size;
    }
    if (current.records.length > 0 || parts.length === 0) parts.push(current);
    return parts;
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
    // The parts of a split send after one that failed are not sent.
    while (this.#waiting.length > 0 && (this.#waiting[0] as Waiting<R>).split?.failure !== undefined) {
      const skipped = this.#waiting.shift() as Waiting<R>;
      this.#waitingRecords -= skipped.records.length;
      skipped.reject(skipped.split?.failure?.error);
    }
    if (this.#waiting.length === 0) return;
    // Take whole sends (or parts), up to batchSize records and maxRequestBytes (always at least one).
    let count = 0;
    let bytes = 0;
    let taken = 0;
    while (taken < this.#waiting.length) {
      const next = this.#waiting[taken] as Waiting<R>;
      if (taken > 0 && (count + next.records.length > this.#batchSize || bytes + next.bytes > this.#maxBytes || next.split?.failure)) break;
      count += next.records.length;
      bytes += next.bytes;
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
        for (const waiting of batch) {
          if (waiting.split !== undefined) waiting.split.failure ??= { error };
          waiting.reject(error);
        }
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
