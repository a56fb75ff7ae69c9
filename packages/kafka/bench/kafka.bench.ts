// Publishing over Kafka through the bus against the raw @platformatic/kafka
// producer with the same settings (idempotent, acks=all, no compression, the
// same records per request), in one run against one broker; then end-to-end
// latency, publish → handler. Needs the broker (BUS_KAFKA_BROKERS, or
// `node scripts/services.mjs up`). Run with `pnpm bench` (measures the built package).
import { randomBytes } from 'node:crypto';
import { type Bus, createBus } from '@bus/core';
import { readServicesEnv } from '@bus/scripts/services-env';
import { serialization } from '@bus/serialization';
import { Admin, type MessageToProduce, Producer } from '@platformatic/kafka';
import { kafka } from '../dist/index.js';

interface Result {
  name: string;
  opsPerSec: number;
  baseline: string;
  baselineOpsPerSec: number;
  ratio: number;
  goal?: string;
}

const brokers = readServicesEnv().kafkaBrokers?.split(',');
if (brokers === undefined) {
  // The root bench runner does not start services: say why nothing was measured rather than fail the other packages' run.
  console.error('kafka bench: skipped, no broker (run `node scripts/services.mjs up` or set BUS_KAFKA_BROKERS).');
  process.exit(0);
}
const BATCH = Number(process.env.BUS_BENCH_KAFKA_BATCH ?? 100);
const EVENTS_PER_ROUND = Number(process.env.BUS_BENCH_KAFKA_EVENTS ?? 50_000);
const ROUNDS = Number(process.env.BUS_BENCH_KAFKA_ROUNDS ?? 5);
const LATENCY_SAMPLES = Number(process.env.BUS_BENCH_KAFKA_LATENCY_SAMPLES ?? 1_000);
const prefix = `bench.kafka.${randomBytes(4).toString('hex')}`;
const order = {
  orderId: 'o-123456',
  customer: 'customer-42',
  lines: [{ sku: 'sku-1', qty: 2, price: 19.99 }],
  total: 39.98,
  currency: 'EUR',
};

function busOf(source: string) {
  return createBus({ source })
    .use(serialization())
    .use(kafka({ brokers: brokers as string[], groupId: prefix, batchSize: BATCH }));
}

/** The raw producer's records carry what the bus's do: a key, the JSON value, and the CloudEvents headers. */
function rawRecord(topic: string, n: number): MessageToProduce<Buffer, Buffer, Buffer, Buffer> {
  const headers = new Map<Buffer, Buffer>([
    [Buffer.from('ce_id'), Buffer.from(`raw-${n}`)],
    [Buffer.from('ce_source'), Buffer.from('urn:bench:raw')],
    [Buffer.from('ce_type'), Buffer.from(topic)],
    [Buffer.from('ce_specversion'), Buffer.from('1.0')],
    [Buffer.from('ce_time'), Buffer.from(new Date().toISOString())],
    [Buffer.from('ce_partitionkey'), Buffer.from(order.customer)],
    [Buffer.from('content-type'), Buffer.from('application/json')],
  ]);
  return { topic, key: Buffer.from(order.customer), value: Buffer.from(JSON.stringify(order)), headers };
}

async function rawRound(producer: Producer<Buffer, Buffer, Buffer, Buffer>, topic: string): Promise<number> {
  const started = performance.now();
  for (let sent = 0; sent < EVENTS_PER_ROUND; sent += BATCH) {
    const messages = Array.from({ length: BATCH }, (_, i) => rawRecord(topic, sent + i));
    await producer.send({ messages });
  }
  return EVENTS_PER_ROUND / ((performance.now() - started) / 1000);
}

async function busBatchRound(bus: Bus, type: string): Promise<number> {
  const started = performance.now();
  for (let sent = 0; sent < EVENTS_PER_ROUND; sent += BATCH) {
    await bus.publishBatch(Array.from({ length: BATCH }, () => ({ type, data: order, partitionkey: order.customer })));
  }
  return EVENTS_PER_ROUND / ((performance.now() - started) / 1000);
}

/** `BATCH` concurrent `publish` calls per step: the transport's batcher coalesces them into one request. */
async function busConcurrentRound(bus: Bus, type: string): Promise<number> {
  const started = performance.now();
  for (let sent = 0; sent < EVENTS_PER_ROUND; sent += BATCH) {
    await Promise.all(Array.from({ length: BATCH }, () => bus.publish(type, order, { key: order.customer })));
  }
  return EVENTS_PER_ROUND / ((performance.now() - started) / 1000);
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

async function throughput(results: Result[]): Promise<void> {
  const topic = `${prefix}.throughput`;
  const admin = new Admin({ clientId: 'bus-bench-admin', bootstrapBrokers: brokers as string[] });
  await admin.createTopics({ topics: [topic], partitions: 3, replicas: 1 });
  await admin.close();
  const producer = new Producer<Buffer, Buffer, Buffer, Buffer>({
    clientId: 'bus-bench-raw',
    bootstrapBrokers: brokers as string[],
    idempotent: true,
  });
  const bus = busOf('urn:bench:bus');
  await bus.start();
  // Warm up both paths (connections, metadata, the producer id, the JIT).
  await rawRound(producer, topic);
  await busBatchRound(bus, topic);
  await busConcurrentRound(bus, topic);
  const raw: number[] = [];
  const batched: number[] = [];
  const concurrent: number[] = [];
  // Interleaved rounds, so drift in the broker (segment rolls, GC) hits all three alike; medians reported.
  for (let round = 0; round < ROUNDS; round++) {
    raw.push(await rawRound(producer, topic));
    batched.push(await busBatchRound(bus, topic));
    concurrent.push(await busConcurrentRound(bus, topic));
  }
  await bus.stop();
  await producer.close();
  const baselineName = `raw @platformatic/kafka producer`;
  const baselineOps = median(raw);
  for (const [name, rounds] of [
    [`publishBatch of ${BATCH} (idempotent, acks=all)`, batched],
    [`${BATCH} concurrent publish() coalesced (idempotent, acks=all)`, concurrent],
  ] as const) {
    const ops = median(rounds);
    results.push({
      name,
      opsPerSec: Math.round(ops),
      baseline: baselineName,
      baselineOpsPerSec: Math.round(baselineOps),
      ratio: Number((ops / baselineOps).toFixed(3)),
      goal: '>= 0.9x',
    });
  }
}

async function latency(): Promise<{ p50Ms: number; p99Ms: number; maxMs: number; samples: number }> {
  const type = `${prefix}.latency`;
  const consumer = busOf('urn:bench:consumer');
  const publisher = busOf('urn:bench:publisher');
  const samples: number[] = [];
  const done = Promise.withResolvers<void>();
  consumer.subscribe<{ sentAt: number }>(type, (event) => {
    samples.push(performance.timeOrigin + performance.now() - event.data.sentAt);
    if (samples.length === LATENCY_SAMPLES) done.resolve();
  });
  await consumer.start();
  await publisher.start();
  await consumer.kafka.settled();
  // Unloaded latency: one event at a time, a millisecond apart, each publish awaited (acks=all).
  for (let n = 0; n < LATENCY_SAMPLES; n++) {
    await publisher.publish(type, { sentAt: performance.timeOrigin + performance.now() }, { key: `k-${n % 8}` });
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const timeout = setTimeout(() => done.reject(new Error(`only ${samples.length} of ${LATENCY_SAMPLES} latency samples arrived`)), 30_000);
  await done.promise;
  clearTimeout(timeout);
  await publisher.stop();
  await consumer.stop();
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => Number((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number).toFixed(2));
  return { p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1), samples: sorted.length };
}

async function cleanup(): Promise<void> {
  const admin = new Admin({ clientId: 'bus-bench-cleanup', bootstrapBrokers: brokers as string[] });
  try {
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    const groups = [...(await admin.listGroups()).keys()].filter((group) => group.startsWith(prefix));
    if (groups.length > 0) await admin.deleteGroups({ groups }).catch(() => undefined);
  } finally {
    await admin.close();
  }
}

const results: Result[] = [];
const startedAt = performance.now();
try {
  await throughput(results);
  for (const result of results) console.log(`BENCH_RESULT ${JSON.stringify({ package: '@bus/kafka', ...result })}`);
  const measured = await latency();
  console.log(
    `BENCH_LATENCY ${JSON.stringify({ package: '@bus/kafka', name: 'end-to-end latency, publish → handler (acks=all, one event at a time)', ...measured })}`,
  );
} finally {
  await cleanup();
}
console.error(`kafka bench: ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
