/**
 * One subscription's consumer: a Kafka consumer group member reading one
 * topic (or, for a wildcard subscription, the list of topics its pattern
 * matches), handing each record to the kernel and committing it only once the
 * kernel acked it (the handler, with its retries, finished).
 *
 * - Order: the records of a partition are handled one after another, so one
 *   key keeps its order; partitions run side by side.
 * - Commits: after each handled record, in offset order per partition, so
 *   a committed offset always means every record before it was handled.
 *   A crash re-delivers what was not committed instead of losing it.
 * - Redelivery: a nacked record is delivered again after a backoff, holding
 *   its partition (order), until it is handled. There is no retry budget
 *   here: how often to try and when to dead-letter is `@bus/resilience`'s
 *   policy, which acks what it dead-lettered. A record that cannot be decoded
 *   is handed to the kernel (`undecodable`: resilience dead-letters it with
 *   its bytes, else it is reported) and committed; if keeping it failed, it
 *   is handed over again after a backoff.
 * - Backpressure: past `maxInFlight` unfinished records fetching pauses, and
 *   resumes at half.
 * - Rebalances: records of a partition taken away are dropped unhandled and
 *   uncommitted (its new owner reads them from the last commit); records
 *   fetched again after the client rewinds to the last commit are skipped.
 * - Outages: a stream the client destroys (the broker is gone) is opened
 *   again with a backoff of up to 5 s, rejoining the group first when the
 *   client's membership lapsed, so consumption resumes once the broker is back.
 * - Close: stop fetching, let handlers in flight finish, commit, close the
 *   stream, then leave the group (in that order, as the client requires).
 * - A new topic list (`setTopics`): stop fetching, let handlers in flight
 *   finish and commit (as at close), close the stream, then consume the new
 *   list, which rejoins the group. Records fetched but not started are read
 *   again from the group's commits, so nothing is lost or handled twice. A
 *   topic the group never committed is read from its beginning: what was
 *   published between its creation and its discovery is not missed.
 */
import {
  BusError,
  type EventEnvelope,
  isThenable,
  type MessageHandler,
  type TransportSubscriptionSpec,
  type UndecodableMessage,
} from '@bus/core';
import {
  Consumer,
  type ConsumerGroupJoinPayload,
  type GroupAssignment,
  type Message,
  type MessagesStream,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
} from '@platformatic/kafka';
import { kafkaError, needsRejoin } from './errors.js';
import type { ResolvedKafkaOptions, StartFrom } from './kafka-options.js';
import type { KafkaReporter } from './kafka-reporter.js';
import { subscriptionAwareAssigner } from './partition-assigner.js';

type Bytes = Message<Buffer, Buffer, Buffer, Buffer>;
type ByteStream = MessagesStream<Buffer, Buffer, Buffer, Buffer>;

/** What a subscription consumer is given by the transport. */
export interface SubscriptionConsumerSetup {
  readonly options: ResolvedKafkaOptions;
  /** Connection options shared by every client of the transport. */
  readonly client: { readonly clientId: string; readonly bootstrapBrokers: string[] } & Record<string, unknown>;
  /** The topics to read from the start (a wildcard subscription may start with none); `setTopics` changes them. */
  readonly topics: readonly string[];
  /** What the subscription reads, for error messages: its topic, or its pattern. */
  readonly label: string;
  readonly groupId: string;
  /** The event type a topic holds, when known (the exact subscription's type, or `typeOfTopic`). */
  readonly typeOf: (topic: string) => string | undefined;
  /** Whether a record of this type is for this subscription (several types may share a topic). */
  readonly matches: (type: string) => boolean;
  readonly onMessage: MessageHandler;
  /** The subscription, for what the kernel is told about a record it could not decode. */
  readonly spec: TransportSubscriptionSpec;
  /** Where failures outside a delivery go. */
  readonly reporter: KafkaReporter;
  /** Hands a record that could not be decoded to the kernel (`TransportContext.undecodable`). */
  readonly undecodable: (message: UndecodableMessage) => Promise<boolean>;
  /** Whether the group is stable with this member holding what it thinks it holds. */
  readonly groupIsStable: (groupId: string, memberId: string, assignment: ReadonlyMap<string, readonly number[]>) => Promise<boolean>;
}

/** The work of one assigned partition. */
interface PartitionWork {
  readonly key: string;
  /** Records received and not finished, in offset order; the head is being handled. */
  readonly queue: Bytes[];
  /** The offset after the last record accepted: lower offsets are repeats after a rewind. */
  nextOffset: bigint;
  running: Promise<void> | undefined;
  /** Taken away by a rebalance (or the stream was reopened): finish nothing more, commit nothing more. */
  revoked: boolean;
  /** Ends a redelivery backoff early. */
  wake: (() => void) | undefined;
}

/** One subscription's group member: fetches, hands records to the kernel in order per partition, commits, redelivers, dead-letters. */
export class SubscriptionConsumer {
  readonly #setup: SubscriptionConsumerSetup;
  readonly #options: ResolvedKafkaOptions;
  readonly #consumer: Consumer<Buffer, Buffer, Buffer, Buffer>;
  #stream: ByteStream | undefined;
  readonly #partitions = new Map<string, PartitionWork>();
  /** The topics the stream reads (or is being opened for), sorted. */
  #topics: readonly string[];
  /** The topics it should read, as last given to `setTopics`, sorted. */
  #wanted: readonly string[];
  /**
   * Where partitions the group never committed start: `startFrom` for the topics read from the
   * start; `'earliest'` once the list changed, so a topic found later is read from its beginning.
   */
  #fallback: StartFrom;
  /** Topic changes and stream reopenings, one at a time, in order. */
  #tasks: Promise<void> = Promise.resolve();
  /** Tasks queued or running: the member is not settled while there are any. */
  #pendingTasks = 0;
  /** Set while the stream is retired for a new topic list: finish what runs, start nothing new. */
  #retiring = false;
  /** The last commit of start positions (`startFrom: 'latest'`). */
  #pinning: Promise<void> = Promise.resolve();
  /** Partitions of our topics this member holds, as of the last join; undefined before the first. */
  #assigned: Set<string> | undefined;
  #inFlight = 0;
  #paused = false;
  /** Set the moment close() is called: nothing new starts after it. */
  #stopping = false;
  #closed: Promise<void> | undefined;
  #positionsGeneration = -1;
  readonly #commits = new Set<Promise<void>>();
  #reopenDelayMs = 250;
  /** Set while a reopen is scheduled: a stream that fails as it opens both errors and closes, and one reopen is enough. */
  #reopenScheduled = false;

  constructor(setup: SubscriptionConsumerSetup) {
    this.#setup = setup;
    this.#options = setup.options;
    this.#topics = [...new Set(setup.topics)].sort();
    this.#wanted = this.#topics;
    this.#fallback = setup.options.startFrom;
    const options = setup.options;
    this.#consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
      ...setup.client,
      clientId: `${setup.client.clientId}-consumer`,
      groupId: setup.groupId,
      autocommit: false,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: options.heartbeatIntervalMs,
      rebalanceTimeout: options.rebalanceTimeoutMs,
      maxWaitTime: options.maxWaitTimeMs,
      partitionAssigner: subscriptionAwareAssigner,
    });
    this.#consumer.on('consumer:group:join', this.#onJoin);
    this.#consumer.on('error', this.#onConsumerError);
  }

  get groupId(): string {
    return this.#setup.groupId;
  }

  /**
   * Joins the group and resolves once this member knows where to read each
   * partition it holds. With no topic to read (a wildcard that matches none
   * yet), it joins nothing and resolves at once.
   */
  start(): Promise<void> {
    return this.#enqueue(async () => {
      if (this.#topics.length > 0) await this.#openStream();
    });
  }

  /**
   * Reads `topics` from now on: when they differ from what it reads, the
   * stream is retired (handlers in flight finish and commit) and a new one
   * consumes the list, rejoining the group. Resolves once that is done; a
   * failure is reported on `bus.events` and retried.
   */
  setTopics(topics: readonly string[]): Promise<void> {
    const wanted = [...new Set(topics)].sort();
    if (sameList(wanted, this.#wanted)) return this.#tasks;
    this.#wanted = wanted;
    return this.#enqueue(() => this.#switchTopics());
  }

  #enqueue(task: () => Promise<void>): Promise<void> {
    this.#pendingTasks++;
    const run = this.#tasks.then(task).finally(() => {
      this.#pendingTasks--;
    });
    this.#tasks = run.catch(noop);
    return run;
  }

  async #switchTopics(): Promise<void> {
    const wanted = this.#wanted;
    if (this.#stopping) return;
    // Changed back before this ran (or never started reading): nothing to do.
    if (sameList(wanted, this.#topics) && (this.#stream !== undefined || wanted.length === 0)) return;
    // With startFrom 'latest', the partitions read so far must have their start committed before
    // the next stream falls back to 'earliest' (which it must, for the topics found since).
    await this.#pinning;
    if (this.#stream !== undefined) await this.#retireStream();
    if (this.#stopping) return;
    this.#topics = wanted;
    this.#fallback = 'earliest';
    this.#assigned = new Set();
    if (wanted.length === 0) {
      // Nothing to read: leave the group, so its leader deals this member no partition of a topic it
      // no longer reads (they would wait for ever). Consuming again later joins it anew.
      if (this.#consumer.memberId !== null) {
        // (The overload without a callback returns a promise; TypeScript picks the other one.)
        await (this.#consumer.leaveGroup(false) as unknown as Promise<void>).catch((error: unknown) => this.#reportUnlessRejoin(error));
      }
      return;
    }
    try {
      await this.#openStream();
      this.#reopenDelayMs = 250;
    } catch (error) {
      this.#report(kafkaError(error, `consume ${this.#describeTopics()} in group '${this.#setup.groupId}'`));
      if (this.#stream === undefined && !this.#stopping) this.#scheduleReopen();
    }
  }

  /**
   * Stops the stream for a new topic list: no new record starts, handlers in flight finish
   * and commit (up to `closeTimeoutMs`; after that they are abandoned, uncommitted, and come
   * again), then the stream closes. Records fetched and not started are read again later.
   */
  async #retireStream(): Promise<void> {
    const stream = this.#stream;
    this.#retiring = true;
    try {
      stream?.pause();
      await this.#finishInFlight();
      for (const work of [...this.#partitions.values()]) this.#revoke(work);
      this.#stream = undefined;
      this.#paused = false;
      try {
        await stream?.close();
      } catch (error) {
        this.#reportUnlessRejoin(error);
      }
    } finally {
      this.#retiring = false;
    }
  }

  /** Lets the handler running on each partition finish (nothing after it starts), then waits for their commits. */
  async #finishInFlight(): Promise<void> {
    const running: Promise<void>[] = [];
    for (const work of this.#partitions.values()) {
      work.wake?.();
      if (work.running !== undefined) running.push(work.running);
      else this.#drop(work);
    }
    const deadline = Date.now() + this.#options.closeTimeoutMs;
    await withTimeout(Promise.all(running), deadline - Date.now());
    // The handlers that finished just now committed: wait for those commits too.
    await withTimeout(Promise.all(this.#commits), Math.max(deadline - Date.now(), 1_000));
  }

  async #openStream(): Promise<void> {
    const options = this.#options;
    // consume() joins only when the client has no member id or a topic is new to it. A consume() whose
    // join failed (the broker was away) leaves its topics counted as tracked and the heartbeat stopped, so
    // every later consume() skipped the join and read on a membership nobody kept alive (issue 18): after a
    // 10 s outage the subscriber never resumed. Rejoin first whenever the membership is not active.
    if (this.#consumer.memberId !== null && !this.#consumer.isActive()) await this.#consumer.joinGroup({});
    const topics = [...this.#topics];
    const tracked = this.#consumer.topics;
    const trackedBefore = topics.map((topic) => tracked.get(topic) ?? 0);
    let stream: ByteStream;
    try {
      stream = await this.#consumer.consume({
        topics,
        mode: MessagesStreamModes.COMMITTED,
        fallbackMode: this.#fallback === 'earliest' ? MessagesStreamFallbackModes.EARLIEST : MessagesStreamFallbackModes.LATEST,
        autocommit: false,
        maxWaitTime: options.maxWaitTimeMs,
      });
    } catch (error) {
      // The failed consume() kept its topics tracked (only a stream's close untracks them): untrack them,
      // so the next consume() joins again and a topic dropped later leaves the group's subscription.
      topics.forEach((topic, index) => {
        if ((tracked.get(topic) ?? 0) > (trackedBefore[index] ?? 0)) tracked.untrack(topic);
      });
      throw error;
    }
    if (this.#stopping) {
      await stream.close().catch(noop);
      return;
    }
    this.#stream = stream;
    // What this member holds now: consume() may not have rejoined (the membership outlived the last stream).
    this.#takeAssignment(this.#consumer.assignments ?? []);
    const positioned = new Promise<void>((resolve, reject) => {
      stream.once('offsets', () => resolve());
      stream.once('error', reject);
      stream.once('close', () => reject(new Error('the stream closed before it had positions')));
    });
    positioned.catch(noop);
    stream.on('offsets', () => {
      this.#positionsGeneration = this.#consumer.generationId;
      if (this.#options.startFrom === 'latest') this.#pinning = this.#pinStartPositions(stream);
    });
    stream.on('data', (message: Bytes) => this.#accept(stream, message));
    stream.on('error', (error: Error) => this.#streamFailed(stream, error));
    stream.on('close', () => this.#streamClosed(stream));
    await positioned;
  }

  /**
   * With `startFrom: 'latest'`, a partition the group never committed starts at its end *when it is
   * assigned*; if this member died before its first commit, the next owner would start at the end
   * again, skipping what was published in between. Committing the start position at once closes that gap.
   */
  async #pinStartPositions(stream: ByteStream): Promise<void> {
    const held = [...assignmentsOf(this.#assigned)].map(([topic, partitions]) => ({ topic, partitions }));
    if (held.length === 0 || this.#stopping) return;
    try {
      const committed = await this.#consumer.listCommittedOffsets({ topics: held });
      const offsets = held
        .flatMap(({ topic, partitions }) =>
          partitions
            .filter((partition) => (committed.get(topic)?.[partition] ?? -1n) < 0n)
            .map((partition) => ({ topic, partition, offset: stream.offsetsToFetch.get(`${topic}:${partition}`), leaderEpoch: -1 })),
        )
        .filter((entry): entry is { topic: string; partition: number; offset: bigint; leaderEpoch: number } => entry.offset !== undefined);
      if (offsets.length > 0 && !this.#stopping) await this.#consumer.commit({ offsets });
    } catch (error) {
      if (!needsRejoin(error) && !this.#stopping)
        this.#report(kafkaError(error, `commit the start positions of group '${this.#setup.groupId}'`));
    }
  }

  // ── receiving ──────────────────────────────────────────────────────────

  readonly #onJoin = (payload: ConsumerGroupJoinPayload): void => {
    this.#takeAssignment(payload.assignments ?? []);
  };

  /** Holds `assignments` (of our topics) from now on; the work of partitions no longer held is revoked. */
  #takeAssignment(assignments: readonly GroupAssignment[]): void {
    const assigned = new Set<string>();
    for (const assignment of assignments) {
      if (!this.#topics.includes(assignment.topic)) continue;
      for (const partition of assignment.partitions) assigned.add(`${assignment.topic}:${partition}`);
    }
    this.#assigned = assigned;
    for (const work of this.#partitions.values()) {
      if (!assigned.has(work.key)) this.#revoke(work);
    }
  }

  #accept(stream: ByteStream, message: Bytes): void {
    // A stream being retired may still emit what it had buffered: those records come again on the next one.
    if (this.#stopping || this.#retiring || stream !== this.#stream) return;
    const key = `${message.topic}:${message.partition}`;
    // A fetch answered after a rebalance may still carry records of a partition taken away.
    if (this.#assigned !== undefined && !this.#assigned.has(key)) return;
    let work = this.#partitions.get(key);
    if (work === undefined) {
      work = { key, queue: [], nextOffset: -1n, running: undefined, revoked: false, wake: undefined };
      this.#partitions.set(key, work);
    }
    // After a rejoin the client rewinds to the last commit: records already queued or handled come again.
    if (message.offset < work.nextOffset) return;
    work.nextOffset = message.offset + 1n;
    work.queue.push(message);
    this.#inFlight++;
    if (!this.#paused && this.#inFlight >= this.#options.maxInFlight) {
      this.#paused = true;
      this.#stream?.pause();
    }
    if (work.running === undefined) work.running = this.#run(work);
  }

  #revoke(work: PartitionWork): void {
    work.revoked = true;
    this.#partitions.delete(work.key);
    work.wake?.();
    // Forget the client's position too: if the partition comes back, it must start from the group's commit.
    this.#stream?.offsetsToFetch.delete(work.key);
    if (work.running === undefined) this.#drop(work);
  }

  /** Forgets the records of `work` that were not handled (the head too, when it was abandoned). */
  #drop(work: PartitionWork): void {
    this.#inFlight -= work.queue.length;
    work.queue.length = 0;
    this.#maybeResume();
  }

  #maybeResume(): void {
    if (this.#paused && !this.#stopping && !this.#retiring && this.#inFlight <= this.#options.maxInFlight / 2) {
      this.#paused = false;
      this.#stream?.resume();
    }
  }

  // ── handling ───────────────────────────────────────────────────────────

  async #run(work: PartitionWork): Promise<void> {
    try {
      while (work.queue.length > 0 && !work.revoked && !this.#stopping && !this.#retiring) {
        const message = work.queue[0] as Bytes;
        if (!(await this.#handle(work, message))) break;
        work.queue.shift();
        this.#inFlight--;
        this.#maybeResume();
        this.#commit(work, message);
      }
    } catch (error) {
      this.#report(kafkaError(error, `handle a record of ${work.key}`));
    } finally {
      work.running = undefined;
      if (work.revoked || this.#stopping || this.#retiring) this.#drop(work);
    }
  }

  /** Delivers `message` until it is acked (true), or abandoned by a rebalance or close (false). */
  async #handle(work: PartitionWork, message: Bytes): Promise<boolean> {
    let event: EventEnvelope;
    try {
      event = this.#options.binding.decode({
        key: message.key,
        value: message.value,
        headers: message.headers,
        topic: message.topic,
        partition: message.partition,
        offset: message.offset,
        timestamp: message.timestamp,
        type: this.#setup.typeOf(message.topic),
      });
    } catch (error) {
      return this.#handOverUndecodable(work, message, BusError.from(error, 'DECODE_FAILED'));
    }
    // Another type sharing the topic: not ours, and nothing to wait for.
    if (!this.#setup.matches(event.type)) return true;
    for (let attempt = 1; ; attempt++) {
      try {
        const result = this.#setup.onMessage(event);
        if (isThenable(result)) await result;
        return true;
      } catch {
        // The kernel already reported the failure on bus.events 'failed'; resilience, when used, already retried.
        if (this.#abandoned(work)) return false;
        await this.#sleep(work, this.#options.redeliveryDelayMs(attempt));
        if (this.#abandoned(work)) return false;
      }
    }
  }

  /** A redelivery (or a hand-over) is not waited for when the partition is taken away, or the stream closes or is retired. */
  #abandoned(work: PartitionWork): boolean {
    return work.revoked || this.#stopping || this.#retiring;
  }

  /** Hands a record that could not be decoded to the kernel, again after a backoff while keeping it fails (true once kept or reported). */
  async #handOverUndecodable(work: PartitionWork, message: Bytes, error: BusError): Promise<boolean> {
    const headers: Record<string, Uint8Array> = {};
    for (const [key, value] of message.headerEntries) {
      if (key !== undefined && key !== null) headers[key.toString()] = value ?? Buffer.alloc(0);
    }
    const undecodable: UndecodableMessage = {
      subscription: this.#setup.spec,
      transport: 'kafka',
      position: `${message.topic}/${message.partition}@${message.offset}`,
      type: this.#setup.typeOf(message.topic),
      key: message.key ?? undefined,
      value: message.value ?? null,
      headers,
      error,
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#setup.undecodable(undecodable);
        return true;
      } catch (failure) {
        this.#report(kafkaError(failure, `keep the undecodable record ${undecodable.position}`));
        if (this.#abandoned(work)) return false;
        await this.#sleep(work, Math.min(500 * attempt, 5_000));
        if (this.#abandoned(work)) return false;
      }
    }
  }

  #commit(work: PartitionWork, message: Bytes): void {
    if (work.revoked) return;
    const committing = (message.commit() ?? Promise.resolve()).then(
      () => void this.#commits.delete(committing),
      (error: unknown) => {
        this.#commits.delete(committing);
        // During a rebalance commits fail and the stream is rebuilt; the record comes again (a duplicate, not a loss).
        if (!needsRejoin(error) && !this.#stopping) {
          this.#report(kafkaError(error, `commit ${message.topic}/${message.partition}@${message.offset}`));
        }
      },
    );
    this.#commits.add(committing);
  }

  #sleep(work: PartitionWork, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        work.wake = undefined;
        resolve();
      }
      work.wake = done;
    });
  }

  // ── the stream's failures ──────────────────────────────────────────────

  /** The client gave up rejoining the group (the broker was away too long): report it, and rebuild the stream, which rejoins. */
  readonly #onConsumerError = (error: Error): void => {
    if (this.#stopping) return;
    this.#report(kafkaError(error, `stay in consumer group '${this.#setup.groupId}'`));
    this.#stream?.destroy();
  };

  #streamFailed(stream: ByteStream, error: Error): void {
    if (stream !== this.#stream || this.#stopping) return;
    if (!needsRejoin(error)) this.#report(kafkaError(error, `consume ${this.#describeTopics()} in group '${this.#setup.groupId}'`));
  }

  /** The client destroys its stream on some failures (a commit refused mid-rebalance): open a new one. */
  #streamClosed(stream: ByteStream): void {
    if (stream !== this.#stream || this.#stopping) return;
    this.#stream = undefined;
    this.#assigned = new Set();
    for (const work of [...this.#partitions.values()]) this.#revoke(work);
    this.#paused = false;
    this.#scheduleReopen();
  }

  #scheduleReopen(): void {
    if (this.#reopenScheduled) return;
    this.#reopenScheduled = true;
    const delay = this.#reopenDelayMs;
    this.#reopenDelayMs = Math.min(delay * 2, 5_000);
    this.#pendingTasks++; // not settled until it reopened
    setTimeout(() => {
      this.#pendingTasks--;
      this.#reopenScheduled = false;
      if (this.#stopping) return;
      void this.#enqueue(() => this.#reopen());
    }, delay);
  }

  /** Opens a stream again after the last one closed on its own, for the topics wanted now. */
  async #reopen(): Promise<void> {
    if (this.#stopping || this.#stream !== undefined) return; // a topic change opened one meanwhile
    if (!sameList(this.#wanted, this.#topics)) {
      this.#topics = this.#wanted;
      this.#fallback = 'earliest';
    }
    if (this.#topics.length === 0) return;
    try {
      await this.#openStream();
      this.#reopenDelayMs = 250;
    } catch (error) {
      this.#report(kafkaError(error, `reopen the consumer of ${this.#describeTopics()} in group '${this.#setup.groupId}'`));
      if (this.#stream === undefined && !this.#stopping) this.#scheduleReopen();
    }
  }

  #describeTopics(): string {
    const topics = this.#topics;
    if (topics.length === 1) return `topic '${topics[0]}'`;
    return `the topics of '${this.#setup.label}' (${topics.join(', ') || 'none'})`;
  }

  // ── readiness and closing ──────────────────────────────────────────────

  /** What this subscription holds right now. */
  stats(): { groupId: string; topics: string[]; inFlight: number; paused: boolean; assignments: Record<string, number[]> } {
    const assignments: Record<string, number[]> = {};
    for (const [topic, partitions] of assignmentsOf(this.#assigned)) assignments[topic] = partitions;
    return { groupId: this.#setup.groupId, topics: [...this.#topics], inFlight: this.#inFlight, paused: this.#paused, assignments };
  }

  /**
   * Whether this member is in a stable group, holding the partitions the group says, with their
   * positions known, and reading the topics it should (a member with no topic is settled at once).
   */
  async isSettled(): Promise<boolean> {
    const consumer = this.#consumer;
    if (this.#stopping || this.#pendingTasks > 0 || !sameList(this.#wanted, this.#topics)) return false;
    if (this.#topics.length === 0) return true;
    if (this.#stream === undefined || !consumer.isActive() || consumer.memberId === null) return false;
    if (this.#positionsGeneration !== consumer.generationId) return false;
    const assignment = new Map<string, readonly number[]>();
    for (const { topic, partitions } of consumer.assignments ?? []) assignment.set(topic, partitions);
    return this.#setup.groupIsStable(this.#setup.groupId, consumer.memberId, assignment);
  }

  /** Stops fetching, waits for handlers in flight (up to `closeTimeoutMs`), commits, closes the stream, leaves the group. */
  close(): Promise<void> {
    if (this.#closed === undefined) {
      this.#stopping = true;
      this.#closed = this.#close();
    }
    return this.#closed;
  }

  async #close(): Promise<void> {
    this.#stream?.pause();
    // A topic change under way stops at its next step; a stream it is opening is closed as it opens.
    await withTimeout(this.#tasks, this.#options.closeTimeoutMs);
    const stream = this.#stream;
    stream?.pause();
    await this.#finishInFlight();
    this.#stream = undefined;
    try {
      if (stream !== undefined) await stream.close();
    } catch (error) {
      if (!needsRejoin(error)) this.#report(kafkaError(error, `close the consumer stream of ${this.#describeTopics()}`));
    }
    try {
      await this.#consumer.close();
    } catch {
      await this.#consumer.close(true).catch((error: unknown) => this.#report(kafkaError(error, `leave group '${this.#setup.groupId}'`)));
    }
  }

  #reportUnlessRejoin(error: unknown): void {
    if (!needsRejoin(error) && !this.#stopping) this.#report(kafkaError(error, `change the topics of group '${this.#setup.groupId}'`));
  }

  #report(error: BusError): void {
    this.#setup.reporter.report(error);
  }
}

function withTimeout(work: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    work.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        resolve();
      },
    );
  });
}

function sameList(left: readonly string[], right: readonly string[]): boolean {
  return left.length === right.length && left.every((item, index) => item === right[index]);
}

/** `topic:partition` keys as partitions per topic, each sorted. */
function assignmentsOf(keys: Iterable<string> | undefined): Map<string, number[]> {
  const byTopic = new Map<string, number[]>();
  for (const key of keys ?? []) {
    const colon = key.lastIndexOf(':');
    const topic = key.slice(0, colon);
    let partitions = byTopic.get(topic);
    if (partitions === undefined) {
      partitions = [];
      byTopic.set(topic, partitions);
    }
    partitions.push(Number(key.slice(colon + 1)));
  }
  for (const partitions of byTopic.values()) partitions.sort((a, b) => a - b);
  return byTopic;
}

function noop(): void {}
