// Real clustering under the legacy call: `clusterDeploy` keeps its legacy answer (the smallest node, in
// memory), and a deployment that needs one live leader across processes adds `@bus/cluster` to `.bus` —
// here two facade instances on one SQLite lease file, as two processes of one host would be.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ClusterExtension, cluster, sqliteLease } from '@bus/cluster';
import type { Bus } from '@bus/core';
import { waitFor } from '@bus/transport-tests';
import { afterAll, describe, expect, it } from 'vitest';
import { ObservabilityEventBus } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'sre-cluster-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function node(id: string): { sre: ObservabilityEventBus; bus: Bus & ClusterExtension } {
  const sre = new ObservabilityEventBus();
  const elector = sqliteLease({ path: join(dir, 'lease.db'), name: 'sre', ttlMs: 1_500, renewIntervalMs: 300, safetyMarginMs: 500 });
  return { sre, bus: sre.bus.use(cluster({ elector, node: { id } })) };
}

describe('clusterDeploy and @bus/cluster', () => {
  it('keeps the legacy leader of clusterDeploy, while one live node leads the election and another takes over when it stops', async () => {
    const a = node('node-a');
    const b = node('node-b');
    await Promise.all([a.sre.ready, b.sre.ready]);
    expect(a.sre.clusterDeploy(['node-b', 'node-a'])).toBe('node-a');
    expect(a.sre.leader).toBe('node-a');
    await waitFor(() => a.bus.cluster.isLeader !== b.bus.cluster.isLeader, 10_000, { message: 'one leader' });
    const [leader, follower] = a.bus.cluster.isLeader ? [a, b] : [b, a];
    await leader.bus.stop();
    await waitFor(() => follower.bus.cluster.isLeader, 10_000, { message: 'the other node to lead' });
    // The legacy bookkeeping is untouched by the election.
    expect(a.sre.clusterNodes).toEqual(['node-b', 'node-a']);
    await follower.bus.stop();
  });
});
