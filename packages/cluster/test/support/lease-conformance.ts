// One suite for every lease elector (the @bus/transport-tests idea): election,
// failover on a clean stop, fencing, membership and the replicated state, on
// the real database.
import { performance } from 'node:perf_hooks';
import { type Bus, BusError, createBus } from '@bus/core';
import { waitFor } from '@bus/transport-tests';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterExtension, type ClusterMember, type ClusterOptions, cluster, type Leadership } from '../../src/index.js';
import type { LeaseEnv } from './engines.js';

/** Small ttl values keep the suite short; the margins stay wide for a loaded machine. */
export const TIMING = { ttlMs: 1_500, renewIntervalMs: 300, safetyMarginMs: 500 } as const;
const WAIT = 30_000;

export function describeLeaseConformance(label: string, makeEnv: () => Promise<LeaseEnv>): void {
  describe(`lease elector: ${label}`, () => {
    let env: LeaseEnv;
    let buses: Bus[] = [];
    let elections = 0;
    const fresh = () => `election-${++elections}`;

    beforeAll(async () => {
      env = await makeEnv();
    });
    afterEach(async () => {
      for (const bus of buses) if (bus.status === 'started') await bus.stop();
      buses = [];
    });
    afterAll(async () => {
      await env.cleanup();
    });

    async function node(election: string, options: Partial<ClusterOptions> = {}): Promise<Bus & ClusterExtension> {
      const bus = createBus({ source: 'cluster-test' }).use(
        cluster({ elector: env.elector(election, TIMING), heartbeatMs: 200, stateSyncMs: 100, ...options }),
      );
      buses.push(bus);
      await bus.start();
      return bus;
    }

    it('elects one node, runs its leadership work with an epoch, and aborts it on stop', async () => {
      const election = fresh();
      const a = await node(election);
      const runs: Leadership[] = [];
      let finished = false;
      a.cluster.onLeadership(async (leadership) => {
        runs.push(leadership);
        await new Promise((resolve) => leadership.signal.addEventListener('abort', resolve, { once: true }));
        await new Promise((resolve) => setImmediate(resolve)); // cleanup after the abort: stop() waits for it
        finished = true;
      });
      await waitFor(() => a.cluster.isLeader, WAIT, { message: 'a leads' });
      expect(runs).toHaveLength(1);
      expect(runs[0]?.epoch).toBe(a.cluster.epoch);
      expect(runs[0]?.epoch).toBeGreaterThanOrEqual(1);
      expect(runs[0]?.signal.aborted).toBe(false);
      await a.stop();
      expect(runs[0]?.signal.aborted).toBe(true);
      expect(finished).toBe(true);
      expect(BusError.is(runs[0]?.signal.reason) && runs[0]?.signal.reason.code).toBe('LEADERSHIP_LOST');
      expect(a.cluster.isLeader).toBe(false);
    });

    it('keeps one leader among three, and hands over to another with a greater epoch when it stops', async () => {
      const election = fresh();
      const nodes = [await node(election), await node(election), await node(election)];
      await waitFor(() => nodes.some((n) => n.cluster.isLeader), WAIT, { message: 'a leader' });
      // Several renewal rounds: the followers keep trying and never win while the lease is held.
      const first = nodes.find((n) => n.cluster.isLeader) as Bus & ClusterExtension;
      const firstEpoch = first.cluster.epoch as number;
      const renewedSince = performance.now();
      await waitFor(() => performance.now() - renewedSince > 3 * TIMING.ttlMs, WAIT);
      expect(nodes.filter((n) => n.cluster.isLeader)).toEqual([first]);
      expect(first.cluster.epoch).toBe(firstEpoch);

      const firstRuns: Leadership[] = [];
      first.cluster.onLeadership((leadership) => void firstRuns.push(leadership));
      expect(await firstRuns[0]?.isLatest()).toBe(true);
      const lost: number[] = [];
      first.events.on('leadershipLost', ({ epoch }) => lost.push(epoch));
      await first.stop();
      expect(lost).toEqual([firstEpoch]);
      const others = nodes.filter((n) => n !== first);
      await waitFor(() => others.some((n) => n.cluster.isLeader), WAIT, { message: 'a new leader' });
      const second = others.find((n) => n.cluster.isLeader) as Bus & ClusterExtension;
      expect(second.cluster.epoch).toBeGreaterThan(firstEpoch);
      expect(others.filter((n) => n.cluster.isLeader)).toHaveLength(1);
      // The engine tells the new leader it is the latest, and the old term that it is not.
      const secondRuns: Leadership[] = [];
      second.cluster.onLeadership((leadership) => void secondRuns.push(leadership));
      expect(await secondRuns[0]?.isLatest()).toBe(true);
      expect(await firstRuns[0]?.isLatest()).toBe(false);
    });

    it('accepts the leader’s fenced write and refuses a follower’s and a stale epoch’s with LEADERSHIP_LOST', async () => {
      const election = fresh();
      const a = await node(election);
      await waitFor(() => a.cluster.isLeader, WAIT);
      const b = await node(election);
      const tx = await env.begin();
      await tx.write(a.cluster.epoch as number, 'a');
      await a.cluster.fence(tx.tx);
      await tx.commit();

      const refused = await env.begin();
      await expect(b.cluster.fence(refused.tx)).rejects.toMatchObject({ code: 'LEADERSHIP_LOST' });
      await refused.rollback();

      // a's leadership, captured, outlives its term: after a hand-over its fence is refused.
      let stale: Leadership | undefined;
      a.cluster.onLeadership((leadership) => {
        stale = leadership;
      });
      await a.stop();
      await waitFor(() => b.cluster.isLeader, WAIT);
      const late = await env.begin();
      await expect((stale as Leadership).fence(late.tx)).rejects.toMatchObject({ code: 'LEADERSHIP_LOST' });
      await late.rollback();
      const accepted = (await env.accepted()).filter((w) => w.node === 'a');
      expect(accepted.length).toBeGreaterThanOrEqual(1);
    });

    it('lists the live members with their metadata, and emits joins and leaves on bus.events', async () => {
      const election = fresh();
      const a = await node(election, { node: { version: '1.2.3', metadata: { region: 'eu' } } });
      const joined: ClusterMember[] = [];
      const left: ClusterMember[] = [];
      a.events.on('memberJoined', (member) => joined.push(member));
      a.events.on('memberLeft', (member) => left.push(member));
      expect(a.cluster.members().map((m) => m.id)).toEqual([a.cluster.node.id]);
      expect(a.cluster.members()[0]).toMatchObject({ version: '1.2.3', metadata: { region: 'eu' }, host: a.cluster.node.host });
      const b = await node(election);
      await waitFor(() => a.cluster.members().length === 2, WAIT, { message: 'a sees b' });
      expect(joined.map((m) => m.id)).toEqual([b.cluster.node.id]);
      expect(b.cluster.members().map((m) => m.id)).toEqual([a.cluster.node.id, b.cluster.node.id]);
      expect(joined[0]?.startedAt).toBe(b.cluster.node.startedAt);
      await b.stop();
      await waitFor(() => left.length === 1, WAIT, { message: 'a sees b leave' });
      expect(left[0]?.id).toBe(b.cluster.node.id);
      expect(a.cluster.members().map((m) => m.id)).toEqual([a.cluster.node.id]);

      // A node that crashes never writes its leave: a drops it once its heartbeats are older than the timeout.
      const store = env.elector(election, TIMING).members;
      const c = await node(election, {
        members: store === undefined ? false : { ...store, leave: async () => {} },
        memberTimeoutMs: 1_000,
      });
      await waitFor(() => a.cluster.members().length === 2, WAIT, { message: 'a sees c' });
      await c.stop();
      await waitFor(() => left.length === 2, WAIT, { message: 'a sees c go silent' });
      expect(left[1]?.id).toBe(c.cluster.node.id);
    });

    it('replicates a state: writes go through the engine, every node reads them locally, with change events', async () => {
      const election = fresh();
      const a = await node(election);
      const b = await node(election);
      const seen: { key: string; value: unknown; previous: unknown }[] = [];
      b.cluster.state<number>('config').onChange(({ key, value, previous }) => seen.push({ key, value, previous }));
      await a.cluster.state<number>('config').set('rate', 5);
      expect(a.cluster.state<number>('config').get('rate')).toBe(5);
      await waitFor(() => b.cluster.state('config').get('rate') === 5, WAIT, { message: 'b sees rate=5' });
      await b.cluster.state<number>('config').set('rate', 7);
      await a.cluster.state<number>('config').delete('obsolete');
      await waitFor(() => a.cluster.state('config').get('rate') === 7, WAIT);
      expect(b.cluster.state('other').entries()).toEqual([]);
      expect(seen.filter((c) => c.key === 'rate')).toEqual([
        { key: 'rate', value: 5, previous: undefined },
        { key: 'rate', value: 7, previous: 5 },
      ]);
      // A node that starts later loads the whole state before start() resolves.
      const c = await node(election);
      expect(c.cluster.state('config').entries()).toEqual([['rate', 7]]);
    });

    it('converges every node on the same values when two write the same keys at once', async () => {
      const election = fresh();
      const a = await node(election);
      const b = await node(election);
      const writes = (bus: Bus & ClusterExtension, tag: string) =>
        Promise.all(Array.from({ length: 10 }, (_, i) => bus.cluster.state<string>('race').set(`k${i % 3}`, `${tag}${i}`)));
      await Promise.all([writes(a, 'a'), writes(b, 'b')]);
      const view = (bus: Bus & ClusterExtension) => JSON.stringify(bus.cluster.state('race').entries().sort());
      await waitFor(() => view(a) === view(b), WAIT, { message: () => `a ${view(a)} = b ${view(b)}` });
      expect(a.cluster.state('race').entries()).toHaveLength(3);
    });

    it('runs work registered while leading at once, and no more after it is unregistered', async () => {
      const election = fresh();
      const a = await node(election);
      await waitFor(() => a.cluster.isLeader, WAIT);
      const epochs: number[] = [];
      const unregister = a.cluster.onLeadership(({ epoch }) => void epochs.push(epoch));
      expect(epochs).toEqual([a.cluster.epoch]);
      unregister();
      const b = await node(election);
      await a.stop();
      await waitFor(() => b.cluster.isLeader, WAIT);
      expect(epochs).toHaveLength(1);
    });

    it('reports leadership work that throws on bus.events and keeps leading', async () => {
      const election = fresh();
      const bus = createBus({ source: 'cluster-test' }).use(
        cluster({ elector: env.elector(election, TIMING), heartbeatMs: 200, stateSyncMs: 100 }),
      );
      buses.push(bus);
      const errors: BusError[] = [];
      bus.events.on('error', (error) => errors.push(error));
      bus.cluster.onLeadership(() => {
        throw new Error('the job failed');
      });
      await bus.start();
      await waitFor(() => errors.length > 0, WAIT, { message: 'the failure reported' });
      expect(errors[0]).toMatchObject({ code: 'HANDLER_FAILED', message: 'the job failed' });
      expect(bus.cluster.isLeader).toBe(true);
    });

    it('refuses a state write before start with BUS_NOT_STARTED', async () => {
      const bus = createBus().use(cluster({ elector: env.elector(fresh(), TIMING) }));
      await expect(bus.cluster.state('config').set('k', 1)).rejects.toMatchObject({ code: 'BUS_NOT_STARTED' });
      expect(bus.cluster.isLeader).toBe(false);
      expect(bus.cluster.epoch).toBeUndefined();
    });
  });
}
