// `setupClustering(nodes)` keeps its legacy answer (the first node leads, in memory). Work that must run on one
// node at a time across processes registers with `@bus/cluster` on `.bus`: it runs on the elected node only, and
// moves to another node when that one stops — two facade instances on one SQLite lease file here.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ClusterExtension, cluster, sqliteLease } from '@bus/cluster';
import type { Bus } from '@bus/core';
import { waitFor } from '@bus/transport-tests';
import { afterAll, describe, expect, it } from 'vitest';
import { EventBus } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'architect-cluster-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('setupClustering and @bus/cluster', () => {
  it('keeps the legacy leader, and runs the singleton work on one elected node, then on the other once it stops', async () => {
    const ran: string[] = [];
    const nodes = ['node-a', 'node-b'].map((id) => {
      const eventBus = new EventBus();
      const elector = sqliteLease({ path: join(dir, 'jobs.db'), name: 'jobs', ttlMs: 1_500, renewIntervalMs: 300, safetyMarginMs: 500 });
      const bus: Bus & ClusterExtension = eventBus.bus.use(cluster({ elector, node: { id } }));
      bus.cluster.onLeadership(({ epoch }) => void ran.push(`${id}@${epoch}`));
      return { eventBus, bus, id };
    });
    await Promise.all(nodes.map((node) => node.eventBus.start()));
    nodes[0]?.eventBus.setupClustering(['node-b', 'node-a']);
    expect(nodes[0]?.eventBus.getLeader()).toBe('node-b');

    await waitFor(() => ran.length === 1, 10_000, { message: 'the work to run on one node' });
    const first = nodes.find((node) => ran[0]?.startsWith(node.id)) as (typeof nodes)[number];
    await first.eventBus.stop();
    await waitFor(() => ran.length === 2, 10_000, { message: 'the work to move to the other node' });
    const [firstRun, secondRun] = ran.map((run) => run.split('@'));
    expect(secondRun?.[0]).not.toBe(firstRun?.[0]);
    expect(Number(secondRun?.[1])).toBeGreaterThan(Number(firstRun?.[1]));
    await Promise.all(nodes.map((node) => node.eventBus.stop()));
  });
});
