// The legacy EventPublisher against the real broker (topics, keys, the
// snake_case envelope), its outbox path on Postgres and SQLite, its errors,
// EventConfig.fromEnv and the getEventPublisher singleton.
import { DatabaseSync } from 'node:sqlite';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  AuditEventType,
  EventConfig,
  EventPublisher,
  EventPublisherConfig,
  EventPublishingError,
  getEventPublisher,
  NotificationEventType,
} from '../src/index.js';
import { EventMetadata as LegacyMetadata, EventPriority as LegacyPriority } from '../src/types.js';
import { deleteByPrefix, headersOf, readRecords, scratchDatabase, sqlitePath, testBrokers, uniqueName } from './support/services.js';

const prefix = uniqueName('publisher');
const publishers: EventPublisher[] = [];
afterEach(async () => {
  await Promise.all(publishers.splice(0).map((publisher) => publisher.stop()));
});
afterAll(() => deleteByPrefix(prefix), 60_000);

function newPublisher(fields: Partial<EventConfig> = {}, databaseSession?: unknown): EventPublisher {
  const config = new EventConfig({ kafkaBrokers: testBrokers(), topicPrefix: prefix, serviceName: 'user-service', ...fields });
  const publisher = new EventPublisher(config, { databaseSession });
  publishers.push(publisher);
  return publisher;
}

const jsonOf = (record: { value: Buffer } | undefined) => JSON.parse(record?.value.toString() ?? 'null');

describe('EventPublisher', () => {
  it('publishes audit events to <prefix>.audit.events keyed by the resource id, in the snake_case envelope', async () => {
    const publisher = newPublisher();
    const id = await publisher.publishAuditEvent(AuditEventType.USER_LOGIN, 'login', 'user', { resourceId: 'u-1', riskLevel: 'high' });
    const [record] = await readRecords(`${prefix}.audit.events`, 1);
    expect(record?.key.toString()).toBe('u-1');
    expect(headersOf(record as never)).toEqual({});
    const envelope = jsonOf(record);
    expect(Object.keys(envelope)).toEqual(['metadata', 'event_type', 'payload']);
    expect(envelope.event_type).toBe('user.login');
    expect(envelope.metadata).toMatchObject({ event_id: id, service_name: 'user-service', service_version: '1.0.0', priority: 'normal' });
    expect(envelope.payload).toMatchObject({
      event_type: 'user.login',
      action: 'login',
      resource_type: 'user',
      resource_id: 'u-1',
      risk_level: 'high',
      success: true,
    });
  });

  it('publishes notifications at HIGH priority keyed by the recipient type, and domain and custom events to their topics', async () => {
    const publisher = newPublisher({ serviceName: 'Orders' });
    await publisher.publishNotificationEvent(NotificationEventType.USER_WELCOME, 'user', ['u-1', 'u-2'], 'Hi', 'Welcome');
    const [note] = await readRecords(`${prefix}.notification.events`, 1);
    expect(note?.key.toString()).toBe('user');
    expect(jsonOf(note)).toMatchObject({
      event_type: 'user.welcome',
      metadata: { priority: 'high' },
      payload: { recipient_ids: ['u-1', 'u-2'], subject: 'Hi', message: 'Welcome', channels: ['email'] },
    });

    await publisher.publishDomainEvent('Order', 'o-7', 'Placed', { total: 12 });
    const [domain] = await readRecords(`${prefix}.Orders.order.placed`, 1);
    expect(domain?.key.toString()).toBe('o-7');
    expect(jsonOf(domain)).toMatchObject({
      event_type: 'Placed',
      payload: { aggregate_type: 'Order', aggregate_id: 'o-7', event_data: { total: 12 } },
    });

    const metadata = new LegacyMetadata('Orders', { correlationId: 'req-1', priority: LegacyPriority.CRITICAL });
    const id = await publisher.publishCustomEvent('custom.stream', 'thing.happened', { a: 1 }, { metadata, key: 'k-1' });
    expect(id).toBe(metadata.eventId);
    const [custom] = await readRecords(`${prefix}.custom.stream`, 1);
    expect(custom?.key.toString()).toBe('k-1');
    expect(jsonOf(custom)).toMatchObject({
      event_type: 'thing.happened',
      payload: { a: 1 },
      metadata: { correlation_id: 'req-1', priority: 'critical' },
    });
  });

  it('wraps a failed send in an EventPublishingError that carries the event id and the cause', async () => {
    const publisher = newPublisher({ kafkaBrokers: ['127.0.0.1:1'], producerRetries: 0, producerTimeoutMs: 500 });
    const metadata = new LegacyMetadata('user-service');
    const failure = await publisher.publishCustomEvent('nowhere', 'x', {}, { metadata }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(EventPublishingError);
    expect(failure).toMatchObject({ eventId: metadata.eventId, message: expect.stringMatching(/^Failed to publish event/) });
    expect((failure as Error).cause).toBeDefined();
  });

  it('with useOutboxPattern and a Postgres session, writes the event in the session and relays it once committed', async () => {
    const scratch = await scratchDatabase();
    const client = await scratch.pool.connect();
    try {
      const publisher = newPublisher({ outboxPollIntervalSeconds: 0.1, topicPrefix: `${prefix}.pg` }, client);
      await publisher.start();
      await client.query('BEGIN');
      const id = await publisher.publishAuditEvent(AuditEventType.DATA_CREATED, 'create', 'order', { resourceId: 'o-1' });
      const pending = await scratch.pool.query('SELECT count(*)::int AS n FROM event_outbox');
      expect(pending.rows[0].n).toBe(0); // not visible outside the session before COMMIT
      await client.query('COMMIT');
      const [record] = await readRecords(`${prefix}.pg.audit.events`, 1);
      expect(record?.key.toString()).toBe('o-1');
      expect(jsonOf(record).metadata.event_id).toBe(id);
      await publisher.stop();
    } finally {
      client.release();
      await scratch.drop();
    }
  });

  it('with useOutboxPattern and a SQLite session, writes in the session; a rollback sends nothing', async () => {
    const file = sqlitePath();
    const session = new DatabaseSync(file, { timeout: 5_000 });
    session.exec('PRAGMA journal_mode = WAL');
    const topic = 'sqlite.stream';
    const publisher = newPublisher({ outboxPollIntervalSeconds: 0.1 }, session);
    await publisher.start(); // creates the outbox tables: before the session takes SQLite's write lock
    session.exec('BEGIN IMMEDIATE');
    await publisher.publishCustomEvent(topic, 'dropped', { n: 0 });
    session.exec('ROLLBACK');
    session.exec('BEGIN IMMEDIATE');
    const id = await publisher.publishCustomEvent(topic, 'kept', { n: 1 });
    session.exec('COMMIT');
    const [record] = await readRecords(`${prefix}.${topic}`, 1);
    expect(jsonOf(record)).toMatchObject({ event_type: 'kept', metadata: { event_id: id } });
    await publisher.stop();
    session.close();
  });
});

describe('EventConfig', () => {
  it('fromEnv reads the environment table with its defaults; booleans are true only for "true"', () => {
    expect(EventConfig.fromEnv({})).toMatchObject({
      kafkaBrokers: ['localhost:9092'],
      kafkaSecurityProtocol: 'PLAINTEXT',
      kafkaSaslMechanism: null,
      topicPrefix: 'mmf',
      serviceName: 'unknown',
      serviceVersion: '1.0.0',
      useOutboxPattern: true,
      enableTracing: true,
      enableMetrics: true,
      auditTopic: 'audit.events',
      domainTopicPattern: '{service}.{aggregate}.{event_type}',
      producerCompressionType: 'snappy',
    });
    const config = EventConfig.fromEnv({
      KAFKA_BROKERS: 'a:1, b:2',
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'p',
      EVENT_TOPIC_PREFIX: 'acme',
      SERVICE_NAME: 'billing',
      SERVICE_VERSION: '2.1.0',
      USE_OUTBOX_PATTERN: 'TRUE',
      ENABLE_EVENT_TRACING: 'yes',
      ENABLE_EVENT_METRICS: 'false',
    });
    expect(config).toMatchObject({
      kafkaBrokers: ['a:1', 'b:2'],
      kafkaSecurityProtocol: 'SASL_SSL',
      kafkaSaslMechanism: 'SCRAM-SHA-256',
      kafkaSaslUsername: 'u',
      kafkaSaslPassword: 'p',
      topicPrefix: 'acme',
      serviceName: 'billing',
      serviceVersion: '2.1.0',
      useOutboxPattern: true,
      enableTracing: false,
      enableMetrics: false,
    });
  });

  it('EventPublisherConfig has the same defaults and reads no environment', () => {
    process.env.SERVICE_NAME = 'from-env';
    try {
      expect(new EventPublisherConfig()).toMatchObject({ serviceName: 'unknown', topicPrefix: 'mmf' });
    } finally {
      delete process.env.SERVICE_NAME;
    }
  });

  it('getEventPublisher keeps one instance; a config replaces it; a session is set on it', () => {
    const first = getEventPublisher();
    expect(getEventPublisher()).toBe(first);
    const session = { a: 'session' };
    expect(getEventPublisher(null, { databaseSession: session }).databaseSession).toBe(session);
    const replaced = getEventPublisher(new EventConfig({ serviceName: 'other' }));
    expect(replaced).not.toBe(first);
    expect(replaced.config.serviceName).toBe('other');
    expect(getEventPublisher()).toBe(replaced);
  });
});
