/**
 * A fenced Kafka producer for a leader's writes to Kafka: a transactional
 * producer whose `transactional.id` is the same for every leadership of an
 * election (and shard). When the next leader's producer starts, the
 * transaction coordinator bumps the producer epoch, aborts what the old
 * leader had open, and refuses its later commits (`PRODUCER_FENCED`): a
 * consumer reading committed records never sees the old leader's writes
 * after the new leader's.
 */
import { BusError } from '@bus/core';
import type { Producer } from '@platformatic/kafka';
import type { Leadership } from './leadership.js';

/** One record a fenced producer writes. */
export interface FencedRecord {
  /** The topic. */
  readonly topic: string;
  /** The record key (a partition key). */
  readonly key?: string | Buffer;
  /** The record value. */
  readonly value: string | Buffer;
  /** A partition of its own choosing. */
  readonly partition?: number;
  /** Record headers. */
  readonly headers?: Readonly<Record<string, string | Buffer>>;
}

/**
 * Options of {@link fencedKafkaProducer}.
 *
 * @example
 * ```ts
 * await fencedKafkaProducer({ brokers, name: 'billing-relay', leadership });
 * ```
 */
export interface FencedKafkaProducerOptions {
  /** Bootstrap brokers, `host:port`. */
  readonly brokers: readonly string[];
  /** The election (its leaderships share one transactional id). */
  readonly name: string;
  /** The leadership this producer writes for (`onLeadership`'s argument). */
  readonly leadership: Leadership;
  /** The transactional id. Default `bus-cluster.<name>.<shard>`. */
  readonly transactionalId?: string;
  /** Extra client options given to `@platformatic/kafka` (SASL, TLS). */
  readonly client?: Readonly<Record<string, unknown>>;
}

/** A leader's fenced producer. */
export interface FencedKafkaProducer {
  /** Writes `records` in one transaction; rejects with `LEADERSHIP_LOST` when the leadership ended or a newer leader's producer fenced this one. */
  send(records: readonly FencedRecord[]): Promise<void>;
  /** Aborts an open transaction and closes the client. */
  close(): Promise<void>;
}

/** How often one `send` starts a new producer after a stale start fenced this one. */
const MAX_REFENCES_PER_SEND = 2;

const asBuffer = (value: string | Buffer): Buffer => (typeof value === 'string' ? Buffer.from(value) : value);

/**
 * Starts a fenced producer for `leadership`: its start fences every producer
 * of an earlier leadership of the same election and shard. Consumers must
 * read with `isolationLevel` read-committed to see only committed writes.
 *
 * @example
 * ```ts
 * bus.cluster.onLeadership(async (leadership) => {
 *   const producer = await fencedKafkaProducer({ brokers, name: 'billing-relay', leadership });
 *   try {
 *     while (!leadership.signal.aborted) await producer.send(await nextBatch());
 *   } finally {
 *     await producer.close();
 *   }
 * });
 * ```
 */
export async function fencedKafkaProducer(options: FencedKafkaProducerOptions): Promise<FencedKafkaProducer> {
  const { brokers, name, leadership } = options ?? ({} as FencedKafkaProducerOptions);
  if (!Array.isArray(brokers) || brokers.length === 0) throw new BusError('CONFIG_INVALID', 'fencedKafkaProducer() needs `brokers`.');
  if (typeof name !== 'string' || name.length === 0)
    throw new BusError('CONFIG_INVALID', 'fencedKafkaProducer() needs the election `name`.');
  if (typeof leadership?.isValid !== 'function') throw new BusError('CONFIG_INVALID', 'fencedKafkaProducer() needs the `leadership`.');
  const lost = (why: string, cause?: unknown) =>
    new BusError('LEADERSHIP_LOST', `fenced Kafka write refused: ${why} (epoch ${leadership.epoch}).`, { cause });
  if (!leadership.isValid()) throw lost('the leadership ended');

  const kafka = await import('@platformatic/kafka');
  const transactionalId = options.transactionalId ?? `bus-cluster.${name}.${leadership.shard}`;
  type Transaction = Awaited<ReturnType<Producer<Buffer, Buffer, Buffer, Buffer>['beginTransaction']>>;
  let producer: Producer<Buffer, Buffer, Buffer, Buffer> | undefined;
  let fenced: BusError | undefined;
  let open: Transaction | undefined;
  const isFencedError = (error: unknown) => Boolean(kafka.findErrorBy(error as Error, 'apiId', 'PRODUCER_FENCED'));
  /**
   * Starts a producer and begins its first transaction, which runs InitProducerId: this is what fences the
   * producers of earlier leaderships. Kafka fences by the order of starts, not by epoch, so the engine is then
   * asked whether a later leadership began meanwhile: if so, this one may not write.
   */
  const connect = async (): Promise<void> => {
    const started = new kafka.Producer<Buffer, Buffer, Buffer, Buffer>({
      bootstrapBrokers: [...brokers],
      clientId: `bus-cluster-fenced-${name}`,
      ...(options.client ?? {}),
      idempotent: true,
      transactionalId,
      // @platformatic/kafka 2.12.1 sends InitProducerId with producer id 0 and epoch 0, which the coordinator
      // refuses for a transactional id it does not know; -1/-1 asks for a new producer id (or a bumped epoch).
      producerId: -1n,
      producerEpoch: -1,
    });
    producer = started;
    try {
      open = await started.beginTransaction();
    } catch (error) {
      throw lost('a newer leader’s producer fenced this one', error);
    }
    if ((await leadership.isLatest()) === false) throw lost('a later leadership began');
  };
  const disconnect = async () => {
    await open?.abort().catch(() => undefined);
    open = undefined;
    await producer?.close().catch(() => undefined);
    producer = undefined;
  };
  /**
   * A producer start of an earlier leadership that was still in flight when this one's began fences this one
   * after the fact. While this leadership holds and the engine says it is the latest, a new producer fences the
   * stale one in turn; the refused transaction was aborted, so nothing of it is visible to read-committed readers.
   */
  const refence = async (cause: unknown): Promise<boolean> => {
    if (!isFencedError(cause) || !leadership.isValid() || (await leadership.isLatest().catch(() => false)) !== true) return false;
    await disconnect();
    await connect();
    return true;
  };
  try {
    await connect();
  } catch (error) {
    await disconnect();
    throw error;
  }

  const attempt = async (records: readonly FencedRecord[]) => {
    if (!leadership.isValid()) throw lost('the leadership ended');
    const transaction = open ?? (await (producer as Producer<Buffer, Buffer, Buffer, Buffer>).beginTransaction());
    open = undefined;
    await transaction.send({
      messages: records.map((record) => ({
        topic: record.topic,
        value: asBuffer(record.value),
        ...(record.key === undefined ? {} : { key: asBuffer(record.key) }),
        ...(record.partition === undefined ? {} : { partition: record.partition }),
        ...(record.headers === undefined
          ? {}
          : { headers: new Map(Object.entries(record.headers).map(([k, v]) => [Buffer.from(k), asBuffer(v)])) }),
      })),
    });
    if (!leadership.isValid()) {
      await transaction.abort().catch(() => undefined);
      throw lost('the leadership ended before the commit');
    }
    await transaction.commit();
  };

  return {
    async send(records) {
      if (fenced !== undefined) throw fenced;
      for (let refences = 0; ; refences++) {
        try {
          await attempt(records);
          return;
        } catch (error) {
          if (BusError.is(error)) throw error;
          try {
            if (refences < MAX_REFENCES_PER_SEND && (await refence(error))) continue;
          } catch (refused) {
            fenced = BusError.is(refused) ? refused : lost('the producer could not be started again', refused);
            throw fenced;
          }
          // A failed transaction leaves this producer unusable; a fenced one is the usual reason.
          fenced = lost(isFencedError(error) ? 'a newer leader’s producer fenced this one' : 'the transaction failed', error);
          throw fenced;
        }
      }
    },
    async close() {
      await disconnect();
    },
  };
}
