// A Kafka cluster node for the fault tests: while it leads (the Kafka elector),
// it writes numbered records through a fenced producer, each carrying its epoch
// and the monotonic time (CLOCK_MONOTONIC, shared by the host's processes) at
// which it checked that it leads. The tests kill and stop it.
// Run with `node kafka-node-child.ts` (Node strips the types); it loads the built package.
import { setTimeout as sleep } from 'node:timers/promises';
import { cluster, fencedKafkaProducer, kafkaElector } from '@bus/cluster';
import { createBus } from '@bus/core';

const { BROKERS, ELECTION, TOPIC, TAG, SESSION_MS } = process.env;
if (!BROKERS || !ELECTION || !TOPIC || !TAG) throw new Error('kafka-node-child needs BROKERS, ELECTION, TOPIC, TAG');
const brokers = BROKERS.split(',');
const session = Number(SESSION_MS ?? 3_000);

const now = () => Number(process.hrtime.bigint()) / 1e6;
const out = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ tag: TAG, at: now(), ...line })}\n`);

const bus = createBus({ source: `urn:bus:cluster-kafka-fault:${TAG}` }).use(
  cluster({
    elector: kafkaElector({
      brokers,
      name: ELECTION,
      sessionTimeoutMs: session,
      heartbeatIntervalMs: Math.floor(session / 10),
      safetyMarginMs: Math.floor(session / 3),
    }),
    members: false,
  }),
);
bus.events.on('error', (error) => out({ ev: 'error', code: error.code, message: error.message }));
bus.events.on('leaderElected', ({ epoch }) => out({ ev: 'elected', epoch }));
bus.events.on('leadershipLost', ({ epoch }) => out({ ev: 'lost', epoch }));

bus.cluster.onLeadership(async (leadership) => {
  let n = 0;
  // The producer re-fences by itself when a stale producer start fenced it while this is still the latest
  // leadership (docs/cluster.md); a refused send means the leadership ended: start again only while it holds.
  while (!leadership.signal.aborted && leadership.isValid()) {
    let producer: Awaited<ReturnType<typeof fencedKafkaProducer>> | undefined;
    try {
      producer = await fencedKafkaProducer({ brokers, name: ELECTION, leadership });
      while (!leadership.signal.aborted) {
        const believedAt = now();
        await producer.send([
          { topic: TOPIC, key: 'log', value: JSON.stringify({ epoch: leadership.epoch, node: TAG, n: ++n, believedAt }) },
        ]);
        out({ ev: 'write', epoch: leadership.epoch, n });
        await sleep(20);
      }
    } catch (error) {
      out({ ev: 'refused', epoch: leadership.epoch, code: (error as { code?: string }).code, message: (error as Error).message });
      await sleep(100);
    } finally {
      await producer?.close();
    }
  }
});

await bus.start();
out({ ev: 'ready', node: bus.cluster.node.id });
process.once('SIGTERM', () => {
  void bus.stop().then(() => process.exit(0));
});
