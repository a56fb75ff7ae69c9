// The shared transport conformance suite against the real test broker: every
// test of every capability the Kafka transport claims (wildcards with the
// @bus/topics router).
import { topics } from '@bus/topics';
import { describeTransportConformance } from '@bus/transport-tests';
import { afterAll } from 'vitest';
import { type KafkaTransport, kafkaTransport } from '../src/index.js';
import { jsonTestCodec } from './support/json-test-codec.js';
import { deleteByPrefix, testBrokers, uniquePrefix } from './support/kafka-env.js';

const brokers = testBrokers();
const prefix = uniquePrefix('conformance');

// Every transport the suite made: some are wrapped (a spy) before the bus sees them, so find them here.
const transports = new Set<KafkaTransport>();

afterAll(() => deleteByPrefix(prefix), 60_000);

describeTransportConformance('kafka transport', {
  createTransport: () => {
    const transport = kafkaTransport({
      brokers,
      clientId: 'bus-conformance',
      groupId: prefix,
      ensureTopics: { partitions: 3, replicationFactor: 1 },
      sessionTimeoutMs: 6_000,
      heartbeatIntervalMs: 250,
      redeliveryDelayMs: 50,
    });
    transports.add(transport);
    return transport;
  },
  typePrefix: prefix,
  plugins: () => [jsonTestCodec()],
  wildcardPlugins: () => [topics()],
  deliveryTimeoutMs: 30_000,
  // A group with several members is ready once it is stable and every member knows its partitions' positions.
  subscriptionReady: async () => {
    await Promise.all([...transports].map((transport) => transport.settled(30_000)));
  },
});
