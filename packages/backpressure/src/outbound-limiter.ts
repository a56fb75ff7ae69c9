/**
 * The publish-side limit: at most `maxInFlight` publishes between the
 * publish `guard` phase and the transport's acceptance. A publish beyond it
 * waits in a line of `capacity`; past that, the policy decides. This is where
 * a publisher hears "no": `reject` rejects its `publish` promise.
 */
import { BusError, isThenable, type Kernel, type Next, type PublishContext } from '@bus/core';
import type { OutboundLimit, OverflowPolicy } from './backpressure-options.js';
import { Fifo } from './fifo.js';

/**
 * Counters and gauges of the outbound limit.
 *
 * @example
 * ```ts
 * const { inFlight, rejected } = bus.backpressure.outbound() ?? {};
 * ```
 */
export interface OutboundStats {
  /** Publishes between the guard phase and the transport's acceptance. */
  readonly inFlight: number;
  /** Publishes waiting for a slot, within the line's capacity. */
  readonly queued: number;
  /** Publishes waiting beyond the line's capacity (`block` policy). */
  readonly waiting: number;
  /** Publishes dropped by `drop-oldest` or `drop-newest`: resolved without being sent. */
  readonly dropped: number;
  /** Publishes rejected with `BACKPRESSURE_REJECTED`. */
  readonly rejected: number;
}

interface InLine {
  readonly ctx: PublishContext;
  /** `true`: go, holding the slot handed over; `false`: dropped. */
  readonly settle: (go: boolean) => void;
}

export class OutboundLimiter {
  readonly #max: number;
  readonly #capacity: number;
  readonly #policy: OverflowPolicy;
  readonly #reportDrop: Kernel['drop'];
  readonly #line = new Fifo<InLine>();
  #inFlight = 0;
  #dropped = 0;
  #rejected = 0;

  constructor(limit: Required<OutboundLimit>, drop: Kernel['drop']) {
    this.#max = limit.maxInFlight;
    this.#capacity = limit.capacity;
    this.#policy = limit.policy;
    this.#reportDrop = drop;
  }

  get stats(): OutboundStats {
    const queued = Math.min(this.#line.size, this.#capacity);
    return { inFlight: this.#inFlight, queued, waiting: this.#line.size - queued, dropped: this.#dropped, rejected: this.#rejected };
  }

  /** The publish `guard` middleware. */
  readonly limit = (ctx: PublishContext, next: Next): void | Promise<void> => {
    if (this.#inFlight < this.#max && this.#line.size === 0) {
      this.#inFlight++;
      return this.#run(next);
    }
    if (this.#line.size < this.#capacity || this.#policy === 'block') return this.#wait(ctx, next);
    switch (this.#policy) {
      case 'drop-newest':
        this.#drop(ctx, 'drop-newest');
        return;
      case 'drop-oldest': {
        const oldest = this.#line.shift();
        if (oldest === undefined) {
          // No line to drop from (capacity 0): the newest is also the oldest waiting.
          this.#drop(ctx, 'drop-oldest');
          return;
        }
        this.#drop(oldest.ctx, 'drop-oldest');
        oldest.settle(false);
        return this.#wait(ctx, next);
      }
      default: {
        this.#rejected++;
        throw new BusError(
          'BACKPRESSURE_REJECTED',
          `Publish of ${ctx.envelope.type} refused: ${this.#max} publishes are in flight${this.#capacity > 0 ? ` and ${this.#capacity} waiting` : ''} (outbound policy reject).`,
          { eventId: ctx.envelope.id, details: { policy: 'reject', maxInFlight: this.#max, capacity: this.#capacity } },
        );
      }
    }
  };

  #wait(ctx: PublishContext, next: Next): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<boolean>();
    this.#line.push({ ctx, settle: resolve });
    return promise.then((go) => (go ? this.#run(next) : undefined));
  }

  /** Runs the rest of the chain in a slot already counted, and hands the slot on when it settles. */
  #run(next: Next): void | Promise<void> {
    let result: void | Promise<void>;
    try {
      result = next();
    } catch (error) {
      this.#release();
      throw error;
    }
    if (!isThenable(result)) {
      this.#release();
      return;
    }
    return result.then(
      () => this.#release(),
      (error: unknown) => {
        this.#release();
        throw error;
      },
    );
  }

  #release(): void {
    const waiting = this.#line.shift();
    // The slot goes straight to the first in line, so a publish arriving meanwhile cannot take it.
    if (waiting === undefined) this.#inFlight--;
    else waiting.settle(true);
  }

  #drop(ctx: PublishContext, policy: 'drop-oldest' | 'drop-newest'): void {
    this.#dropped++;
    const error = new BusError(
      'BACKPRESSURE_REJECTED',
      `Publish of ${ctx.envelope.type} (${ctx.envelope.id}) dropped: ${this.#max} publishes in flight, line of ${this.#capacity} full (outbound policy ${policy}).`,
      { eventId: ctx.envelope.id, retryable: false, details: { policy, maxInFlight: this.#max, capacity: this.#capacity } },
    );
    this.#reportDrop({ event: ctx.envelope, error });
  }
}
