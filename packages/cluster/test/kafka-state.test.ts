// The replicated state on a compacted Kafka topic (the real broker): writes
// produce, every node reads the topic locally, a node that starts later loads it.
import { randomBytes } from 'node:crypto';
import { type Bus, createBus } from '@bus/core';
import { readServicesEnv } from '@bus/scripts/services-env';
import { waitFor } from '@bus/transport-tests';
import { afterEach, describe, expect, it } from 'vitest';
import { type ClusterExtension, cluster, kafkaElector, kafkaState } from '../src/index.js';

const WAIT = 60_000;
let buses: Bus[] = [];
afterEach(async () => {
  for (const bus of buses) if (bus.status === 'started') await bus.stop();
  buses = [];
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
