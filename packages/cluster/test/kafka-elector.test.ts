// The Kafka elector on the real broker (BUS_KAFKA_BROKERS): one leader per
// consumer group, a hand-over with a greater epoch when it leaves, and a
// leader whose heartbeats stall (its broker stops) steps down on its own
// clock. The stall test runs a dedicated broker (@bus/scripts/test-broker).
import { randomBytes } from 'node:crypto';
import { type Bus, createBus } from '@bus/core';
import { readServicesEnv } from '@bus/scripts/services-env';
import { TestBroker } from '@bus/scripts/test-broker';
import { waitFor } from '@bus/transport-tests';
import { afterEach, describe, expect, it } from 'vitest';
import { type ClusterExtension, cluster, kafkaElector, type Leadership } from '../src/index.js';

const WAIT = 60_000;
const TIMING = { sessionTimeoutMs: 3_000, heartbeatIntervalMs: 300, safetyMarginMs: 1_000 } as const;

function requireBrokers(): string[] {
  const brokers = readServicesEnv().kafkaBrokers;
  if (brokers === undefined)
    throw new Error('BUS_KAFKA_BROKERS is not set: start the services (pnpm services:up). These tests fail rather than skip.');
  return brokers.split(',');
}

let buses: Bus[] = [];
afterEach(async () => {
  for (const bus of buses) if (bus.status === 'started') await bus.stop();
  buses = [];
});

async function node(brokers: string[], name: string, shards = 1): Promise<Bus & ClusterExtension> {
  const bus = createBus({ source: 'cluster-kafka' }).use(
    cluster({ elector: kafkaElector({ brokers, name, shards, ...TIMING }), members: false }),
  );
  bus.events.on('error', () => {}); // a stopped broker's connection errors, expected in the stall test
  buses.push(bus);
  await bus.start();
  return bus;
}

describe('Kafka elector', () => {
  it('elects one member of the group and hands over to the other with a greater epoch when it leaves', async () => {
    const brokers = requireBrokers();
    const name = `election-${randomBytes(4).toString('hex')}`;
    const a = await node(brokers, name);
    const b = await node(brokers, name);
    await waitFor(() => a.cluster.isLeader || b.cluster.isLeader, WAIT, { message: 'a leader' });
    // The group settles: both joined, exactly one holds partition 0.
    await waitFor(() => [a, b].filter((n) => n.cluster.isLeader).length === 1, WAIT);
    const leader = a.cluster.isLeader ? a : b;
    const follower = leader === a ? b : a;
    const runs: Leadership[] = [];
    leader.cluster.onLeadership((leadership) => void runs.push(leadership));
    const epoch = leader.cluster.epoch as number;
    expect(epoch).toBeGreaterThanOrEqual(1);
    await expect(leader.cluster.fence({})).rejects.toMatchObject({ code: 'TRANSPORT_UNSUPPORTED' });
    expect(await runs[0]?.isLatest()).toBe(true);
    await leader.stop();
    expect(runs[0]?.signal.aborted).toBe(true);
    await waitFor(() => follower.cluster.isLeader, WAIT, { message: 'the follower leads' });
    expect(follower.cluster.epoch).toBeGreaterThan(epoch);
    // The new leader's epoch record is the coordination partition's latest.
    const followerRuns: Leadership[] = [];
    follower.cluster.onLeadership((leadership) => void followerRuns.push(leadership));
    expect(await followerRuns[0]?.isLatest()).toBe(true);
  });

  it('spreads N shards over the members, and moves a leaving member’s shards to the others with greater epochs', async () => {
    const brokers = requireBrokers();
    const name = `shards-${randomBytes(4).toString('hex')}`;
    const a = await node(brokers, name, 4);
    const b = await node(brokers, name, 4);
    const owned = (bus: Bus & ClusterExtension) => bus.cluster.shards().map((s) => s.shard);
    await waitFor(() => owned(a).length > 0 && owned(b).length > 0 && owned(a).length + owned(b).length === 4, WAIT, {
      message: () => `4 shards spread over a and b (a ${owned(a)}, b ${owned(b)})`,
    });
    expect([...owned(a), ...owned(b)].sort()).toEqual([0, 1, 2, 3]);
    const before = new Map(a.cluster.shards().map((s) => [s.shard, s.epoch]));
    const started: number[] = [];
    b.cluster.onLeadership(({ shard }) => void started.push(shard));
    await a.stop();
    await waitFor(() => owned(b).length === 4, WAIT, { message: () => `b leads all 4 shards (b ${owned(b)})` });
    for (const { shard, epoch } of b.cluster.shards()) {
      if (before.has(shard)) expect(epoch).toBeGreaterThan(before.get(shard) as number);
    }
    // Every shard's work ran on b (the rebalance restarts b's own shards too: the eager protocol revokes them all).
    expect([...new Set(started)].sort()).toEqual([0, 1, 2, 3]);
  });

  it('steps down on its own clock when its heartbeats stall (the broker stops)', async () => {
    const broker = await TestBroker.create();
    try {
      await broker.start();
      const a = await node([broker.address], `stall-${randomBytes(4).toString('hex')}`);
      await waitFor(() => a.cluster.isLeader, WAIT, { message: 'a leads' });
      const epoch = a.cluster.epoch as number;
      const lost: string[] = [];
      a.events.on('leadershipLost', ({ reason }) => lost.push(reason.message));
      await broker.stop();
      await waitFor(() => !a.cluster.isLeader && lost.length > 0, WAIT, { message: 'a steps down' });
      process.stdout.write(`[cluster kafka stall] ${lost[0]}\n`);
      expect(lost[0]).toMatch(/heartbeat|rebalanc|left/);
      await broker.start();
      await waitFor(() => a.cluster.isLeader, WAIT, { message: 'a leads again once the broker is back' });
      expect(a.cluster.epoch).toBeGreaterThan(epoch);
      await a.stop();
    } finally {
      await broker.destroy();
    }
  });
});
