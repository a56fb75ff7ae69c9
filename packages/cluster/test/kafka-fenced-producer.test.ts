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

function believedLeadership(
  epoch: number,
  valid: () => boolean = () => true,
  latest: () => Promise<boolean | undefined> = async () => undefined,
): Leadership {
  return {
    epoch,
    shard: 0,
    signal: new AbortController().signal,
    isValid: valid,
    isLatest: latest,
    fence: () => Promise.reject(new Error('not used')),
  };
}

async function readCommitted(brokers: string[], topic: string, count: number): Promise<string[]> {
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
  await waitFor(() => seen.length >= count, 30_000, { message: () => `${count} committed records, saw ${JSON.stringify(seen)}` });
  await new Promise((resolve) => setTimeout(resolve, 500)); // a record that should not be there would come now
  await stream.close();
  await consumer.close(true);
  return seen;
}

async function newTopic(brokers: string[]): Promise<string> {
  const topic = `cluster-fenced-${randomBytes(4).toString('hex')}`;
  const admin = new Admin({ bootstrapBrokers: brokers, clientId: 'fenced-test' });
  await admin.createTopics({ topics: [topic], partitions: 1, replicas: -1 });
  await admin.close();
  return topic;
}

function kafkaBrokers(): string[] {
  const brokers = readServicesEnv().kafkaBrokers?.split(',');
  if (brokers === undefined) throw new Error('BUS_KAFKA_BROKERS is not set: start the services (pnpm services:up).');
  return brokers;
}

describe('fenced Kafka producer', () => {
  it('refuses the old leader’s writes once the next leader’s producer started, and a read-committed reader sees the epochs in order', async () => {
    const brokers = kafkaBrokers();
    const name = `fenced-${randomBytes(4).toString('hex')}`;
    const topic = await newTopic(brokers);

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

    const seen = await readCommitted(brokers, topic, 3);
    expect(seen).toEqual(['epoch-1 first', 'epoch-2 first', 'epoch-2 second']);
  });

  it('a leader fenced by a stale producer start re-fences it while the engine says it is the latest, and the stale one may not write', async () => {
    const brokers = kafkaBrokers();
    const name = `refence-${randomBytes(4).toString('hex')}`;
    const topic = await newTopic(brokers);
    let latestEpoch = 2;
    const leader = believedLeadership(
      2,
      () => true,
      async () => latestEpoch === 2,
    );
    const current = await fencedKafkaProducer({ brokers, name, leadership: leader });
    await current.send([{ topic, key: 'k', value: 'epoch-2 first' }]);
    // An earlier leadership's producer start that was still in flight: its InitProducerId fences the current
    // leader's producer, and the engine says a later epoch exists, so it is refused before it writes.
    await expect(
      fencedKafkaProducer({
        brokers,
        name,
        leadership: believedLeadership(
          1,
          () => true,
          async () => latestEpoch === 1,
        ),
      }),
    ).rejects.toMatchObject({ code: 'LEADERSHIP_LOST', message: expect.stringContaining('a later leadership began') });
    // The current leader's next send is refused by the broker, re-fences, and is written.
    await current.send([{ topic, key: 'k', value: 'epoch-2 second' }]);
    // Once a later leadership began, a fenced send does not re-fence: it is refused for good.
    latestEpoch = 3;
    const next = await fencedKafkaProducer({
      brokers,
      name,
      leadership: believedLeadership(
        3,
        () => true,
        async () => latestEpoch === 3,
      ),
    });
    await expect(current.send([{ topic, key: 'k', value: 'epoch-2 late' }])).rejects.toMatchObject({ code: 'LEADERSHIP_LOST' });
    await expect(current.send([{ topic, key: 'k', value: 'epoch-2 later' }])).rejects.toMatchObject({ code: 'LEADERSHIP_LOST' });
    await next.send([{ topic, key: 'k', value: 'epoch-3 first' }]);
    await current.close();
    await next.close();
    expect(await readCommitted(brokers, topic, 3)).toEqual(['epoch-2 first', 'epoch-2 second', 'epoch-3 first']);
  });
});
