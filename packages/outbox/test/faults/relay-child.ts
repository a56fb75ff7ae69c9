// A relay process for the crash test: a bus whose only job is to relay the
// outbox table to Kafka. The test kills it with SIGKILL at random points.
// Run with `node relay-child.ts` (Node strips the types); it loads the built packages.
import { createBus } from '@bus/core';
import { kafka } from '@bus/kafka';
import { outbox, postgresOutbox } from '@bus/outbox';
import { serialization } from '@bus/serialization';

const { PG_URL, PG_SCHEMA, BROKERS, OUTBOX_TABLE, BATCH_SIZE, LEASE_MS } = process.env;
if (!PG_URL || !PG_SCHEMA || !BROKERS || !OUTBOX_TABLE) throw new Error('relay-child needs PG_URL, PG_SCHEMA, BROKERS, OUTBOX_TABLE');

const bus = createBus({ source: 'urn:bus:outbox-crash' })
  .use(serialization())
  .use(kafka({ brokers: BROKERS.split(','), groupId: 'outbox-crash-relay', ensureTopics: { partitions: 4, replicationFactor: 1 } }))
  .use(
    outbox({
      store: postgresOutbox({
        connectionString: PG_URL,
        schema: PG_SCHEMA,
        tables: {
          outbox: OUTBOX_TABLE,
          deadLetters: `${OUTBOX_TABLE}_dead`,
          inbox: `${OUTBOX_TABLE}_inbox`,
          version: `${OUTBOX_TABLE}_version`,
        },
      }),
      batchSize: Number(BATCH_SIZE ?? 50),
      leaseMs: Number(LEASE_MS ?? 1_500),
      pollIntervalMs: 100,
    }),
  );
bus.events.on('error', (error) => process.stderr.write(`relay-child error: ${error.code} ${error.message}\n`));
await bus.start();
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void bus.stop().then(() => process.exit(0));
});
