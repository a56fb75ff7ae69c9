// The replicated state on a compacted Kafka topic (the real broker): writes
// produce, every node reads the topic locally, a node that starts later loads it.
import { randomBytes } from 'node:crypto';
import { type Bus, createBus } from '@bus/core';
import { readServicesEnv } from '@bus/scripts/services-env';
import { waitFor } from '@bus/transport-tests';
import { afterEach, describe, expect, it } from 'vitest';
import { type ClusterExtension, cluster, kafkaElector, kafkaMembers, kafkaState } from '../src/index.js';

const WAIT = 60_000;
let buses: Bus[] = [];
afterEach(async () => {
  for (const bus of buses) if (bus.status === 'started') await bus.stop();
  buses = [];
});

describe('Kafka members (heartbeats on a compacted topic)', () => {
  it('lists the live nodes with their metadata, and sees a node join, leave cleanly, and go silent', async () => {
    const brokers = readServicesEnv().kafkaBrokers?.split(',');
    if (brokers === undefined) throw new Error('BUS_KAFKA_BROKERS is not set: start the services (pnpm services:up).');
    const name = `members-${randomBytes(4).toString('hex')}`;
    const node = async (region: string, crashes = false) => {
      const store = kafkaMembers({ brokers, name });
      const bus = createBus().use(
        cluster({
          elector: kafkaElector({ brokers, name, sessionTimeoutMs: 3_000, heartbeatIntervalMs: 300, safetyMarginMs: 1_000 }),
          // A node that crashes never writes its leave: its heartbeats just stop.
          members: crashes ? { ...store, leave: async () => {} } : store,
          heartbeatMs: 200,
          memberTimeoutMs: 1_000,
          node: { version: '2.0.0', metadata: { region } },
        }),
      );
      buses.push(bus);
      await bus.start();
      return bus as Bus & ClusterExtension;
    };
    const a = await node('eu');
    const left: string[] = [];
    a.events.on('memberLeft', (member) => left.push(member.metadata.region as string));
    const b = await node('us');
    await waitFor(() => a.cluster.members().length === 2, WAIT, { message: 'a sees b' });
    expect(a.cluster.members().map((m) => [m.id, m.version, m.metadata.region])).toEqual([
      [a.cluster.node.id, '2.0.0', 'eu'],
      [b.cluster.node.id, '2.0.0', 'us'],
    ]);
    await b.stop(); // a tombstone: gone at a's next round
    await waitFor(() => left.includes('us'), WAIT, { message: 'a sees b leave' });
    const c = await node('ap', true);
    await waitFor(() => a.cluster.members().some((m) => m.id === c.cluster.node.id), WAIT, { message: 'a sees c' });
    // c goes silent (its heartbeats stop without a leave): a drops it after the timeout, by the broker's clock.
    await c.stop();
    await waitFor(() => left.includes('ap'), WAIT, { message: 'a sees c go silent' });
    expect(a.cluster.members().map((m) => m.id)).toEqual([a.cluster.node.id]);
  });
});

describe('Kafka state (a compacted topic)', () => {
  it('replicates sets and deletes to every node, with change events, and loads it into a node that starts later', async () => {
    const brokers = readServicesEnv().kafkaBrokers?.split(',');
    if (brokers === undefined) throw new Error('BUS_KAFKA_BROKERS is not set: start the services (pnpm services:up).');
    const name = `state-${randomBytes(4).toString('hex')}`;
    const node = async () => {
      const bus = createBus().use(
        cluster({
          elector: kafkaElector({ brokers, name, sessionTimeoutMs: 3_000, heartbeatIntervalMs: 300, safetyMarginMs: 1_000 }),
          state: kafkaState({ brokers, name }),
          members: false,
          stateSyncMs: 50,
        }),
      );
      buses.push(bus);
      await bus.start();
      return bus as Bus & ClusterExtension;
    };
    const a = await node();
    const b = await node();
    const seen: unknown[] = [];
    b.cluster.state<string>('flags').onChange(({ key, value, previous }) => seen.push([key, value, previous]));
    await a.cluster.state<string>('flags').set('checkout', 'on');
    expect(a.cluster.state('flags').get('checkout')).toBe('on');
    await a.cluster.state<string>('flags').set('search', 'v2');
    await b.cluster.state<string>('flags').delete('checkout');
    await waitFor(() => a.cluster.state('flags').has('checkout') === false && b.cluster.state('flags').get('search') === 'v2', WAIT, {
      message: 'both nodes converge',
    });
    expect(seen).toEqual([
      ['checkout', 'on', undefined],
      ['search', 'v2', undefined],
      ['checkout', undefined, 'on'],
    ]);
    const c = await node();
    expect(c.cluster.state('flags').entries()).toEqual([['search', 'v2']]);
  });
});
