// The Postgres lease under a partition, in one process: a gate between the
// leader and the database makes its statements hang (then fail once healed).
// The leader steps down on its own monotonic clock before the database lets
// anyone in; a fenced transaction holds off every takeover until it ends, and
// one left idle past its timeout is ended by Postgres, its write never accepted.
import { performance } from 'node:perf_hooks';
import { type Bus, createBus } from '@bus/core';
import { waitFor } from '@bus/transport-tests';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterExtension, cluster } from '../src/index.js';
import { Gate, type LeaseEnv, postgresEnv } from './support/engines.js';
import { TIMING } from './support/lease-conformance.js';

const WAIT = 30_000;
let env: LeaseEnv;
let buses: Bus[] = [];
const gates: Gate[] = [];
let elections = 0;

beforeAll(async () => {
  env = await postgresEnv();
});
afterEach(async () => {
  for (const gate of gates) gate.heal();
  for (const bus of buses) if (bus.status === 'started') await bus.stop();
  buses = [];
});
afterAll(async () => {
  await env.cleanup();
});

async function node(election: string, options: { gate?: Gate; fenceIdleTimeoutMs?: number } = {}): Promise<Bus & ClusterExtension> {
  if (options.gate !== undefined) gates.push(options.gate);
  const bus = createBus({ source: 'cluster-partition' }).use(
    cluster({
      elector: env.elector(
        election,
        { ...TIMING, ...(options.fenceIdleTimeoutMs === undefined ? {} : { fenceIdleTimeoutMs: options.fenceIdleTimeoutMs }) },
        options.gate,
      ),
      heartbeatMs: 200,
    }),
  );
  buses.push(bus);
  bus.events.on('error', () => {}); // the partitioned node's failed statements, expected here
  await bus.start();
  return bus;
}

/** `a` leads, then `b` joins. */
async function leaderAndFollower(options: { fenceIdleTimeoutMs?: number } = {}) {
  const election = `partition-${++elections}`;
  const gate = new Gate();
  const a = await node(election, { gate, ...options });
  await waitFor(() => a.cluster.isLeader, WAIT, { message: 'a leads' });
  const b = await node(election);
  return { election, gate, a, b };
}

describe('the Postgres lease under a partition', () => {
  it('steps the cut-off leader down on its own clock before the database lets another node lead', async () => {
    const { gate, a, b } = await leaderAndFollower();
    const epoch = a.cluster.epoch as number;
    let lostAt = 0;
    let electedAt = 0;
    a.events.on('leadershipLost', () => {
      lostAt = performance.now();
    });
    b.events.on('leaderElected', () => {
      electedAt = performance.now();
    });
    gate.cut();
    await waitFor(() => b.cluster.isLeader, WAIT, { message: 'b leads' });
    process.stdout.write(
      `[cluster partition] a stepped down ${Math.round(electedAt - lostAt)} ms before b led (safety margin ${TIMING.safetyMarginMs} ms)\n`,
    );
    expect(lostAt).toBeGreaterThan(0);
    expect(lostAt).toBeLessThan(electedAt);
    expect(a.cluster.isLeader).toBe(false);
    expect(b.cluster.epoch).toBeGreaterThan(epoch);
  });

  it('holds off every takeover while the leader’s fenced transaction is open, past the lease’s expiry', async () => {
    const { election, gate, a, b } = await leaderAndFollower({ fenceIdleTimeoutMs: 60_000 });
    const epoch = a.cluster.epoch as number;
    const tx = await env.begin();
    await tx.write(epoch, 'a');
    await a.cluster.fence(tx.tx);
    gate.cut();
    await waitFor(() => !a.cluster.isLeader, WAIT, { message: 'a steps down' });
    await waitFor(() => env.leaseExpired(election), WAIT, { message: 'the lease expires in the database' });
    // b tries to take the expired lease at every renewal interval; the row lock of a's transaction holds it off.
    const expiredSince = performance.now();
    await waitFor(() => performance.now() - expiredSince > 4 * TIMING.renewIntervalMs, WAIT);
    expect(b.cluster.isLeader).toBe(false);
    await tx.commit();
    await waitFor(() => b.cluster.isLeader, WAIT, { message: 'b leads once a commits' });
    expect(b.cluster.epoch).toBeGreaterThan(epoch);
    expect((await env.accepted()).filter((w) => w.node === 'a' && w.epoch === epoch)).toHaveLength(1);
  });

  it('lets Postgres end a fenced transaction left idle past its timeout, so the write is never accepted and another node leads', async () => {
    const { gate, a, b } = await leaderAndFollower();
    const epoch = a.cluster.epoch as number;
    const tx = await env.begin();
    await tx.write(epoch, 'idle-a');
    await a.cluster.fence(tx.tx);
    gate.cut(); // a pauses: its transaction sits idle, holding the row
    await waitFor(() => b.cluster.isLeader, WAIT, { message: 'b leads after Postgres ended the idle transaction' });
    await expect(tx.commit()).rejects.toThrow();
    expect((await env.accepted()).filter((w) => w.node === 'idle-a')).toEqual([]);
  });
});
