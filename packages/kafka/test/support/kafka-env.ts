/**
 * Where the test broker is, and helpers every Kafka test shares: unique names,
 * and deleting what a test created (topics, consumer groups).
 */
import { randomBytes } from 'node:crypto';
import { readServicesEnv } from '@bus/scripts/services-env';
import { Admin } from '@platformatic/kafka';

/** The brokers of the shared test broker (`BUS_KAFKA_BROKERS`, set by the test runner or `node scripts/services.mjs up`). */
export function testBrokers(): string[] {
  const { kafkaBrokers } = readServicesEnv();
  if (!kafkaBrokers) {
    throw new Error('BUS_KAFKA_BROKERS is not set: start the broker with `node scripts/services.mjs up` (pnpm test does it).');
  }
  return kafkaBrokers.split(',');
}

/** A prefix no other run uses: every topic and group of a test file starts with it. */
export function uniquePrefix(label: string): string {
  return `test.kafka.${label}.${randomBytes(4).toString('hex')}`;
}

/** Deletes every topic and consumer group whose name starts with `prefix`. */
export async function deleteByPrefix(prefix: string, brokers: string[] = testBrokers()): Promise<{ topics: number; groups: number }> {
  const admin = new Admin({ clientId: 'bus-kafka-test-cleanup', bootstrapBrokers: brokers });
  try {
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    const groups = [...(await admin.listGroups()).keys()].filter((group) => group.startsWith(prefix));
    if (groups.length > 0) await admin.deleteGroups({ groups }).catch(() => undefined); // a group still closing may refuse
    return { topics: topics.length, groups: groups.length };
  } finally {
    await admin.close();
  }
}
