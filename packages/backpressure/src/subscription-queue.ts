/**
 * One subscription's bounded queue: events wait for one of `concurrency`
 * handler slots. Only events whose `partitionkey` has nothing in flight may
 * start (the head of each key's lane), so one key's events run one at a time
 * and in order. Among those, the one of highest `priority` starts first (no
 * priority counts as 0), the oldest among equals; but the oldest that may
 * start is overtaken at most `maxOvertakes` times, then it starts next, so
 * no event starves. A token bucket may hold starts back.
 *
 * Keyless events wait in one FIFO. Keyed events wait in a lane per key; the
 * lanes that may start sit in a min-heap by the arrival of their next event.
 * A second heap holds every event that may start, by priority then arrival.
 * Heap entries go stale instead of being removed (checked on the way out).
 */
import { BusError, type DeliveryContext, isThenable, type Kernel, type Next, type Subscription } from '@bus/core';
import type { OverflowPolicy, ResolvedBackpressure } from './backpressure-options.js';
import { Fifo } from './fifo.js';
import { MinHeap } from './min-heap.js';
import { TokenBucket } from './token-bucket.js';

/**
 * Counters and gauges of one subscription's queue.
 *
 * @example
 * ```ts
 * const { queued, inFlight, dropped } = bus.backpressure.stats(handle.id) ?? {};
 * ```
 */
export interface SubscriptionStats {
  /** Events accepted and waiting for a handler slot. */
  readonly queued: number;
  /** Handler calls running now. */
  readonly inFlight: number;
  /** Deliveries waiting for room in a full queue (`block` policy). */
  readonly waiting: number;
  /** Events dropped by `drop-oldest` or `drop-newest` (or at stop, when draining timed out). */
  readonly dropped: number;
  /** Events refused by `reject`. */
  readonly rejected: number;
}

/** What every queue of one bus shares. */
export interface QueueRuntime {
  /** Where failures and drops are reported: the kernel's own rule for who hears them. */
  readonly kernel: Pick<Kernel, 'failDelivery' | 'drop'>;
  /** Whether the transport redelivers nacked messages; known once the bus started. */
  redelivery: boolean;
}

const QUEUED = 0;
const RUNNING = 1;
const DONE = 2;
const DROPPED = 3;

/** How the outcome of a job reaches the kernel. */
const REPORT = 0; // ack 'queued': the kernel already returned; this queue reports failures
const RETURN = 1; // ack 'handled', started inline: offer() returns the outcome itself
const SETTLE = 2; // ack 'handled', queued: offer() returned `done`, settled at the end

class Job {
  state = QUEUED;
  /** Admitted from the waiting line this tick: may not start before the admission has been seen (see #admitWaiting). */
  held = false;
  failed = false;
  error: unknown = undefined;
  lane: Lane | undefined = undefined;
  done: PromiseWithResolvers<void> | undefined = undefined;
  /** How many younger events started while this one was the oldest that could. */
  overtaken = 0;
  readonly priority: number;
  constructor(
    readonly seq: number,
    readonly key: string | undefined,
    readonly ctx: DeliveryContext,
    readonly next: Next,
    public outcome: number,
  ) {
    const priority = ctx.event.priority;
    this.priority = typeof priority === 'number' && Number.isFinite(priority) ? priority : 0;
  }
}

/** The jobs of one partition key behind the one in flight (or ready to be). */
interface Lane {
  readonly key: string;
  readonly jobs: Fifo<Job>;
  running: boolean;
  /** The lane's current heap entry; older entries for the lane are stale and skipped. */
  entry: LaneEntry | undefined;
}

interface LaneEntry {
  readonly lane: Lane;
  /** The arrival number of the lane's next job when the entry was made. */
  readonly rank: number;
}

/** An event that may start, in the priority heap: a keyless job, or a lane's head (`lane` set). */
interface Candidate {
  readonly job: Job;
  readonly rank: number;
  readonly lane: Lane | undefined;
  /** The lane entry this candidate was made with: stale once the lane's entry changes. */
  readonly entry: LaneEntry | undefined;
}

const byPriority = (a: Candidate, b: Candidate): boolean =>
  a.job.priority !== b.job.priority ? a.job.priority > b.job.priority : a.rank < b.rank;

interface Waiter {
  readonly job: Job;
  readonly admitted: () => void;
}

export class SubscriptionQueue {
  readonly #subscription: Subscription;
  readonly #runtime: QueueRuntime;
  readonly #capacity: number;
  readonly #policy: OverflowPolicy;
  readonly #concurrency: number;
  readonly #ack: ResolvedBackpressure['ack'];
  readonly #bucket: TokenBucket | undefined;
  readonly #keyless = new Fifo<Job>();
  readonly #lanes = new Map<string, Lane>();
  readonly #ready = new MinHeap<LaneEntry>();
  readonly #candidates = new MinHeap<Candidate>(byPriority);
  readonly #maxOvertakes: number;
  readonly #runningLanes = new Set<Lane>();
  readonly #waiting = new Fifo<Waiter>();
  #held: Job[] = [];
  #seq = 0;
  #queued = 0;
  #running = 0;
  #dropped = 0;
  #rejected = 0;
  #pumping = false;
  #refillTimer: ReturnType<typeof setTimeout> | undefined;
  #idleWaiters: (() => void)[] = [];

  constructor(subscription: Subscription, options: ResolvedBackpressure, runtime: QueueRuntime) {
    this.#subscription = subscription;
    this.#runtime = runtime;
    this.#capacity = options.capacity;
    this.#policy = options.policy;
    this.#concurrency = options.concurrency;
    this.#ack = options.ack;
    this.#maxOvertakes = options.maxOvertakes;
    this.#bucket = options.rate === undefined ? undefined : new TokenBucket(options.rate, `subscribe('${subscription.pattern}')`);
  }

  get stats(): SubscriptionStats {
    return {
      queued: this.#queued,
      inFlight: this.#running,
      waiting: this.#waiting.size,
      dropped: this.#dropped,
      rejected: this.#rejected,
    };
  }

  get idle(): boolean {
    return this.#queued === 0 && this.#running === 0 && this.#waiting.size === 0;
  }

  /**
   * Takes one delivery: runs it now, queues it, or applies the overflow
   * policy. Returns what the deliver middleware returns.
   */
  offer(ctx: DeliveryContext, next: Next): void | Promise<void> {
    const ackHandled = this.#ack === undefined ? this.#runtime.redelivery : this.#ack === 'handled';
    const key = ctx.event.partitionkey;
    // Nothing waiting, a free slot, the key idle, a token: start now, synchronously.
    if (
      this.#queued === 0 &&
      this.#waiting.size === 0 &&
      this.#running < this.#concurrency &&
      (key === undefined || !this.#lanes.has(key)) &&
      (this.#bucket === undefined || this.#bucket.tryTake())
    ) {
      const job = new Job(++this.#seq, key, ctx, next, ackHandled ? RETURN : REPORT);
      if (key !== undefined) this.#openRunningLane(job, key);
      const started = this.#start(job);
      if (!ackHandled) return;
      if (started === undefined) {
        if (job.failed) throw job.error;
        return;
      }
      return started.then(() => {
        if (job.failed) throw job.error;
      });
    }

    const job = new Job(++this.#seq, key, ctx, next, ackHandled ? SETTLE : REPORT);
    if (ackHandled) job.done = Promise.withResolvers<void>();
    // Behind deliveries already waiting for room (there is none unless the queue is full): arrival order is kept.
    if (this.#waiting.size === 0 && this.#queued < this.#capacity) {
      this.#enqueue(job);
      this.#pump();
      return job.done?.promise;
    }
    if (this.#queued < this.#capacity || this.#policy === 'block') return this.#wait(job);
    switch (this.#policy) {
      case 'drop-newest':
        this.#drop(job, 'drop-newest');
        return;
      case 'drop-oldest': {
        const oldest = this.#removeOldest();
        if (oldest !== undefined) this.#drop(oldest, 'drop-oldest');
        this.#enqueue(job);
        this.#pump();
        return job.done?.promise;
      }
      default:
        return this.#reject(job);
    }
  }

  /** Resolves when nothing is queued, waiting or running. */
  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Drops everything still queued or waiting (at stop, when draining timed out). */
  abandon(error: BusError): void {
    clearTimeout(this.#refillTimer);
    this.#refillTimer = undefined;
    for (let waiter = this.#waiting.shift(); waiter !== undefined; waiter = this.#waiting.shift()) {
      waiter.admitted();
      this.#dropWith(waiter.job, error);
    }
    for (let job = this.#removeOldest(); job !== undefined; job = this.#removeOldest()) this.#dropWith(job, error);
    this.#notifyIfIdle();
  }

  // ── admission ──────────────────────────────────────────────────────────

  #wait(job: Job): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#waiting.push({ job, admitted: resolve });
    this.#admitWaiting();
    return job.done === undefined ? promise : promise.then(() => (job.done as PromiseWithResolvers<void>).promise);
  }

  /**
   * Moves waiting deliveries into the queue while there is room. Their
   * promises resolve now, but their handlers start a microtask later: a
   * middleware whose promise settles after its `next()` started but before
   * it finished is what the kernel's missing-`await` check flags.
   */
  #admitWaiting(): void {
    let admittedAny = false;
    while (this.#waiting.size > 0 && this.#queued < this.#capacity) {
      const waiter = this.#waiting.shift() as Waiter;
      waiter.job.held = true;
      this.#held.push(waiter.job);
      this.#enqueue(waiter.job);
      waiter.admitted();
      admittedAny = true;
    }
    if (admittedAny && this.#held.length > 0) {
      queueMicrotask(() => {
        const held = this.#held;
        this.#held = [];
        for (const job of held) job.held = false;
        this.#pump();
      });
    }
  }

  #enqueue(job: Job): void {
    this.#queued++;
    const key = job.key;
    if (key === undefined) {
      this.#keyless.push(job);
      this.#pushCandidate({ job, rank: job.seq, lane: undefined, entry: undefined });
      return;
    }
    let lane = this.#lanes.get(key);
    if (lane === undefined) {
      lane = { key, jobs: new Fifo<Job>(), running: false, entry: undefined };
      this.#lanes.set(key, lane);
      lane.jobs.push(job);
      this.#markReady(lane);
    } else {
      lane.jobs.push(job); // a running lane is marked ready when its job finishes; a ready one already is
    }
    job.lane = lane;
  }

  #openRunningLane(job: Job, key: string): void {
    const lane: Lane = { key, jobs: new Fifo<Job>(), running: true, entry: undefined };
    this.#lanes.set(key, lane);
    this.#runningLanes.add(lane);
    job.lane = lane;
  }

  #markReady(lane: Lane): void {
    const head = lane.jobs.peek() as Job;
    const entry: LaneEntry = { lane, rank: head.seq };
    lane.entry = entry;
    this.#ready.push(entry);
    this.#pushCandidate({ job: head, rank: head.seq, lane, entry });
  }

  #pushCandidate(candidate: Candidate): void {
    this.#candidates.push(candidate);
    // Stale entries surface and go at the top; bound those stuck below a long backlog.
    if (this.#candidates.size > 2 * this.#queued + 64) this.#candidates.retain((entry) => this.#isCandidate(entry));
    if (this.#ready.size > 2 * this.#lanes.size + 64) this.#ready.retain((entry) => entry === entry.lane.entry);
  }

  #isCandidate(candidate: Candidate): boolean {
    return candidate.lane === undefined ? candidate.job.state === QUEUED : candidate.lane.entry === candidate.entry;
  }

  /** The oldest keyless job still queued (jobs started out of order by priority are skipped and let go). */
  #keylessHead(): Job | undefined {
    let head = this.#keyless.peek();
    while (head !== undefined && head.state !== QUEUED) {
      this.#keyless.shift();
      head = this.#keyless.peek();
    }
    return head;
  }

  // ── overflow ───────────────────────────────────────────────────────────

  #drop(job: Job, policy: 'drop-oldest' | 'drop-newest'): void {
    const capacity = this.#capacity;
    const name = this.#subscription.name;
    const message =
      policy === 'drop-oldest'
        ? `Subscription '${name}' dropped its oldest queued event ${job.ctx.event.id} to make room (queue of ${capacity} full, policy drop-oldest).`
        : `Subscription '${name}' dropped event ${job.ctx.event.id}: its queue of ${capacity} is full (policy drop-newest).`;
    this.#dropWith(
      job,
      new BusError('BACKPRESSURE_REJECTED', message, {
        eventId: job.ctx.event.id,
        retryable: false,
        details: { policy, capacity, subscription: this.#subscription.id },
      }),
    );
  }

  #dropWith(job: Job, error: BusError): void {
    job.state = DROPPED;
    this.#dropped++;
    this.#emitDropped(job, error);
    job.done?.resolve(); // dropped on purpose: acked, not failed
  }

  #reject(job: Job): never {
    this.#rejected++;
    const error = new BusError(
      'BACKPRESSURE_REJECTED',
      `Subscription '${this.#subscription.name}' refused event ${job.ctx.event.id}: its queue of ${this.#capacity} is full (policy reject).`,
      { eventId: job.ctx.event.id, details: { policy: 'reject', capacity: this.#capacity, subscription: this.#subscription.id } },
    );
    // Without redelivery, nothing will bring the event back: it is lost to this subscription, so say so.
    if (!this.#runtime.redelivery) this.#emitDropped(job, error);
    throw error;
  }

  #emitDropped(job: Job, error: BusError): void {
    this.#runtime.kernel.drop({ event: job.ctx.event, error, subscription: this.#subscription });
  }

  /** Removes the oldest queued job (the smallest arrival number among the heads), or returns undefined. */
  #removeOldest(): Job | undefined {
    let oldest: Job | undefined = this.#keylessHead();
    let from: Lane | undefined;
    const top = this.#validTop();
    if (top !== undefined) {
      const head = top.lane.jobs.peek() as Job;
      if (oldest === undefined || head.seq < oldest.seq) {
        oldest = head;
        from = top.lane;
      }
    }
    for (const lane of this.#runningLanes) {
      const head = lane.jobs.peek();
      if (head !== undefined && (oldest === undefined || head.seq < oldest.seq)) {
        oldest = head;
        from = lane;
      }
    }
    if (oldest === undefined) return undefined;
    this.#queued--;
    if (from === undefined) {
      this.#keyless.shift();
      return oldest;
    }
    from.jobs.shift();
    if (!from.running) {
      // A ready lane lost its head: its heap entry is stale now.
      from.entry = undefined;
      if (from.jobs.size > 0) this.#markReady(from);
      else this.#lanes.delete(from.key);
    }
    return oldest;
  }

  // ── running ────────────────────────────────────────────────────────────

  /** The heap's top entry once stale entries are discarded. */
  #validTop(): LaneEntry | undefined {
    let top = this.#ready.peek();
    while (top !== undefined && top !== top.lane.entry) {
      this.#ready.pop();
      top = this.#ready.peek();
    }
    return top;
  }

  /** The oldest queued job that may start (its key idle), without removing it. */
  #peekOldest(): Job | undefined {
    const keyless = this.#keylessHead();
    const top = this.#validTop();
    if (top === undefined) return keyless;
    if (keyless !== undefined && keyless.seq < top.rank) return keyless;
    return top.lane.jobs.peek();
  }

  /** The job that may start with the highest priority (the oldest among equals). */
  #peekHighest(): Job | undefined {
    let top = this.#candidates.peek();
    while (top !== undefined && !this.#isCandidate(top)) {
      this.#candidates.pop();
      top = this.#candidates.peek();
    }
    return top?.job;
  }

  #takeNext(job: Job): void {
    this.#queued--;
    const lane = job.lane;
    if (lane === undefined) {
      if (this.#keyless.peek() === job) this.#keyless.shift(); // otherwise it is skipped once it reaches the head
      return;
    }
    lane.entry = undefined; // its entries in both heaps are stale now
    lane.jobs.shift();
    lane.running = true;
    this.#runningLanes.add(lane);
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#running < this.#concurrency) {
        const oldest = this.#peekOldest();
        if (oldest === undefined) break;
        const job = oldest.overtaken >= this.#maxOvertakes ? oldest : (this.#peekHighest() ?? oldest);
        if (job.held) break;
        if (this.#bucket !== undefined && !this.#bucket.tryTake()) {
          this.#waitForToken(this.#bucket);
          break;
        }
        if (job !== oldest) oldest.overtaken++;
        this.#takeNext(job);
        this.#start(job);
        if (this.#waiting.size > 0) this.#admitWaiting();
      }
    } finally {
      this.#pumping = false;
    }
    this.#notifyIfIdle();
  }

  #waitForToken(bucket: TokenBucket): void {
    if (this.#refillTimer !== undefined) return;
    this.#refillTimer = setTimeout(() => {
      this.#refillTimer = undefined;
      this.#pump();
    }, bucket.msUntilToken());
  }

  /** Runs a job; returns a promise only when it finishes asynchronously (it never rejects). */
  #start(job: Job): Promise<void> | undefined {
    job.state = RUNNING;
    this.#running++;
    let result: void | Promise<void>;
    try {
      result = job.next();
    } catch (error) {
      this.#finish(job, true, error);
      return undefined;
    }
    if (!isThenable(result)) {
      this.#finish(job, false, undefined);
      return undefined;
    }
    return result.then(
      () => this.#finish(job, false, undefined),
      (error: unknown) => this.#finish(job, true, error),
    );
  }

  #finish(job: Job, failed: boolean, error: unknown): void {
    job.state = DONE;
    this.#running--;
    const lane = job.lane;
    if (lane !== undefined) {
      lane.running = false;
      this.#runningLanes.delete(lane);
      if (lane.jobs.size > 0) this.#markReady(lane);
      else this.#lanes.delete(lane.key);
    }
    if (job.outcome === SETTLE) {
      if (failed) job.done?.reject(error);
      else job.done?.resolve();
    } else if (job.outcome === RETURN) {
      job.failed = failed;
      job.error = error;
    } else if (failed) {
      this.#reportFailure(job, error);
    }
    this.#pump();
  }

  /** The kernel's report of a failed delivery, for deliveries it already counted as done. */
  #reportFailure(job: Job, error: unknown): void {
    this.#runtime.kernel.failDelivery(error, job.ctx.event, this.#subscription);
  }

  #notifyIfIdle(): void {
    if (this.#idleWaiters.length === 0 || !this.idle || this.#pumping) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const waiter of waiters) waiter();
  }
}
