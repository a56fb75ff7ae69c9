// The Kafka elector's failure proofs, with node processes on the real broker:
// kill -9 of the leader, and a leader stopped (SIGSTOP) past the session
// timeout. Every leader writes through a fenced producer; a read-committed
// reader of the log checks that epochs strictly increase, never interleave,
// and that no two nodes' belief intervals overlap.
import { randomBytes } from 'node:crypto';
import { readServicesEnv } from '@bus/scripts/services-env';
import { waitFor } from '@bus/transport-tests';
import { Admin, Consumer, FetchIsolationLevels, MessagesStreamModes } from '@platformatic/kafka';
import { afterEach, describe, expect, it } from 'vitest';
import { type AcceptedRow, analyse, monotonicNow, NodeCluster } from './support/node-processes.js';

const SESSION_MS = 3_000;
const WAIT = 90_000;
let current: NodeCluster | undefined;
afterEach(async (context) => {
  if (context.task.result?.state === 'fail' && current !== undefined) {
    const tail = current.lines.filter((line) => line.ev !== 'write').slice(-40);
    process.stdout.write(
      `[cluster kafka fault] node lines other than writes, last 40:\n${tail.map((l) => JSON.stringify(l)).join('\n')}\n`,
    );
  }
  await current?.teardown();
  current = undefined;
});

function requireBrokers(): string[] {
  const brokers = readServicesEnv().kafkaBrokers;
  if (brokers === undefined) throw new Error('BUS_KAFKA_BROKERS is not set: start the services (pnpm services:up).');
  return brokers.split(',');
}

async function kafkaCluster(): Promise<{ nodes: NodeCluster; brokers: string[]; topic: string }> {
  const brokers = requireBrokers();
  const topic = `cluster-kafka-fault-${randomBytes(4).toString('hex')}`;
  const admin = new Admin({ bootstrapBrokers: brokers, clientId: 'kafka-faults' });
  await admin.createTopics({ topics: [topic], partitions: 1, replicas: -1 });
  await admin.close();
  current = new NodeCluster(
    { BROKERS: brokers.join(','), TOPIC: topic, SESSION_MS: String(SESSION_MS), ELECTION: `kfault-${randomBytes(3).toString('hex')}` },
    'kafka-node-child.ts',
  );
  return { nodes: current, brokers, topic };
}

/** The committed log, read with read-committed isolation. */
async function committedLog(brokers: string[], topic: string, atLeast: number): Promise<AcceptedRow[]> {
  const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
    bootstrapBrokers: brokers,
    clientId: 'kafka-faults-reader',
    groupId: `${topic}-reader`,
  });
  const stream = await consumer.consume({
    topics: [topic],
    mode: MessagesStreamModes.EARLIEST,
    isolationLevel: FetchIsolationLevels.READ_COMMITTED,
  });
  const rows: AcceptedRow[] = [];
  stream.on('data', (message) => {
    const { epoch, node, believedAt } = JSON.parse(message.value.toString()) as { epoch: number; node: string; believedAt: number };
    rows.push({ seq: Number(message.offset), epoch, node, believedAt });
  });
  await waitFor(() => rows.length >= atLeast, WAIT, { message: () => `${atLeast} committed records, got ${rows.length}` });
  await stream.close();
  await consumer.close(true);
  return rows;
}

/**
 * The leader once both nodes joined the group and one of them wrote `writes` records in its current epoch: the
 * second node's join rebalances the group and may move partition 0, so the first leader is not necessarily it.
 */
async function settledLeader(nodes: NodeCluster, writes = 10): Promise<{ tag: string; epoch: number }> {
  await waitFor(() => nodes.linesOf('ready').length >= 2, WAIT, { message: 'both nodes in the group' });
  let settled: { tag: string; epoch: number } | undefined;
  await waitFor(
    () => {
      const leader = nodes.leader();
      settled = leader;
      return leader !== undefined && nodes.linesOf('write', leader.tag).filter((l) => l.epoch === leader.epoch).length >= writes;
    },
    WAIT,
    { message: () => `a leader with ${writes} writes in its epoch (leader now: ${JSON.stringify(nodes.leader())})` },
  );
  return settled as { tag: string; epoch: number };
}

function expectCleanLog(analysis: ReturnType<typeof analyse>): void {
  expect(analysis.interleaved, 'epochs whose writes interleave with another epoch’s').toEqual([]);
  expect(analysis.increasing, 'epochs strictly increase along the log').toBe(true);
  expect(analysis.overlaps, 'two nodes believing they lead and writing at once').toEqual([]);
}

describe('Kafka elector failures, with node processes on the broker', () => {
  it('fails over after kill -9 of the leader, and the fenced log keeps epochs in order', async () => {
    const { nodes, brokers, topic } = await kafkaCluster();
    await Promise.all([nodes.start(), nodes.start()]);
    const old = await settledLeader(nodes);
    const killedAt = monotonicNow();
    await nodes.signal(old.tag, 'SIGKILL');
    await waitFor(() => nodes.linesOf('elected').some((l) => l.at > killedAt && l.tag !== old.tag), WAIT, { message: 'a new leader' });
    const next = nodes.linesOf('elected').find((l) => l.at > killedAt && l.tag !== old.tag) as { tag: string; epoch: number; at: number };
    await waitFor(() => nodes.linesOf('write', next.tag).length >= 10, WAIT, { message: 'the new leader writes' });
    const written = nodes.linesOf('write').length;
    const analysis = analyse(await committedLog(brokers, topic, written));
    process.stdout.write(
      `[cluster kafka kill -9] session ${SESSION_MS} ms: failover ${Math.round(next.at - killedAt)} ms; ${analysis.runs.length} epochs, ` +
        `${analysis.runs.reduce((n, r) => n + r.writes, 0)} committed writes\n`,
    );
    expect(next.epoch).toBeGreaterThan(old.epoch);
    expectCleanLog(analysis);
  });

  it('steps down a leader stopped (SIGSTOP) past the session timeout, and fences its writes once resumed', async () => {
    const { nodes, brokers, topic } = await kafkaCluster();
    await Promise.all([nodes.start(), nodes.start()]);
    const old = await settledLeader(nodes);
    const stoppedAt = monotonicNow();
    await nodes.signal(old.tag, 'SIGSTOP');
    await waitFor(() => nodes.linesOf('elected').some((l) => l.at > stoppedAt && l.tag !== old.tag), WAIT, { message: 'a new leader' });
    const next = nodes.linesOf('elected').find((l) => l.at > stoppedAt && l.tag !== old.tag) as { tag: string; epoch: number; at: number };
    await waitFor(() => nodes.linesOf('write', next.tag).length >= 10, WAIT, { message: 'the new leader writes' });
    // Stopped for at least twice the session timeout in all.
    await waitFor(() => monotonicNow() - stoppedAt > 2 * SESSION_MS, WAIT);
    const resumedAt = monotonicNow();
    await nodes.signal(old.tag, 'SIGCONT');
    await waitFor(() => nodes.linesOf('lost', old.tag).some((l) => l.epoch === old.epoch), WAIT, { message: `${old.tag} steps down` });
    // The resumed node rejoins the group, which may hand partition 0 back to it under a new epoch: the writes after the
    // resume are whoever leads now's, and none may carry the stopped leadership's epoch.
    const writes = nodes.linesOf('write').length;
    await waitFor(() => nodes.linesOf('write').length >= writes + 10, WAIT, { message: 'writes after the resume' });
    const late = nodes.linesOf('write', old.tag).filter((l) => l.at > resumedAt && l.epoch === old.epoch);
    const refused = nodes.linesOf('refused', old.tag).filter((l) => l.at > resumedAt);
    const analysis = analyse(await committedLog(brokers, topic, nodes.linesOf('write').length));
    process.stdout.write(
      `[cluster kafka SIGSTOP] ${old.tag} (epoch ${old.epoch}) stopped ${Math.round(resumedAt - stoppedAt)} ms (session ${SESSION_MS} ms); ` +
        `${next.tag} led with epoch ${next.epoch} ${Math.round(next.at - stoppedAt)} ms after the stop; after SIGCONT the old leader committed ` +
        `${late.length} writes, ${refused.length} refused; ${analysis.runs.length} epochs in the committed log\n`,
    );
    expect(resumedAt - stoppedAt).toBeGreaterThan(2 * SESSION_MS);
    expect(late).toEqual([]);
    expectCleanLog(analysis);
  });
});
