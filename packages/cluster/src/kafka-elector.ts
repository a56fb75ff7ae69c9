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
  /** Replication factor of the coordination topic when it is created. Default: the broker's. */
  readonly replicationFactor?: number;
  /** Extra client options given to `@platformatic/kafka` (SASL, TLS, clientId). */
  readonly client?: Readonly<Record<string, unknown>>;
}

class KafkaTerm implements LeaderTerm {
  #ended = false;
  constructor(
    readonly epoch: number,
    private readonly validUntil: () => number,
  ) {}
  isValid(): boolean {
    return !this.#ended && performance.now() < this.validUntil();
  }
  end(): void {
    this.#ended = true;
  }
}

/**
 * Creates a Kafka elector. It cannot fence a database transaction
 * (`bus.cluster.fence` rejects with `TRANSPORT_UNSUPPORTED`); pair it with
 * `cluster({ members, state })` from a lease elector's tables when you need those.
 *
 * @example
 * ```ts
 * const bus = createBus().use(kafka({ brokers })).use(cluster({ elector: kafkaElector({ brokers, name: 'projector' }), members: false }));
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

  let consumer: Consumer<Buffer, Buffer, Buffer, Buffer> | undefined;
  let producer: Producer<Buffer, Buffer, Buffer, Buffer> | undefined;
  let stream: { close(): Promise<void> } | undefined;
  let listener: ElectorListener | undefined;
  let term: KafkaTerm | undefined;
  let stopped = true;
  let heartbeatSentAt = 0;
  /** The monotonic send time of the last heartbeat (or join) the coordinator answered. */
  let lastAlive = 0;
  let deadline: ReturnType<typeof setTimeout> | undefined;
  /** Elections in flight: a join that assigned partition 0 appends the epoch record. */
  let electing: Promise<void> = Promise.resolve();
  /** Bumped by every join, rebalance and leave: an election started before one is void. */
  let generation = 0;

  const lose = (reason: string) => {
    const ended = term;
    if (ended === undefined) return;
    term = undefined;
    clearTimeout(deadline);
    ended.end();
    listener?.lost(ended, new BusError('LEADERSHIP_LOST', `leadership of '${name}' epoch ${ended.epoch} ended: ${reason}.`));
  };
  const armDeadline = () => {
    clearTimeout(deadline);
    const current = term;
    if (current === undefined) return;
    deadline = setTimeout(
      () => {
        if (term !== current) return;
        if (current.isValid()) armDeadline();
        else lose(`no heartbeat succeeded within session − margin (${validityMs} ms)`);
      },
      Math.max(0, lastAlive + validityMs - performance.now()),
    );
  };

  /** Whether the last join gave this member partition 0 (until a rebalance or a leave). */
  let holdsPartition = false;
  let electionPending = false;
  /** Appends the epoch record, then leads, unless the group moved on meanwhile. */
  const elect = () => {
    if (electionPending || term !== undefined) return;
    electionPending = true;
    const joinedGeneration = generation;
    electing = electing.then(async () => {
      try {
        if (stopped || joinedGeneration !== generation) return;
        const result = await producer?.send({
          messages: [
            {
              topic,
              partition: 0,
              key: Buffer.from(name),
              value: Buffer.from(JSON.stringify({ leader: listenerNode?.id, at: Date.now() })),
            },
          ],
        });
        const offset = result?.offsets?.find((o) => o.topic === topic && o.partition === 0)?.offset;
        if (offset === undefined) throw new BusError('TRANSPORT_FAILED', `the epoch record of '${name}' got no offset.`);
        // A rebalance while appending: this join's assignment may be stale already.
        if (stopped || joinedGeneration !== generation || performance.now() >= lastAlive + validityMs) return;
        term = new KafkaTerm(Number(offset) + 1, () => lastAlive + validityMs);
        armDeadline();
        listener?.elected(term);
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
    holdsPartition = (payload.assignments ?? []).some((a) => a.topic === topic && a.partitions.includes(0));
    if (!holdsPartition) {
      lose('a rebalance gave partition 0 to another member');
      return;
    }
    elect();
  };
  const onRebalance = () => {
    generation++;
    holdsPartition = false;
    lose('the group is rebalancing');
  };
  const onLeave = () => {
    generation++;
    holdsPartition = false;
    lose('this member left the group');
  };
  const onHeartbeatStart = () => {
    heartbeatSentAt = performance.now();
  };
  const onHeartbeatEnd = () => {
    if (heartbeatSentAt > lastAlive) lastAlive = heartbeatSentAt;
    if (term !== undefined) armDeadline();
    // Stepped down on a stall, but the coordinator kept this member and its partition: lead again, with a new epoch.
    else if (holdsPartition && !stopped) elect();
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
        await admin.createTopics({ topics: [topic], partitions: 1, replicas: options.replicationFactor ?? -1 });
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
        if (stopped || replacing || term !== undefined || performance.now() - lastAlive < 2 * sessionTimeoutMs) return;
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
