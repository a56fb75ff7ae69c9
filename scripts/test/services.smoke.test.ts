// Proves the local services started by `node scripts/services.mjs up` are real:
// a Kafka broker that creates topics, takes idempotent acks=all writes with keys and headers,
// and serves them to a consumer group that commits offsets; and a PostgreSQL server.
// Missing services FAIL the test (pnpm test always starts them first); they never skip it.

import { randomUUID } from 'node:crypto';
import {
  Admin,
  Consumer,
  type Message,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  ProduceAcks,
  Producer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { readServicesEnv } from '../lib/services-env.mjs';

const { kafkaBrokers, pgUrl } = readServicesEnv();

function required(value: string | undefined, name: string): string {
  if (!value) {
    throw new Error(
      `${name} is not set and no .services/env.json provides it. ` +
        'Start the services with `node scripts/services.mjs up` (`pnpm test` does this) or export ' +
        `${name} yourself.`,
    );
  }
  return value;
}

/** Resolves with the first `count` messages of `stream`, or rejects after `timeoutMs`. */
function take<M>(stream: NodeJS.EventEmitter, count: number, timeoutMs: number): Promise<M[]> {
  return new Promise((resolve, reject) => {
    const messages: M[] = [];
    const cleanup = () => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('error', onError);
    };
    const onData = (message: M) => {
      messages.push(message);
      if (messages.length === count) {
        cleanup();
        resolve(messages);
      }
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`received ${messages.length}/${count} messages within ${timeoutMs}ms`));
    }, timeoutMs);
    stream.on('data', onData);
    stream.on('error', onError);
  });
}

describe('local services smoke test', () => {
  it('Kafka: create topic, produce with keys and headers, consume and commit in a group, delete topic', async () => {
    const bootstrapBrokers = required(kafkaBrokers, 'BUS_KAFKA_BROKERS').split(',');
    const id = randomUUID();
    const topic = `smoke-${id}`;
    const groupId = `smoke-group-${id}`;

    const admin = new Admin({ clientId: 'smoke-admin', bootstrapBrokers });
    const producer = new Producer({
      clientId: 'smoke-producer',
      bootstrapBrokers,
      serializers: stringSerializers,
      idempotent: true, // implies acks = ALL
    });
    const consumer = new Consumer({
      clientId: 'smoke-consumer',
      groupId,
      bootstrapBrokers,
      deserializers: stringDeserializers,
      autocommit: false,
      maxWaitTime: 500, // long-poll; default 5s also delays stream.close()
      sessionTimeout: 10_000,
      heartbeatInterval: 500,
    });

    let topicCreated = false;
    try {
      const created = await admin.createTopics({ topics: [topic], partitions: 3, replicas: 1 });
      topicCreated = true;
      expect(created).toHaveLength(1);
      expect(created[0]).toMatchObject({ name: topic, partitions: 3, replicas: 1 });
      expect(await admin.listTopics()).toContain(topic);

      const sent = [0, 1, 2].map((i) => ({
        topic,
        key: `key-${i}`,
        value: JSON.stringify({ i, id }),
        headers: { 'ce-id': `${id}-${i}`, 'content-type': 'application/json' },
      }));
      const result = await producer.send({ messages: sent, acks: ProduceAcks.ALL });
      expect(result.offsets?.every((o) => o.topic === topic && o.offset >= 0n)).toBe(true);
      expect(producer.producerId).toBeTypeOf('bigint');

      const stream = await consumer.consume({
        topics: [topic],
        // Start from the group's committed offsets, or from the beginning for a new group.
        // (The default mode is LATEST, which would miss the records produced above.)
        mode: MessagesStreamModes.COMMITTED,
        fallbackMode: MessagesStreamFallbackModes.EARLIEST,
      });
      let received: Message<string, string, string, string>[];
      try {
        received = await take<Message<string, string, string, string>>(stream, 3, 30_000);
        // autocommit: false, so commit explicitly: message.commit() commits offset + 1.
        await Promise.all(received.map((m) => m.commit()));
      } finally {
        await stream.close();
      }

      const byKey = new Map(received.map((m) => [m.key, m]));
      expect([...byKey.keys()].sort()).toEqual(['key-0', 'key-1', 'key-2']);
      for (const message of sent) {
        const got = byKey.get(message.key);
        expect(got?.topic).toBe(topic);
        expect(got?.value).toBe(message.value);
        expect(Object.fromEntries(got?.headers ?? [])).toEqual(message.headers);
        expect(got?.offset).toBeTypeOf('bigint');
      }
      // Same key -> same partition; records of one partition arrive in offset order.
      for (const m of received) expect(m.partition).toBeGreaterThanOrEqual(0);

      const [group] = await admin.listConsumerGroupOffsets({ groups: [groupId] });
      const committed = new Map(
        group?.topics.find((t) => t.name === topic)?.partitions.map((p) => [p.partitionIndex, p.committedOffset]) ?? [],
      );
      for (const m of received) expect(committed.get(m.partition)).toBeGreaterThan(m.offset);
    } finally {
      await consumer.close(true);
      await producer.close();
      if (topicCreated) await admin.deleteTopics({ topics: [topic] });
      await admin.close();
    }
  });

  it('PostgreSQL: select version() and a temp table round trip', async () => {
    const client = new pg.Client({ connectionString: required(pgUrl, 'BUS_PG_URL') });
    await client.connect();
    try {
      const version = await client.query<{ version: string }>('select version()');
      expect(version.rows[0]?.version).toMatch(/^PostgreSQL \d+/);

      await client.query('create temp table smoke (id serial primary key, payload jsonb not null)');
      await client.query('insert into smoke (payload) values ($1), ($2)', [{ n: 1 }, { n: 2 }]);
      const rows = await client.query<{ id: number; payload: { n: number } }>('select id, payload from smoke order by id');
      expect(rows.rows.map((r) => r.payload.n)).toEqual([1, 2]);
    } finally {
      await client.end();
    }
  });
});
