// `clusterDeploy` keeps its legacy answer (the first node leads, each node's "replicated store" a copy of the
// queue, in one process). Across processes the same two ideas are `@bus/cluster` on `.bus`: one live leader of an
// election, and a replicated state every node reads locally — two facade instances on one SQLite file here.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ClusterExtension, cluster, sqliteLease } from '@bus/cluster';
import type { Bus } from '@bus/core';
import { waitFor } from '@bus/transport-tests';
import { afterAll, describe, expect, it } from 'vitest';
import { Event, EventBus } from '../src/architect.js';

const dir = mkdtempSync(join(tmpdir(), 'healthcare-cluster-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function hospital(id: string): { architect: EventBus; bus: Bus & ClusterExtension } {
  const architect = new EventBus();
  const elector = sqliteLease({ path: join(dir, 'ward.db'), name: 'ward', ttlMs: 1_500, renewIntervalMs: 300, safetyMarginMs: 500 });
  return { architect, bus: architect.bus.use(cluster({ elector, node: { id }, stateSyncMs: 50 })) };
}

describe('clusterDeploy and @bus/cluster', () => {
  it('keeps the legacy cluster dict, and shares the leader’s queue with the other node through the replicated state', async () => {
    const a = hospital('node-a');
    const b = hospital('node-b');
    await Promise.all([a.bus.start(), b.bus.start()]);
    await a.architect.publish(new Event('1', 'vitals', 'device.sensor.ward1'), 'device.sensor.ward1');
    const legacy = a.architect.clusterDeploy(['node-a', 'node-b']);
    expect(legacy.leader).toBe('node-a');
    expect(Object.keys(legacy.replicatedStores)).toEqual(['node-a', 'node-b']);

    await waitFor(() => a.bus.cluster.isLeader !== b.bus.cluster.isLeader, 10_000, { message: 'one leader' });
    const [leader, follower] = a.bus.cluster.isLeader ? [a, b] : [b, a];
    const queue = leader.architect.queue.map((event) => ({ id: event.id, routingKey: event.routingKey }));
    await leader.bus.cluster.state<typeof queue>('replicated-stores').set(leader.bus.cluster.node.id, queue);
    const copy = follower.bus.cluster.state<typeof queue>('replicated-stores');
    await waitFor(() => copy.has(leader.bus.cluster.node.id), 10_000, { message: 'the copy on the other node' });
    expect(copy.get(leader.bus.cluster.node.id)).toEqual(queue);
    await Promise.all([a.bus.stop(), b.bus.stop()]);
  });
});
