/**
 * The Kafka elector: leadership is ownership of partition 0 of a
 * one-partition coordination topic by a member of one consumer group (the
 * group coordinator is the engine; no consensus of ours). A leader steps
 * down at once on a rebalance (the eager protocol revokes everything before
 * the group reassigns), on leaving, and on its own monotonic clock when its
 * last successful heartbeat is older than the session timeout minus a margin
 * — before the coordinator can expire it and hand the partition on.
 *
 * The epoch is the offset of a record the new leader appends to partition 0:
 * offsets only grow, so epochs strictly increase across leaderships.
 *
 * With `shards: N` the topic has N partitions, and each is a shard of work
 * (relays, projections) led by the member that owns it, with an epoch of its own.
 */
import { performance } from 'node:perf_hooks';
import { BusError } from '@bus/core';
import type { Consumer, Producer } from '@platformatic/kafka';
import type { Elector, ElectorListener, LeaderTerm } from './elector.js';
import type { ClusterNode } from './node-identity.js';

/**
 * Options of {@link kafkaElector}.
 *
 * @example
 * ```ts
 * kafkaElector({ brokers: ['127.0.0.1:9092'], name: 'billing-relay', sessionTimeoutMs: 6_000 });
 * ```
 */
export interface KafkaElectorOptions {
  /** Bootstrap brokers, `host:port`. */
  readonly brokers: readonly string[];
  /** The election: its coordination topic is `<topicPrefix><name>` and its group the same name. */
  readonly name: string;
  /** Prefix of the coordination topic and group. Default `'bus-cluster.'`. */
  readonly topicPrefix?: string;
  /** The group's session timeout: a silent member is expired after it. Default 10 000 ms. */
  readonly sessionTimeoutMs?: number;
  /** How often the member heartbeats. Default session / 5. */
  readonly heartbeatIntervalMs?: number;
  /** How long before the coordinator could expire it the leader steps down. Default session / 5. */
  readonly safetyMarginMs?: number;
  /**
   * Partitions of the coordination topic, each a shard of work led by the
   * member that owns it (`bus.cluster.shards()`, `onLeadership` per shard);
   * the topic is created with them. Default 1: one leader.
   */
  readonly shards?: number;
  /** Replication factor of the coordination topic when it is created. Default: the broker's. */
  readonly replicationFactor?: number;
  /** Extra client options given to `@platformatic/kafka` (SASL, TLS, clientId). */
  readonly client?: Readonly<Record<string, unknown>>;
}

class KafkaTerm implements LeaderTerm {
  #ended = false;
  constructor(
    readonly epoch: number,
    readonly shard: number,
    private readonly validUntil: () => number,
    private readonly endOffset: (partition: number) => Promise<number>,
  ) {}
  isValid(): boolean {
    return !this.#ended && performance.now() < this.validUntil();
  }
  /** The epoch is the offset after this term's epoch record: a later leadership's record moves the partition's end past it. */
  async isLatest(): Promise<boolean> {
    return (await this.endOffset(this.shard)) === this.epoch;
  }
  end(): void {
    this.#ended = true;
  }
}

/**
 * Creates a Kafka elector. It cannot fence a database transaction
 * (`bus.cluster.fence` rejects with `TRANSPORT_UNSUPPORTED`; fence Kafka writes with
 * {@link fencedKafkaProducer}); give `cluster({ members, state })` {@link kafkaMembers}
 * and {@link kafkaState} when you need those.
 *
 * @example
 * ```ts
 * const bus = createBus().use(kafka({ brokers })).use(cluster({ elector: kafkaElector({ brokers, name: 'projector' }), members: kafkaMembers({ brokers, name: 'projector' }) }));
 * ```
 */
export function kafkaElector(options: KafkaElectorOptions): Elector {
  const { brokers, name } = options ?? ({} as KafkaElectorOptions);
  if (!Array.isArray(brokers) || brokers.length === 0) throw new BusError('CONFIG_INVALID', 'kafkaElector() needs `brokers`.');
  if (typeof name !== 'string' || !/^[A-Za-z0-9._-]+$/.test(name)) {
    throw new BusError('CONFIG_INVALID', `kafkaElector() needs a \`name\` of letters, digits, '.', '_' or '-', got '${String(name)}'.`);
  }
  const sessionTimeoutMs = options.sessionTimeoutMs ?? 10_000;
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? Math.floor(sessionTimeoutMs / 5);
  const safetyMarginMs = options.safetyMarginMs ?? Math.floor(sessionTimeoutMs / 5);
  if (!(heartbeatIntervalMs > 0 && heartbeatIntervalMs + safetyMarginMs < sessionTimeoutMs)) {
    throw new BusError('CONFIG_INVALID', 'kafkaElector(): heartbeatIntervalMs + safetyMarginMs must be below sessionTimeoutMs.');
  }
  const topic = `${options.topicPrefix ?? 'bus-cluster.'}${name}`;
  const validityMs = sessionTimeoutMs - safetyMarginMs;

  const shards = options.shards ?? 1;
  if (!Number.isInteger(shards) || shards < 1)
    throw new BusError('CONFIG_INVALID', `kafkaElector(): shards must be an integer ≥ 1, got ${shards}.`);

  let consumer: Consumer<Buffer, Buffer, Buffer, Buffer> | undefined;
  let producer: Producer<Buffer, Buffer, Buffer, Buffer> | undefined;
  let stream: { close(): Promise<void> } | undefined;
  let listener: ElectorListener | undefined;
  /** The terms held, by partition (= shard). */
  const terms = new Map<number, KafkaTerm>();
  let stopped = true;
  let heartbeatSentAt = 0;
  /** The monotonic send time of the last heartbeat (or join) the coordinator answered. */
  let lastAlive = 0;
  let deadline: ReturnType<typeof setTimeout> | undefined;
  /** Elections in flight: a join that assigned partitions appends their epoch records. */
  let electing: Promise<void> = Promise.resolve();
  /** Bumped by every join, rebalance and leave: an election started before one is void. */
  let generation = 0;
  /** The end offset of a coordination partition now: one past its latest epoch record. */
  const endOffset = async (partition: number): Promise<number> => {
    if (consumer === undefined) throw new BusError('LEADERSHIP_LOST', `the elector of '${name}' is not running.`);
    const offsets = await consumer.listOffsets({ topics: [topic] });
    const end = offsets.get(topic)?.[partition];
    if (end === undefined) throw new BusError('TRANSPORT_FAILED', `no end offset for '${topic}' partition ${partition}.`);
    return Number(end);
  };

  const lose = (reason: string, partitions: Iterable<number> = [...terms.keys()]) => {
    for (const partition of partitions) {
      const ended = terms.get(partition);
      if (ended === undefined) continue;
      terms.delete(partition);
      ended.end();
      const shard = shards === 1 ? '' : ` shard ${partition}`;
      listener?.lost(ended, new BusError('LEADERSHIP_LOST', `leadership of '${name}'${shard} epoch ${ended.epoch} ended: ${reason}.`));
    }
    if (terms.size === 0) clearTimeout(deadline);
  };
  const armDeadline = () => {
    clearTimeout(deadline);
    if (terms.size === 0) return;
    deadline = setTimeout(
      () => {
        if (terms.size === 0) return;
        if (performance.now() < lastAlive + validityMs) armDeadline();
        else lose(`no heartbeat succeeded within session − margin (${validityMs} ms)`);
      },
      Math.max(0, lastAlive + validityMs - performance.now()),
    );
  };

  /** The partitions the last join gave this member (until a rebalance or a leave). */
  let held = new Set<number>();
  let electionPending = false;
  /** Appends an epoch record to each held partition not led yet, then leads them, unless the group moved on meanwhile. */
  const elect = () => {
    const wanted = [...held].filter((partition) => !terms.has(partition));
    if (electionPending || wanted.length === 0) return;
    electionPending = true;
    const joinedGeneration = generation;
    electing = electing.then(async () => {
      try {
        if (stopped || joinedGeneration !== generation) return;
        const value = Buffer.from(JSON.stringify({ leader: listenerNode?.id, at: Date.now() }));
        const result = await producer?.send({
          messages: wanted.map((partition) => ({ topic, partition, key: Buffer.from(name), value })),
        });
        // A rebalance while appending: this join's assignment may be stale already.
        if (stopped || joinedGeneration !== generation || performance.now() >= lastAlive + validityMs) return;
        for (const partition of wanted) {
          const offset = result?.offsets?.find((o) => o.topic === topic && o.partition === partition)?.offset;
          if (offset === undefined)
            throw new BusError('TRANSPORT_FAILED', `the epoch record of '${name}' partition ${partition} got no offset.`);
          const term = new KafkaTerm(Number(offset) + 1, partition, () => lastAlive + validityMs, endOffset);
          terms.set(partition, term);
          armDeadline();
          listener?.elected(term);
        }
      } catch (error) {
        listener?.failed(error);
      } finally {
        electionPending = false;
      }
    });
  };
  const onJoin = (payload: { assignments?: { topic: string; partitions: number[] }[] }) => {
    lastAlive = performance.now();
    generation++;
    held = new Set((payload.assignments ?? []).filter((a) => a.topic === topic).flatMap((a) => a.partitions));
    lose(
      'a rebalance gave it to another member',
      [...terms.keys()].filter((partition) => !held.has(partition)),
    );
    elect();
  };
  const onRebalance = () => {
    generation++;
    held = new Set();
    lose('the group is rebalancing');
  };
  const onLeave = () => {
    generation++;
    held = new Set();
    lose('this member left the group');
  };
  const onHeartbeatStart = () => {
    heartbeatSentAt = performance.now();
  };
  const onHeartbeatEnd = () => {
    if (heartbeatSentAt > lastAlive) lastAlive = heartbeatSentAt;
    if (terms.size > 0) armDeadline();
    // Stepped down on a stall, but the coordinator kept this member and its partitions: lead again, with new epochs.
    if (!stopped) elect();
  };
  let listenerNode: ClusterNode | undefined;
  let watchdog: ReturnType<typeof setInterval> | undefined;

  return {
    name,
    async start(node: ClusterNode, electorListener: ElectorListener) {
      listener = electorListener;
      listenerNode = node;
      stopped = false;
      const kafka = await import('@platformatic/kafka');
      const client = { bootstrapBrokers: [...brokers], clientId: `bus-cluster-${node.id}`, ...(options.client ?? {}) };
      const admin = new kafka.Admin(client);
      try {
        await admin.createTopics({ topics: [topic], partitions: shards, replicas: options.replicationFactor ?? -1 });
      } catch (error) {
        if (!kafka.findErrorBy(error as Error, 'apiId', 'TOPIC_ALREADY_EXISTS')) {
          await admin.close();
          throw BusError.from(error, 'TRANSPORT_FAILED');
        }
      }
      await admin.close();
      producer = new kafka.Producer<Buffer, Buffer, Buffer, Buffer>({ ...client, idempotent: true });
      const connect = async () => {
        const member = new kafka.Consumer<Buffer, Buffer, Buffer, Buffer>({
          ...client,
          groupId: topic,
          autocommit: false,
          sessionTimeout: sessionTimeoutMs,
          rebalanceTimeout: sessionTimeoutMs,
          heartbeatInterval: heartbeatIntervalMs,
        });
        member.on('consumer:group:join', onJoin);
        member.on('consumer:group:rebalance', onRebalance);
        member.on('consumer:group:leave', onLeave);
        member.on('consumer:heartbeat:start', onHeartbeatStart);
        member.on('consumer:heartbeat:end', onHeartbeatEnd);
        member.on('error', (error: unknown) => listener?.failed(error));
        consumer = member;
        lastAlive = performance.now();
        const messages = await member.consume({ topics: [topic], mode: kafka.MessagesStreamModes.LATEST, autocommit: false });
        // The epoch records are not work: read and dropped, so the stream keeps fetching.
        messages.on('data', () => {});
        messages.on('error', (error: unknown) => listener?.failed(error));
        stream = messages;
      };
      await connect();
      // A member whose group membership went silent for two sessions (a broker that came back, a stalled
      // client) is replaced by a new one, which rejoins the group.
      let replacing = false;
      watchdog = setInterval(() => {
        if (stopped || replacing || terms.size > 0 || performance.now() - lastAlive < 2 * sessionTimeoutMs) return;
        replacing = true;
        const old = { consumer, stream };
        void (async () => {
          try {
            await old.stream?.close().catch(() => undefined);
            await old.consumer?.close(true).catch(() => undefined);
            if (!stopped) await connect();
          } catch (error) {
            listener?.failed(error);
            lastAlive = performance.now();
          } finally {
            replacing = false;
          }
        })();
      }, heartbeatIntervalMs);
    },
    async stop() {
      stopped = true;
      clearInterval(watchdog);
      generation++;
      lose('the elector stopped');
      await electing;
      await stream?.close().catch((error: unknown) => listener?.failed(error));
      // Leaving hands partition 0 on at once, instead of after a session timeout.
      await consumer?.close().catch((error: unknown) => listener?.failed(error));
      await producer?.close().catch((error: unknown) => listener?.failed(error));
      stream = undefined;
      consumer = undefined;
      producer = undefined;
    },
  };
}
