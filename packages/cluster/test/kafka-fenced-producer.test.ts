// The fenced Kafka producer on the real broker: a leader that still believes it
// leads (a paused process: its own clock check is defeated here on purpose) is
// fenced by the next leader's producer — its open transaction aborted, its later
// commits refused — so a read-committed consumer sees the epochs in order.
import { randomBytes } from 'node:crypto';
import { readServicesEnv } from '@bus/scripts/services-env';
import { waitFor } from '@bus/transport-tests';
import { Admin, Consumer, FetchIsolationLevels, MessagesStreamModes } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { fencedKafkaProducer, type Leadership } from '../src/index.js';

function believedLeadership(epoch: number, valid: () => boolean = () => true): Leadership {
  return {
    epoch,
    shard: 0,
    signal: new AbortController().signal,
    isValid: valid,
    fence: () => Promise.reject(new Error('not used')),
  };
}

describe('fenced Kafka producer', () => {
  it('refuses the old leader’s writes once the next leader’s producer started, and a read-committed reader sees the epochs in order', async () => {
    const brokers = readServicesEnv().kafkaBrokers?.split(',');
    if (brokers === undefined) throw new Error('BUS_KAFKA_BROKERS is not set: start the services (pnpm services:up).');
    const name = `fenced-${randomBytes(4).toString('hex')}`;
    const topic = `cluster-fenced-${randomBytes(4).toString('hex')}`;
    const admin = new Admin({ bootstrapBrokers: brokers, clientId: 'fenced-test' });
    await admin.createTopics({ topics: [topic], partitions: 1, replicas: -1 });
    await admin.close();

    const old = await fencedKafkaProducer({ brokers, name, leadership: believedLeadership(1) });
    await old.send([{ topic, key: 'k', value: 'epoch-1 first' }]);
    const next = await fencedKafkaProducer({ brokers, name, leadership: believedLeadership(2) });
    await expect(old.send([{ topic, key: 'k', value: 'epoch-1 late' }])).rejects.toMatchObject({ code: 'LEADERSHIP_LOST' });
    await next.send([{ topic, key: 'k', value: 'epoch-2 first' }]);
    await expect(old.send([{ topic, key: 'k', value: 'epoch-1 later' }])).rejects.toMatchObject({ code: 'LEADERSHIP_LOST' });
    await next.send([{ topic, key: 'k', value: 'epoch-2 second' }]);
    await old.close();
    await next.close();

    // A leadership that ended is refused before anything is sent.
    await expect(fencedKafkaProducer({ brokers, name, leadership: believedLeadership(3, () => false) })).rejects.toMatchObject({
      code: 'LEADERSHIP_LOST',
    });

    const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
      bootstrapBrokers: brokers,
      clientId: 'fenced-test-reader',
      groupId: `${topic}-reader`,
    });
    const stream = await consumer.consume({
      topics: [topic],
      mode: MessagesStreamModes.EARLIEST,
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
    });
    const seen: string[] = [];
    stream.on('data', (message) => seen.push(message.value.toString()));
    await waitFor(() => seen.length >= 3, 30_000, { message: () => `3 committed records, saw ${JSON.stringify(seen)}` });
    await stream.close();
    await consumer.close(true);
    expect(seen).toEqual(['epoch-1 first', 'epoch-2 first', 'epoch-2 second']);
  });
});
