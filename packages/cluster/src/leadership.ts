/**
 * The work that runs only while this node leads: every `onLeadership`
 * callback starts on each new term with its epoch and an `AbortSignal` that
 * aborts when the term ends.
 */
import { BusError } from '@bus/core';
import type { LeaderTerm } from './elector.js';

/** What a leadership callback is given. */
export interface Leadership {
  /** This leadership's epoch: greater than every earlier one of the election (of this shard). */
  readonly epoch: number;
  /** The shard this leadership is for: 0 unless the elector shards the work. */
  readonly shard: number;
  /** Aborts when the leadership ends (its reason is a `LEADERSHIP_LOST` BusError). */
  readonly signal: AbortSignal;
  /** Whether the leadership still holds now (monotonic clock). */
  isValid(): boolean;
  /**
   * Asks the engine whether this is still the latest leadership of the
   * election (no later epoch began): `undefined` when the engine cannot tell.
   */
  isLatest(): Promise<boolean | undefined>;
  /** Fences a write in your open transaction `tx` (see `bus.cluster.fence`). */
  fence(tx: unknown): Promise<void>;
}

/** A callback run while leading. */
export type LeadershipWork = (leadership: Leadership) => void | Promise<void>;

interface Running {
  readonly term: LeaderTerm;
  readonly controller: AbortController;
  readonly done: Set<Promise<void>>;
}

/** Starts and aborts the leadership callbacks. */
export class LeadershipRunner {
  readonly #works = new Set<LeadershipWork>();
  /** The terms held now, by shard. */
  readonly #running = new Map<number, Running>();
  /** Every callback that has not returned yet, of current and ended terms. */
  readonly #unfinished = new Set<Promise<void>>();

  constructor(
    private readonly fence: (tx: unknown, term: LeaderTerm) => Promise<void>,
    private readonly failed: (error: unknown) => void,
  ) {}

  /** The term of `shard`, while it holds. */
  term(shard = 0): LeaderTerm | undefined {
    const term = this.#running.get(shard)?.term;
    return term?.isValid() ? term : undefined;
  }

  /** Every term held now, by shard. */
  terms(): LeaderTerm[] {
    return [...this.#running.values()].map((running) => running.term).filter((term) => term.isValid());
  }

  add(work: LeadershipWork): () => void {
    this.#works.add(work);
    for (const running of this.#running.values()) this.#run(running, work);
    return () => {
      this.#works.delete(work);
    };
  }

  elected(term: LeaderTerm): void {
    const running: Running = { term, controller: new AbortController(), done: new Set() };
    this.#running.set(term.shard, running);
    for (const work of this.#works) this.#run(running, work);
  }

  /** Aborts the term's callbacks; resolves when they have all returned. */
  lost(term: LeaderTerm, reason: BusError): Promise<void> {
    const running = this.#running.get(term.shard);
    if (running === undefined || running.term !== term) return Promise.resolve();
    this.#running.delete(term.shard);
    running.controller.abort(reason);
    return Promise.all(running.done).then(() => undefined);
  }

  /** Resolves once every callback started so far has returned (those of ended terms were aborted). */
  async settled(): Promise<void> {
    while (this.#unfinished.size > 0) await Promise.all(this.#unfinished);
  }

  #run(running: Running, work: LeadershipWork): void {
    const { term, controller } = running;
    const leadership: Leadership = {
      epoch: term.epoch,
      shard: term.shard,
      signal: controller.signal,
      isValid: () => term.isValid() && !controller.signal.aborted,
      isLatest: async () => (term.isLatest === undefined ? undefined : await term.isLatest()),
      fence: (tx) => {
        if (controller.signal.aborted || !term.isValid()) {
          return Promise.reject(new BusError('LEADERSHIP_LOST', `fenced write refused: the leadership of epoch ${term.epoch} ended.`));
        }
        return this.fence(tx, term);
      },
    };
    const done = (async () => {
      try {
        await work(leadership);
      } catch (error) {
        // A callback that ends because its signal aborted did its job.
        if (!(controller.signal.aborted && (error === controller.signal.reason || isAbort(error)))) this.failed(error);
      }
    })();
    running.done.add(done);
    this.#unfinished.add(done);
    void done.finally(() => {
      running.done.delete(done);
      this.#unfinished.delete(done);
    });
  }
}

function isAbort(error: unknown): boolean {
  return (error as { name?: unknown } | undefined)?.name === 'AbortError' || (BusError.is(error) && error.code === 'LEADERSHIP_LOST');
}
