// EnhancedEventBus with an outbox, on the real Postgres and on SQLite, relayed
// to the real broker: publishTransactional in the caller's transaction,
// publishScheduled, and the dead letters with retryDeadLetter.
import { DatabaseSync } from 'node:sqlite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BaseEvent, EnhancedEventBus, KafkaConfig, legacyTopic, OutboxConfig } from '../src/index.js';
import { deleteByPrefix, readRecords, scratchDatabase, sqlitePath, testBrokers, uniqueName, waitFor } from './support/services.js';

/** A caller's session: an open transaction the facade inserts on and never commits. */
interface Session {
  readonly session: unknown;
  sql(statement: string): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

interface Database {
  readonly url: string;
  begin(): Promise<Session>;
  close(): Promise<void>;
}

async function postgresDatabase(): Promise<Database> {
  const scratch = await scratchDatabase();
  await scratch.pool.query('CREATE TABLE users (id TEXT PRIMARY KEY)');
  return {
    url: scratch.url,
    async begin() {
      const client = await scratch.pool.connect();
      await client.query('BEGIN');
      const end = async (statement: string) => {
        await client.query(statement);
        client.release();
      };
      return {
        session: client,
        sql: async (s) => void (await client.query(s)),
        commit: () => end('COMMIT'),
        rollback: () => end('ROLLBACK'),
      };
    },
    close: () => scratch.drop(),
  };
}

async function sqliteDatabase(): Promise<Database> {
  const file = sqlitePath();
  const setup = new DatabaseSync(file);
  setup.exec('PRAGMA journal_mode = WAL; CREATE TABLE users (id TEXT PRIMARY KEY)');
  setup.close();
  return {
    url: `sqlite:${file}`,
    async begin() {
      const database = new DatabaseSync(file, { timeout: 5_000 });
      database.exec('BEGIN IMMEDIATE');
      const end = async (statement: string) => {
        database.exec(statement);
        database.close();
      };
      return { session: database, sql: async (s) => database.exec(s), commit: () => end('COMMIT'), rollback: () => end('ROLLBACK') };
    },
    close: async () => {},
  };
}

describe.each([
  ['Postgres', postgresDatabase],
  ['SQLite', sqliteDatabase],
])('EnhancedEventBus with an outbox on %s', (label, open) => {
  const prefix = uniqueName(`outbox_${label.toLowerCase()}`);
  let database: Database;
  const buses: EnhancedEventBus[] = [];
  beforeAll(async () => {
    database = await open();
  });
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.stop()));
  });
  afterAll(async () => {
    await database.close();
    await deleteByPrefix(prefix);
  }, 60_000);

  async function startedBus(): Promise<EnhancedEventBus> {
    const outboxConfig = new OutboxConfig(database.url, { pollInterval: 100, maxRetries: 2, retryDelay: 10 });
    const bus = new EnhancedEventBus(new KafkaConfig({ bootstrapServers: testBrokers(), consumerGroupId: `${prefix}.group` }), {
      outboxConfig,
    });
    buses.push(bus);
    await bus.start();
    return bus;
  }

  it('publishTransactional sends what the caller commits, never what it rolls back', async () => {
    const bus = await startedBus();
    const type = `${prefix}.user.created`;
    const rolledBack = await database.begin();
    await rolledBack.sql("INSERT INTO users (id) VALUES ('u-rolled-back')");
    await bus.publishTransactional(new BaseEvent({ eventType: type, data: { id: 'u-rolled-back' } }), rolledBack.session);
    await rolledBack.rollback();

    const committed = await database.begin();
    await committed.sql("INSERT INTO users (id) VALUES ('u-1')");
    const event = new BaseEvent({ eventType: type, data: { id: 'u-1' } });
    await bus.publishTransactional(event, committed.session);
    await committed.commit();

    const [record] = await readRecords(legacyTopic(type), 1);
    expect(record?.key.toString()).toBe(event.eventId);
    expect(JSON.parse(record?.value.toString() ?? '{}')).toEqual(JSON.parse(JSON.stringify(event)));
    expect(await bus.healthCheck()).toMatchObject({ outboxEnabled: true, outboxProcessorRunning: true });
  });

  it('refuses a session that is not a transaction of the outbox database with a typed error', async () => {
    const bus = await startedBus();
    const event = new BaseEvent({ eventType: `${prefix}.user.created`, data: {} });
    await expect(bus.publishTransactional(event, { not: 'a session' })).rejects.toMatchObject({
      code: 'TX_INVALID',
      eventId: event.eventId,
    });
  });

  it('publishScheduled sends a past time now and a future one no earlier than its time', async () => {
    const bus = await startedBus();
    const type = `${prefix}.invoice.due`;
    const at = new Date(Date.now() + 1_500);
    const later = new BaseEvent({ eventType: type, data: { when: 'later' } });
    const session = await database.begin();
    await bus.publishScheduled(later, at, { session: session.session });
    await session.commit();
    const now = new BaseEvent({ eventType: type, data: { when: 'now' } });
    await bus.publishScheduled(now, new Date(Date.now() - 60_000));
    const records = await readRecords(legacyTopic(type), 2);
    expect(records.map((record) => record.key.toString())).toEqual([now.eventId, later.eventId]);
    expect(Number(records[1]?.timestamp)).toBeGreaterThanOrEqual(at.getTime());
    expect(later.metadata.expiry).toBeNull();
  });

  it('dead-letters an unsendable event, lists it, and retryDeadLetter re-queues it once', async () => {
    const bus = await startedBus();
    const poison = new BaseEvent({ eventType: `${prefix}.bad type`, data: {}, sourceService: 'users' });
    const session = await database.begin();
    await bus.publishTransactional(poison, session.session);
    await session.commit();
    await waitFor(async () => (await bus.getDeadLetters()).length === 1, 30_000, { message: 'the dead letter' });
    const [letter] = await bus.getDeadLetters({ eventType: poison.eventType });
    // An illegal topic name is an error that says retrying cannot help: the row dies on its first attempt, not after maxRetries.
    expect(letter).toMatchObject({
      originalEventId: poison.eventId,
      eventType: poison.eventType,
      attemptsMade: 1,
      canRetry: true,
      sourceService: 'users',
    });
    expect(letter?.failureReason).toMatch(/legal Kafka topic/);
    expect(letter?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/); // event_dead_letter.id
    expect(letter?.failedAt).toBeInstanceOf(Date);
    expect(await bus.getDeadLetters({ eventType: 'other.type' })).toEqual([]);

    expect(await bus.retryDeadLetter(letter?.id ?? -1)).toBe(true);
    expect(await bus.retryDeadLetter(letter?.id ?? -1)).toBe(false);
    expect(await bus.retryDeadLetter(987_654)).toBe(false);
    // It is tried again with fresh attempts, and dies again: still one letter, the same event.
    await waitFor(async () => (await bus.getDeadLetters()).length === 1, 30_000, { message: 'the retried row dead again' });
    expect((await bus.getDeadLetters())[0]?.originalEventId).toBe(poison.eventId);
  });
});

describe("EnhancedEventBus's outbox rows on SQLite, read the way Python reads them", () => {
  const prefix = uniqueName('outbox_python');
  afterAll(() => deleteByPrefix(prefix), 60_000);

  it('publishTransactional writes a pending event_outbox row with the OutboxEvent columns, sent once committed', async () => {
    const file = sqlitePath();
    const outboxConfig = new OutboxConfig(`sqlite:${file}`, { pollInterval: 100 });
    const bus = new EnhancedEventBus(new KafkaConfig({ bootstrapServers: testBrokers(), consumerGroupId: `${prefix}.group` }), {
      outboxConfig,
    });
    await bus.start();
    try {
      const session = new DatabaseSync(file, { timeout: 5_000 });
      session.exec('BEGIN IMMEDIATE');
      const event = new BaseEvent({ eventType: `${prefix}.user.created`, data: { id: 'u-1' }, correlationId: 'req-1', tenantId: 'acme' });
      await bus.publishTransactional(event, session);
      const row = session.prepare('SELECT * FROM event_outbox WHERE event_id = ?').get(event.eventId) as Record<string, unknown>;
      session.exec('COMMIT');
      session.close();
      const python = JSON.parse(JSON.stringify(event));
      expect(row).toMatchObject({ event_type: event.eventType, status: 'pending', attempts: 0, max_attempts: 3, priority: 2 });
      expect(row).toMatchObject({
        correlation_id: 'req-1',
        tenant_id: 'acme',
        source_service: null,
        is_dead_letter: 0,
        error_message: null,
      });
      expect(JSON.parse(String(row.event_data))).toEqual(python); // Python's json.dumps(event.to_dict())
      expect(JSON.parse(String(row.event_metadata))).toEqual(python.metadata);
      expect(row.created_at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/); // SQLAlchemy's DateTime text
      const [record] = await readRecords(legacyTopic(event.eventType), 1);
      expect(record?.key.toString()).toBe(event.eventId);
      expect(await bus.getDeadLetters()).toEqual([]);
    } finally {
      await bus.stop();
    }
  });
});

describe('EnhancedEventBus without an outbox', () => {
  it('lists no dead letters and retries none', async () => {
    const bus = new EnhancedEventBus(new KafkaConfig({ bootstrapServers: testBrokers() }));
    expect(await bus.getDeadLetters()).toEqual([]);
    expect(await bus.retryDeadLetter(1)).toBe(false);
  });

  it('refuses a databaseUrl it cannot use', () => {
    expect(() => new EnhancedEventBus(new KafkaConfig(), { outboxConfig: new OutboxConfig('mysql://localhost/db') })).toThrow(
      /postgres\(ql\):\/\/… or sqlite:<path>/,
    );
  });
});
