/**
 * The consumer group `bus tail` made for itself, deleted when it stops: a
 * throwaway group per run would otherwise stay on the broker until its
 * offsets expire (a week by default).
 */
import type { Logger } from '@bus/core';
import { Admin } from '@platformatic/kafka';
import type { KafkaConnection } from './kafka-connection.js';

/** Deletes `group`; a failure (the broker still closing the member) is logged, not thrown: the tail itself went well. */
export async function deleteTailGroup(connection: KafkaConnection, group: string, logger: Logger): Promise<void> {
  const admin = new Admin({
    clientId: `${connection.clientId ?? 'bus-cli'}-admin`,
    bootstrapBrokers: connection.brokers.split(',').map((broker) => broker.trim()),
    ...(connection.sasl === undefined ? {} : { sasl: connection.sasl }),
    ...(connection.tls === undefined ? {} : { tls: connection.tls }),
    retries: 2,
  });
  try {
    await admin.deleteGroups({ groups: [group] });
    logger.debug({ group }, 'bus tail: deleted its consumer group');
  } catch (error) {
    logger.warn({ group, err: error }, `bus tail: could not delete its consumer group ${group}; it expires with its offsets`);
  } finally {
    await admin.close().catch(() => undefined);
  }
}
