/**
 * The loop every lease elector runs (Postgres and SQLite share it): try to
 * take the lease while following, renew it while leading, and step down on
 * the monotonic clock when the last successful renewal is older than
 * ttl − margin — whatever the engine says later. The engine's own expiry
 * (its clock, ttl after the renewal) is what lets another node in; the
 * margin keeps this node's step-down before it.
 */
import { performance } from 'node:perf_hooks';
import { BusError } from '@bus/core';
import type { ElectorListener, LeaderTerm } from './elector.js';
import type { LeaseTiming } from './lease-timing.js';

/** The engine's side of a lease: three statements. */
export interface LeaseEngine {
  /** Takes the lease if it expired (or this node holds it): resolves to the new epoch, or `undefined`. */
  acquire(): Promise<number | undefined>;
  /** Extends the lease of `epoch`: `false` when this node no longer holds it. */
  renew(epoch: number): Promise<boolean>;
  /** Lets the lease of `epoch` expire now, so another node takes over at once. */
  release(epoch: number): Promise<void>;
  /** The epoch of the lease's latest leadership, whoever holds it now. */
  latestEpoch(): Promise<number>;
}

class Term implements LeaderTerm {
  readonly shard = 0;
  #renewedAt: number;
  #ended = false;
  constructor(
    readonly epoch: number,
    sentAt: number,
    private readonly validityMs: number,
    private readonly engine: LeaseEngine,
  ) {
    this.#renewedAt = sentAt;
  }
  async isLatest(): Promise<boolean> {
    return (await this.engine.latestEpoch()) === this.epoch;
  }
  /** The monotonic time at which the term stops holding. */
  get deadline(): number {
    return this.#renewedAt + this.validityMs;
  }
  isValid(): boolean {
    return !this.#ended && performance.now() < this.deadline;
  }
  renewed(sentAt: number): void {
    if (sentAt > this.#renewedAt) this.#renewedAt = sentAt;
  }
  end(): void {
    this.#ended = true;
  }
}

/** Runs a lease on `engine` with `timing`, telling `listener`. */
export class LeaseLoop {
  #term: Term | undefined;
  #tick: ReturnType<typeof setTimeout> | undefined;
  #deadline: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;

  constructor(
    private readonly engine: LeaseEngine,
    private readonly timing: LeaseTiming,
    private readonly listener: ElectorListener,
  ) {}

  /** Starts following (the first attempt to take the lease runs now). */
  start(): void {
    this.#stopped = false;
    this.#schedule(0);
  }

  /** Stops: waits for the attempt in flight, steps down and releases the lease. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#tick);
    await this.#running;
    const term = this.#term;
    if (term !== undefined) {
      this.#lose(term, new BusError('LEADERSHIP_LOST', `leadership of epoch ${term.epoch} ended: the elector stopped.`));
      try {
        await this.engine.release(term.epoch);
      } catch (error) {
        this.listener.failed(error);
      }
    }
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#tick = setTimeout(() => {
      this.#running = this.#round().finally(() => {
        this.#running = undefined;
        this.#schedule(this.timing.renewIntervalMs);
      });
    }, delayMs);
  }

  /** One attempt: renew while leading, acquire while following. An attempt that hangs is abandoned after a ttl. */
  async #round(): Promise<void> {
    const sentAt = performance.now();
    const term = this.#term;
    try {
      if (term !== undefined && !term.isValid()) {
        // Past ttl − margin (a paused process, a stalled loop): a term never comes back; the next round takes a new epoch.
        this.#lose(term, this.#expired(term));
        return;
      }
      if (term !== undefined) {
        const held = await this.#bounded(this.engine.renew(term.epoch));
        if (this.#term !== term) return;
        if (held) {
          term.renewed(sentAt);
          this.#armDeadline(term);
        } else {
          this.#lose(
            term,
            new BusError('LEADERSHIP_LOST', `leadership of epoch ${term.epoch} ended: the lease expired or another node holds it.`),
          );
        }
        return;
      }
      const epoch = await this.#bounded(this.engine.acquire());
      if (epoch === undefined || this.#stopped) return;
      const next = new Term(epoch, sentAt, this.timing.validityMs, this.engine);
      if (!next.isValid()) return; // the statement took longer than the lease holds: the next round takes it again
      this.#term = next;
      this.#armDeadline(next);
      this.listener.elected(next);
    } catch (error) {
      this.listener.failed(error);
    }
  }

  #bounded<T>(work: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new BusError('STORE_FAILED', `a lease statement did not finish within the ttl (${this.timing.ttlMs} ms).`)),
        this.timing.ttlMs,
      );
    });
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }

  #armDeadline(term: Term): void {
    clearTimeout(this.#deadline);
    this.#deadline = setTimeout(
      () => {
        if (this.#term === term && !term.isValid()) {
          this.#lose(term, this.#expired(term));
        } else if (this.#term === term) {
          this.#armDeadline(term);
        }
      },
      Math.max(0, term.deadline - performance.now()),
    );
  }

  #expired(term: Term): BusError {
    return new BusError(
      'LEADERSHIP_LOST',
      `leadership of epoch ${term.epoch} ended: no renewal succeeded within ttl − margin (${this.timing.validityMs} ms).`,
    );
  }

  #lose(term: Term, reason: BusError): void {
    if (this.#term !== term) return;
    this.#term = undefined;
    clearTimeout(this.#deadline);
    term.end();
    this.listener.lost(term, reason);
  }
}
