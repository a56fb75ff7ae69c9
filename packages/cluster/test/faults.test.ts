// The failure proofs of issue 15, with node processes on the real Postgres:
// kill -9 of the leader, SIGSTOP longer than the ttl, pg_terminate_backend and a
// pool recycle, and a 3-process soak with random kills. Every node appends
// fenced writes to one log as fast as it can; each test prints its figures and
// asserts the guarantees: epochs strictly increase along the log, no epoch's
// writes interleave with another's, and no two nodes' belief intervals overlap.
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '@bus/transport-tests';
import { afterEach, describe, expect, it } from 'vitest';
import { analyse, monotonicNow, NodeCluster } from './support/node-processes.js';

const TTL_MS = 1_500;
const RENEW_MS = 300;
const WAIT = 60_000;

let current: NodeCluster | undefined;
afterEach(async () => {
  await current?.teardown();
  current = undefined;
});

async function newCluster(env: Record<string, string> = {}): Promise<NodeCluster> {
  current = new NodeCluster({ TTL_MS: String(TTL_MS), RENEW_MS: String(RENEW_MS), MARGIN_MS: '500', ...env });
  await current.setup();
  return current;
}

function expectCleanLog(analysis: ReturnType<typeof analyse>): void {
  expect(analysis.interleaved, 'epochs whose writes interleave with another epoch’s').toEqual([]);
  expect(analysis.increasing, 'epochs strictly increase along the log').toBe(true);
  expect(analysis.overlaps, 'two nodes believing they lead and writing at once').toEqual([]);
}

/** Waits for a leader other than `not` elected after `since`; returns it with the time of its election. */
async function nextLeader(nodes: NodeCluster, since: number, not?: string): Promise<{ tag: string; epoch: number; at: number }> {
  await waitFor(() => nodes.linesOf('elected').some((l) => l.at > since && l.tag !== not), WAIT, { message: 'a new leader' });
  const line = nodes.linesOf('elected').find((l) => l.at > since && l.tag !== not);
  return { tag: line?.tag as string, epoch: line?.epoch as number, at: line?.at as number };
}

describe('cluster failures, with node processes on Postgres', () => {
  it('fails over after kill -9 of the leader to a node with a greater epoch', async () => {
    const nodes = await newCluster();
    await Promise.all([nodes.start(), nodes.start(), nodes.start()]);
    const failovers: number[] = [];
    for (let round = 0; round < 3; round++) {
      await waitFor(() => nodes.leader() !== undefined, WAIT, { message: 'a leader' });
      const old = nodes.leader() as { tag: string; epoch: number };
      // Let it write first, so the log shows the hand-over.
      const writesBefore = nodes.linesOf('write', old.tag).length;
      await waitFor(() => nodes.linesOf('write', old.tag).length >= writesBefore + 5, WAIT, { message: `${old.tag} writes` });
      const killedAt = monotonicNow();
      await nodes.signal(old.tag, 'SIGKILL');
      const next = await nextLeader(nodes, killedAt, old.tag);
      failovers.push(next.at - killedAt);
      expect(next.epoch).toBeGreaterThan(old.epoch);
      await waitFor(() => nodes.linesOf('write', next.tag).some((l) => l.epoch === next.epoch), WAIT, { message: 'the new leader writes' });
      await nodes.start();
    }
    const analysis = analyse(await nodes.accepted());
    process.stdout.write(
      `[cluster kill -9] 3 kills of the leader (ttl ${TTL_MS} ms, renew ${RENEW_MS} ms): failover ${failovers.map((ms) => `${Math.round(ms)} ms`).join(', ')}; ` +
        `${analysis.runs.length} epochs, ${analysis.runs.reduce((n, r) => n + r.writes, 0)} accepted writes\n`,
    );
    expectCleanLog(analysis);
    expect(analysis.runs.length).toBeGreaterThanOrEqual(4);
  });

  it('steps down a leader stopped (SIGSTOP) longer than the ttl before it does any fenced write once resumed', async () => {
    const nodes = await newCluster();
    await Promise.all([nodes.start(), nodes.start()]);
    await waitFor(() => nodes.leader() !== undefined, WAIT, { message: 'a leader' });
    const old = nodes.leader() as { tag: string; epoch: number };
    await waitFor(() => nodes.linesOf('write', old.tag).length >= 5, WAIT, { message: `${old.tag} writes` });
    const stoppedAt = monotonicNow();
    await nodes.signal(old.tag, 'SIGSTOP');
    const next = await nextLeader(nodes, stoppedAt, old.tag);
    await waitFor(() => nodes.linesOf('write', next.tag).filter((l) => l.epoch === next.epoch).length >= 10, WAIT, {
      message: 'new writes',
    });
    // Stopped for at least twice the ttl in all.
    await waitFor(() => monotonicNow() - stoppedAt > 2 * TTL_MS, WAIT);
    const resumedAt = monotonicNow();
    await nodes.signal(old.tag, 'SIGCONT');
    await waitFor(() => nodes.linesOf('lost', old.tag).some((l) => l.epoch === old.epoch), WAIT, { message: `${old.tag} steps down` });
    // Let both run on for a while after the resume.
    const writesAtResume = nodes.linesOf('write', next.tag).length;
    await waitFor(() => nodes.linesOf('write', next.tag).length >= writesAtResume + 20, WAIT, { message: 'writes after the resume' });

    const lateWrites = nodes.linesOf('write', old.tag).filter((l) => l.at > resumedAt);
    const refused = nodes.linesOf('refused', old.tag).filter((l) => l.at > resumedAt);
    const rows = await nodes.accepted();
    const analysis = analyse(rows);
    const firstNew = rows.find((r) => r.epoch === next.epoch)?.seq as number;
    process.stdout.write(
      `[cluster SIGSTOP] ${old.tag} (epoch ${old.epoch}) stopped ${Math.round(resumedAt - stoppedAt)} ms (ttl ${TTL_MS} ms); ` +
        `${next.tag} led with epoch ${next.epoch} ${Math.round(next.at - stoppedAt)} ms after the stop; after SIGCONT the old leader ` +
        `made ${lateWrites.length} fenced writes and had ${refused.length} refused (${[...new Set(refused.map((l) => l.code))].join(', ') || 'none'}); ` +
        `${rows.length} accepted writes in ${analysis.runs.length} epochs\n`,
    );
    expect(resumedAt - stoppedAt).toBeGreaterThan(2 * TTL_MS);
    expect(lateWrites).toEqual([]);
    expect(rows.filter((r) => r.epoch === old.epoch && r.seq > firstNew)).toEqual([]);
    expectCleanLog(analysis);
  });

  it('keeps one leader while the leader’s connections are terminated (pg_terminate_backend) and the pool recycles them', async () => {
    const nodes = await newCluster({ MAX_USES: '3' });
    await Promise.all([nodes.start(), nodes.start()]);
    let terminated = 0;
    let rounds = 0;
    for (; rounds < 12; rounds++) {
      await waitFor(() => nodes.leader() !== undefined, WAIT, { message: 'a leader' });
      const leader = nodes.leader() as { tag: string };
      const { rows } = await nodes.admin.query(
        `SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1) t`,
        [`bus-cluster-${leader.tag}`],
      );
      terminated += (rows[0] as { n: number }).n;
      await sleep(200 + Math.floor(Math.random() * 600));
    }
    const writes = nodes.linesOf('write').length;
    await waitFor(() => nodes.linesOf('write').length >= writes + 20, WAIT, { message: 'writes after the last termination' });
    const analysis = analyse(await nodes.accepted());
    process.stdout.write(
      `[cluster pg_terminate_backend] ${rounds} rounds, ${terminated} leader connections terminated, pool maxUses 3: ` +
        `${analysis.runs.length} epochs, ${analysis.runs.reduce((n, r) => n + r.writes, 0)} accepted writes, ` +
        `${nodes.linesOf('refused').length} refused, ${nodes.linesOf('pool-error').length} pool errors\n`,
    );
    expect(terminated).toBeGreaterThan(0);
    expectCleanLog(analysis);
  });

  it('keeps at most one writing leader and contiguous epochs through a 60 s soak of 3 processes with random kills', {
    timeout: 240_000,
  }, async () => {
    const nodes = await newCluster();
    await Promise.all([nodes.start(), nodes.start(), nodes.start()]);
    const began = monotonicNow();
    let kills = 0;
    let leaderKills = 0;
    while (monotonicNow() - began < 60_000) {
      await sleep(1_000 + Math.floor(Math.random() * 3_000));
      const leader = nodes.leader();
      const tags = [...nodes.children.keys()];
      const victim = leader !== undefined && Math.random() < 0.6 ? leader.tag : tags[Math.floor(Math.random() * tags.length)];
      if (victim === undefined) continue;
      if (victim === leader?.tag) leaderKills++;
      kills++;
      await nodes.signal(victim, 'SIGKILL');
      await nodes.start();
    }
    const soakedMs = monotonicNow() - began;
    await waitFor(() => nodes.leader() !== undefined, WAIT, { message: 'a leader at the end' });
    const analysis = analyse(await nodes.accepted());
    process.stdout.write(
      `[cluster soak] ${Math.round(soakedMs / 1000)} s, 3 processes, ${kills} kills (${leaderKills} of the leader): ` +
        `${analysis.runs.length} epochs, ${analysis.runs.reduce((n, r) => n + r.writes, 0)} accepted writes, ` +
        `${nodes.linesOf('refused').length} refused; interleaved epochs ${analysis.interleaved.length}, overlapping beliefs ${analysis.overlaps.length}\n`,
    );
    expect(kills).toBeGreaterThanOrEqual(10);
    expect(leaderKills).toBeGreaterThanOrEqual(3);
    expectCleanLog(analysis);
  });
});
