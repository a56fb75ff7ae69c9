/**
 * The Kafka transport: an idempotent (`acks=all`) producer behind a linger
 * batcher, one consumer group member per subscription, topics created on
 * first use, events laid out with the CloudEvents Kafka binding. A wildcard
 * subscription reads the list of existing topics its pattern matches, kept
 * up to date by listing the broker's topics.
 */
import type {
  EventEnvelope,
  MessageHandler,
  Transport,
  TransportCapabilities,
  TransportContext,
  TransportSubscription,
  TransportSubscriptionSpec,
} from '@bus/core';
import { BusError } from '@bus/core';
import { Admin, type MessageToProduce, Producer } from '@platformatic/kafka';
import { TopicAdmin } from './admin.js';
import { hasApiError, kafkaError } from './errors.js';
import { type KafkaOptions, type ResolvedKafkaOptions, resolveKafkaOptions } from './kafka-options.js';
import type { KafkaReporter } from './kafka-reporter.js';
import { ProduceBatcher } from './produce-batcher.js';
import { SubscriptionConsumer } from './subscription-consumer.js';
import { checkedTopicMapper } from './topic-mapping.js';
import { hasWildcardWords, isWildcardPattern, matchingTopics, readableTopics } from './wildcard-topics.js';

type ProducedRecord = MessageToProduce<Buffer, Buffer, Buffer, Buffer>;
type ClientOptions = { readonly clientId: string; readonly bootstrapBrokers: string[] } & Record<string, unknown>;

const CAPABILITIES: TransportCapabilities = Object.freeze({
  inProcess: false,
  durable: true,
  consumerGroups: true,
  orderedPerKey: true,
  // With a wildcard router (@bus/topics), a pattern reads the list of existing topics it matches.
  wildcards: true,
  redelivery: true,
  requiresEncodedData: true,
});

/**
 * The Kafka transport: what {@link kafka} installs, with a few controls of its
 * own for tests and operations.
 *
 * @example
 * ```ts
 * const transport = kafkaTransport({ brokers: ['127.0.0.1:9092'], groupId: 'billing' });
 * const bus = createBus({ transport }).use(serialization());
 * await bus.start();
 * await transport.settled(); // every subscription's group is stable
 * ```
 */
export interface KafkaTransport extends Transport {
  /** `'kafka'`. */
  readonly name: 'kafka';
  /** The topic events of `type` go to. */
  topicFor(type: string): string;
  /** Creates the topics of these event types if they are missing (as `ensureTopics` configures). */
  ensureTopics(types: readonly string[]): Promise<void>;
  /**
   * Deletes the topics of these event types, and their dead-letter topics,
   * where they exist: for tests and tear-down. Records in them are gone.
   * Works before `start()` and after `stop()` too.
   */
  deleteTopics(types: readonly string[]): Promise<void>;
  /**
   * Resolves once every subscription's consumer group is stable, this bus's
   * members hold the partitions the group assigned them, and they know where
   * to read each one: events published afterwards reach them. Rejects with
   * `TRANSPORT_FAILED` after `timeoutMs` (default 30 000).
   */
  settled(timeoutMs?: number): Promise<void>;
  /** A snapshot of each subscription: its group, topics, partitions held, records unfinished, and whether fetching is paused. */
  stats(): KafkaSubscriptionStats[];
  /**
   * Lists the broker's topics now and gives each wildcard subscription the
   * topics it matches, as the periodic refresh (`topicRefreshMs`) does.
   * Resolves once the list is given; a subscription whose topics changed
   * then rejoins its group (`settled()` waits for that).
   */
  refreshTopics(): Promise<void>;
}

/**
 * One subscription's state, from {@link KafkaTransport.stats}: for health checks and metrics.
 *
 * @example
 * ```ts
 * for (const { groupId, inFlight, paused } of transport.stats()) console.log(groupId, inFlight, paused ? 'paused' : '');
 * ```
 */
export interface KafkaSubscriptionStats {
  /** The subscription id (unique within the bus). */
  readonly subscriptionId: string;
  /** Its Kafka consumer group. */
  readonly groupId: string;
  /** Its topic; for a wildcard subscription, its pattern. */
  readonly topic: string;
  /** The topics it reads: its topic, or those its pattern matched at the last refresh (possibly none). */
  readonly topics: readonly string[];
  /** The partitions of its topic this member holds (a wildcard subscription: always empty, see `assignments`). */
  readonly partitions: readonly number[];
  /** Per topic read, the partitions this member holds. */
  readonly assignments: Readonly<Record<string, readonly number[]>>;
  /** Records received and not yet finished (handled or dead-lettered). */
  readonly inFlight: number;
  /** Whether fetching is paused because `inFlight` reached `maxInFlight`. */
  readonly paused: boolean;
}

/**
 * Creates the Kafka transport. Nothing connects until the bus starts it.
 * Prefer the {@link kafka} plugin; use this to pass a transport to
 * `createBus({ transport })` or to a conformance suite.
 *
 * @param options - brokers, the consumer group prefix, and tuning; see {@link KafkaOptions}.
 * @example
 * ```ts
 * import { createBus } from '@bus/core';
 * import { kafkaTransport } from '@bus/kafka';
 *
 * const bus = createBus({ source: 'billing', transport: kafkaTransport({ brokers: ['127.0.0.1:9092'], groupId: 'billing' }) });
 * ```
 */
export function kafkaTransport(options: KafkaOptions): KafkaTransport {
  return new KafkaTransportImpl(resolveKafkaOptions(options));
}

interface Started {
  readonly context: TransportContext;
  readonly reporter: KafkaReporter;
  readonly admin: TopicAdmin;
  readonly producer: Producer<Buffer, Buffer, Buffer, Buffer>;
  readonly batcher: ProduceBatcher<ProducedRecord>;
}

/** What a subscription reads, as `stats()` reports it. */
interface Subscribed {
  readonly consumer: SubscriptionConsumer;
  /** Its topic, or the pattern of a wildcard subscription. */
  readonly topic: string;
  /** Whether its pattern is matched against the list of topics. */
  readonly wildcard: boolean;
  /** Whether a record of this type is for it (the bus's router). */
  readonly matches: (type: string) => boolean;
}

class KafkaTransportImpl implements KafkaTransport {
  readonly name = 'kafka' as const;
  readonly capabilities = CAPABILITIES;
  readonly #options: ResolvedKafkaOptions;
  readonly #topic: ReturnType<typeof checkedTopicMapper>;
  readonly #client: ClientOptions;
  #started: Started | undefined;
  readonly #subscriptions = new Map<string, Subscribed>();
  /** How many subscriptions are wildcards: the refresh timer runs while there are any. */
  #wildcards = 0;
  #refreshTimer: ReturnType<typeof setInterval> | undefined;
  /** The refresh under way, and whether another was asked for while it ran. */
  #refreshing: Promise<void> | undefined;
  #refreshAgain = false;
  /** Whether the last refresh failed: a failure is reported once per run of failures. */
  #refreshFailed = false;
  /** Topics this transport has sent to while wildcard subscriptions existed: a new one triggers a refresh. */
  readonly #sentTopics = new Set<string>();
  /** Per pattern, the ordinals of the derived groups in use (`<groupId>.<pattern>`, `.2`, ...). */
  readonly #derivedGroups = new Map<string, Set<number>>();
  /** Header names as bytes, made once each. */
  readonly #headerNames = new Map<string, Buffer>();
  constructor(options: ResolvedKafkaOptions) {
    this.#options = options;
    this.#topic = checkedTopicMapper(options.topicFor);
    const client: Record<string, unknown> = {
      clientId: options.clientId,
      bootstrapBrokers: options.brokers,
      connectTimeout: options.connectTimeoutMs,
      timeout: options.requestTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      retries: options.retries,
      retryDelay: options.retryDelayMs,
    };
    if (options.sasl !== undefined) client.sasl = options.sasl;
    if (options.tls !== undefined) client.tls = options.tls;
    this.#client = client as ClientOptions;
  }

  topicFor(type: string): string {
    return this.#topic(type, 'INVALID_EVENT');
  }

  // ── lifecycle ──────────────────────────────────────────────────────────

  async start(context: TransportContext): Promise<void> {
    const options = this.#options;
    const admin = new TopicAdmin(new Admin({ ...this.#client, clientId: `${options.clientId}-admin` }), options.ensureTopics);
    const producer = new Producer<Buffer, Buffer, Buffer, Buffer>({
      ...this.#client,
      clientId: `${options.clientId}-producer`,
      idempotent: true, // implies acks = all and one request in flight per broker, so order survives retries
      compression: options.compression,
      retries: options.sendRetries,
    });
    const batcher = new ProduceBatcher<ProducedRecord>(
      async (records) => {
        await producer.send({ messages: records });
      },
      { lingerMs: options.lingerMs, batchSize: options.batchSize, sizeOf: recordBytes },
    );
    try {
      // Fail at start, not at the first publish, when the brokers cannot be reached (the admin client
      // retries 3 times, the producer 30), and get the producer id now rather than on the first send.
      await admin.client.metadata({ topics: [] });
      await producer.initIdempotentProducer({});
      const types = options.ensureTopics === false ? [] : (options.ensureTopics.types ?? []);
      await admin.ensure(types.map((type) => this.#topic(type, 'BUS_START_FAILED')));
    } catch (error) {
      await Promise.allSettled([producer.close(true), admin.client.close()]);
      throw kafkaError(error, `connect to ${options.brokers.join(',')}`);
    }
    // Failures outside any delivery and skipped records go through the kernel: its signals, and its logger when nobody handles them.
    this.#started = { context, reporter: context, admin, producer, batcher };
  }

  async stop(): Promise<void> {
    const started = this.#started;
    if (started === undefined) return;
    this.#stopRefreshing();
    await Promise.allSettled([...this.#subscriptions.values()].map((subscription) => subscription.consumer.close()));
    this.#subscriptions.clear();
    this.#wildcards = 0;
    await this.#refreshing;
    await started.batcher.drain();
    this.#started = undefined;
    const closed = await Promise.allSettled([started.producer.close(), started.admin.client.close()]);
    const failed = closed.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw kafkaError((failed as PromiseRejectedResult).reason, 'close the producer and admin clients');
  }

  async ensureTopics(types: readonly string[]): Promise<void> {
    const started = this.#require();
    await started.admin.ensure(types.map((type) => this.#topic(type, 'INVALID_EVENT')));
  }

  async deleteTopics(types: readonly string[]): Promise<void> {
    const topics = types.map((type) => this.#topic(type, 'INVALID_EVENT'));
    // With them the topics of their dead letters (resilience publishes them as `<type>.dlq`).
    const deadLetters = types.map((type) => this.#topic(`${type}.dlq`, 'INVALID_EVENT'));
    const doomed = [...new Set([...topics, ...deadLetters])];
    if (this.#started !== undefined) return this.#started.admin.delete(doomed);
    // Not started (or stopped already): a short-lived admin client does it.
    const admin = new TopicAdmin(new Admin({ ...this.#client, clientId: `${this.#options.clientId}-admin` }), false);
    try {
      await admin.delete(doomed);
    } finally {
      await admin.client.close();
    }
  }

  async settled(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const subscriptions = [...this.#subscriptions.values()].map((subscription) => subscription.consumer);
      const settled = await Promise.all(subscriptions.map((subscription) => subscription.isSettled().catch(() => false)));
      if (settled.every(Boolean) && this.#refreshing === undefined) return;
      if (Date.now() > deadline) {
        const waiting = subscriptions.filter((_, index) => !settled[index]).map((subscription) => subscription.groupId);
        throw new BusError('TRANSPORT_FAILED', `Kafka consumer groups did not settle within ${timeoutMs} ms: ${waiting.join(', ')}.`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  stats(): KafkaSubscriptionStats[] {
    return [...this.#subscriptions].map(([subscriptionId, { consumer, topic, wildcard }]) => {
      const { groupId, topics, inFlight, paused, assignments } = consumer.stats();
      const partitions = wildcard ? [] : (assignments[topic] ?? []);
      return { subscriptionId, groupId, topic, topics, partitions, assignments, inFlight, paused };
    });
  }

  // ── sending ────────────────────────────────────────────────────────────

  send(messages: readonly EventEnvelope[]): Promise<void> {
    const started = this.#require();
    const records: ProducedRecord[] = new Array(messages.length);
    const topics = new Set<string>();
    for (let index = 0; index < messages.length; index++) {
      const message = messages[index] as EventEnvelope;
      const topic = this.#topic(message.type, 'INVALID_EVENT', message.id);
      topics.add(topic);
      records[index] = this.#record(topic, message);
    }
    const ensuring = started.admin.ensure(topics);
    let sending = ensuring === undefined ? this.#produce(started, records) : ensuring.then(() => this.#produce(started, records));
    if (this.#wildcards > 0 && this.#isFirstSend(topics)) {
      // A topic this bus never sent to may be one a wildcard subscription waits for: look now, not at the next tick.
      sending = sending.then(() => void this.#refreshSoon());
    }
    return sending.catch((error: unknown) => {
      if (hasApiError(error, 'UNKNOWN_TOPIC_OR_PARTITION')) for (const topic of topics) started.admin.forget(topic);
      throw kafkaError(error, `send ${messages.length === 1 ? 'event' : `${messages.length} events`} to ${[...topics].join(', ')}`, {
        eventId: messages[0]?.id,
      });
    });
  }

  #isFirstSend(topics: ReadonlySet<string>): boolean {
    let first = false;
    for (const topic of topics) {
      if (this.#sentTopics.has(topic)) continue;
      if (this.#sentTopics.size >= 10_000) this.#sentTopics.clear(); // bounds a runaway; a repeat only costs a refresh
      this.#sentTopics.add(topic);
      first = true;
    }
    return first;
  }

  #produce(started: Started, records: ProducedRecord[]): Promise<void> {
    return started.batcher.send(records);
  }

  #record(topic: string, event: EventEnvelope): ProducedRecord {
    const headers = new Map<Buffer, Buffer>();
    const { key, value } = this.#options.binding.encode(event, (name, text) => {
      headers.set(this.#headerName(name), Buffer.from(text));
    });
    const record: ProducedRecord = { topic, value: value as Buffer, headers };
    if (key !== undefined) record.key = Buffer.from(key);
    return record;
  }

  #headerName(name: string): Buffer {
    let bytes = this.#headerNames.get(name);
    if (bytes === undefined) {
      bytes = Buffer.from(name);
      if (this.#headerNames.size < 1_000) this.#headerNames.set(name, bytes);
    }
    return bytes;
  }

  // ── subscribing ────────────────────────────────────────────────────────

  async subscribe(spec: TransportSubscriptionSpec, onMessage: MessageHandler): Promise<TransportSubscription> {
    const started = this.#require();
    const router = started.context.createRouter<true>();
    router.add(spec.pattern, true);
    const matches = (type: string): boolean => router.match(type).length > 0;
    const topic = this.#topicOfPattern(spec.pattern, started.context);
    const wildcard = topic === undefined;
    const derived = spec.group === undefined ? this.#takeDerivedGroup(spec.pattern) : undefined;
    const groupId = spec.group ?? this.#derivedGroupName(spec.pattern, derived as number);
    const release = (): void => {
      if (derived !== undefined) this.#derivedGroups.get(spec.pattern)?.delete(derived);
    };
    let subscribed: Subscribed | undefined;
    try {
      // The topic must exist before the group's leader assigns its partitions; a wildcard reads those that exist.
      if (topic !== undefined) await started.admin.ensure([topic]);
      const topics = topic === undefined ? await this.#topicsMatching(started, matches) : [topic];
      const consumer = new SubscriptionConsumer({
        options: this.#options,
        client: this.#client,
        topics,
        label: topic ?? spec.pattern,
        groupId,
        matches,
        typeOf: topic === undefined ? (name) => this.#options.typeOfTopic(name) : () => spec.pattern,
        onMessage,
        spec,
        reporter: started.reporter,
        undecodable: (message) => started.context.undecodable(message),
        groupIsStable: (group, memberId, assignment) => this.#groupIsStable(started, group, memberId, assignment),
      });
      subscribed = { consumer, topic: topic ?? spec.pattern, wildcard, matches };
      this.#subscriptions.set(spec.id, subscribed);
      if (wildcard) this.#wildcardAdded();
      await consumer.start();
    } catch (error) {
      if (subscribed !== undefined) this.#forget(spec.id, subscribed);
      release();
      await subscribed?.consumer.close().catch(noop);
      const what = topic === undefined ? `the topics matching '${spec.pattern}'` : `'${spec.pattern}' (topic '${topic}')`;
      throw kafkaError(error, `subscribe to ${what} in group '${groupId}'`, { code: 'TRANSPORT_FAILED' });
    }
    const subscription = subscribed;
    return {
      unsubscribe: async () => {
        if (this.#subscriptions.get(spec.id) !== subscription) return;
        this.#forget(spec.id, subscription);
        release();
        await subscription.consumer.close();
      },
    };
  }

  /**
   * The one topic a subscription pattern reads, or `undefined` for a wildcard
   * subscription that reads the topics its pattern matches. A pattern is a
   * wildcard when the bus's router treats its `*`/`#` words as wildcards
   * (`@bus/topics`) and `topicFor` does not map the pattern itself to a legal
   * topic (as it may when the pattern's types share one topic).
   */
  #topicOfPattern(pattern: string, context: TransportContext): string | undefined {
    if (isWildcardPattern(pattern, context.createRouter)) {
      try {
        return this.#topic(pattern, 'INVALID_SUBSCRIPTION');
      } catch {
        return undefined;
      }
    }
    try {
      return this.#topic(pattern, 'INVALID_SUBSCRIPTION');
    } catch (error) {
      if (!hasWildcardWords(pattern)) throw error;
      throw new BusError(
        'INVALID_SUBSCRIPTION',
        `'${pattern}' is not a wildcard for this bus: its router matches types exactly (the default), so '${pattern}' is a literal type, ` +
          `and not a legal Kafka topic name. Add @bus/topics (createBus().use(topics())) for '*' and '#' wildcards, or subscribe to an exact type.`,
        { cause: error },
      );
    }
  }

  #forget(id: string, subscribed: Subscribed): void {
    if (this.#subscriptions.get(id) !== subscribed) return;
    this.#subscriptions.delete(id);
    if (subscribed.wildcard && --this.#wildcards === 0) this.#stopRefreshing();
  }

  // ── wildcard topics ────────────────────────────────────────────────────

  /** The existing topics a wildcard subscription reads, as the broker lists them now. */
  async #topicsMatching(started: Started, matches: (type: string) => boolean): Promise<string[]> {
    const listed = await started.admin.client.listTopics();
    return matchingTopics(readableTopics(listed), this.#options.typeOfTopic, matches);
  }

  #wildcardAdded(): void {
    this.#wildcards++;
    if (this.#refreshTimer !== undefined) return;
    this.#refreshTimer = setInterval(() => void this.#refreshSoon(), this.#options.topicRefreshMs);
    this.#refreshTimer.unref();
  }

  #stopRefreshing(): void {
    clearInterval(this.#refreshTimer);
    this.#refreshTimer = undefined;
  }

  async refreshTopics(): Promise<void> {
    this.#require();
    await this.#refreshSoon();
  }

  /** Refreshes now, or right after the refresh under way (which may have listed too early). */
  #refreshSoon(): Promise<void> {
    if (this.#refreshing !== undefined) {
      this.#refreshAgain = true;
      return this.#refreshing;
    }
    const refreshing = (async () => {
      try {
        do {
          this.#refreshAgain = false;
          await this.#refresh();
        } while (this.#refreshAgain && this.#started !== undefined);
      } finally {
        this.#refreshing = undefined;
      }
    })();
    this.#refreshing = refreshing;
    return refreshing;
  }

  /** Gives each wildcard subscription the topics it matches now. Never rejects: failures go to `bus.events`. */
  async #refresh(): Promise<void> {
    const started = this.#started;
    const wildcards = [...this.#subscriptions.values()].filter((subscription) => subscription.wildcard);
    if (started === undefined || wildcards.length === 0) return;
    try {
      const readable = readableTopics(await started.admin.client.listTopics());
      const wanted = wildcards.map(({ matches }) => matchingTopics(readable, this.#options.typeOfTopic, matches));
      this.#refreshFailed = false;
      wildcards.forEach(({ consumer }, index) => {
        // The consumer switches in the background, reporting its own failures; settled() waits for it.
        void consumer.setTopics(wanted[index] as string[]).catch(noop);
      });
    } catch (error) {
      // Once per run of failures (the broker away, a typeOfTopic that throws): the next refresh tries again.
      if (!this.#refreshFailed && this.#started !== undefined) {
        started.reporter.report(kafkaError(error, 'list the topics for wildcard subscriptions (tried again every topicRefreshMs)'));
      }
      this.#refreshFailed = true;
    }
  }

  #takeDerivedGroup(pattern: string): number {
    let taken = this.#derivedGroups.get(pattern);
    if (taken === undefined) {
      taken = new Set();
      this.#derivedGroups.set(pattern, taken);
    }
    let ordinal = 1;
    while (taken.has(ordinal)) ordinal++;
    taken.add(ordinal);
    return ordinal;
  }

  #derivedGroupName(pattern: string, ordinal: number): string {
    const base = `${this.#options.groupId}.${pattern}`;
    return ordinal === 1 ? base : `${base}.${ordinal}`;
  }

  async #groupIsStable(
    started: Started,
    groupId: string,
    memberId: string,
    assignment: ReadonlyMap<string, readonly number[]>,
  ): Promise<boolean> {
    const groups = await started.admin.client.describeGroups({ groups: [groupId] });
    const group = groups.get(groupId);
    if (group === undefined || group.state !== 'Stable') return false;
    const member = group.members.get(memberId);
    if (member === undefined) return false;
    const described = new Map<string, readonly number[]>();
    for (const [topic, { partitions }] of member.assignments ?? new Map()) described.set(topic, partitions);
    return sameAssignment(described, assignment);
  }

  #require(): Started {
    if (this.#started === undefined) {
      throw new BusError('BUS_NOT_STARTED', 'The Kafka transport is not started: the bus starts it in bus.start().');
    }
    return this.#started;
  }
}

function sameAssignment(left: ReadonlyMap<string, readonly number[]>, right: ReadonlyMap<string, readonly number[]>): boolean {
  const normalize = (assignment: ReadonlyMap<string, readonly number[]>): string =>
    [...assignment]
      .filter(([, partitions]) => partitions.length > 0)
      .map(([topic, partitions]) => `${topic}:${[...partitions].sort((a, b) => a - b).join(',')}`)
      .sort()
      .join(' ');
  return normalize(left) === normalize(right);
}

function noop(): void {}

/** A record's size on the wire, about: its key, value and headers, and Kafka's per-record overhead. */
function recordBytes(record: ProducedRecord): number {
  let bytes = 70 + (record.key?.length ?? 0) + (record.value?.length ?? 0);
  const headers = record.headers;
  if (headers instanceof Map) for (const [name, value] of headers) bytes += name.length + (value?.length ?? 0) + 8;
  else if (headers !== undefined) for (const [name, value] of Object.entries(headers)) bytes += name.length + (value?.length ?? 0) + 8;
  return bytes;
}
