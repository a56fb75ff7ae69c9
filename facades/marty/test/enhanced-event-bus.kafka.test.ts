// EnhancedEventBus against the real broker: the legacy record (topic, key,
// value, no headers) both ways, subscriptions with filters and priorities,
// the lifecycle rules and the health check.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  BaseEvent,
  EnhancedEventBus,
  EventFilter,
  EventHandler,
  EventPriority,
  KafkaConfig,
  legacyTopic,
  OutboxError,
} from '../src/index.js';
import { createTopics, deleteByPrefix, headersOf, produceRaw, readRecords, testBrokers, uniqueName, waitFor } from './support/services.js';

const prefix = uniqueName('bus');
const buses: EnhancedEventBus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.stop()));
});
afterAll(async () => {
  await deleteByPrefix(prefix);
  await deleteByPrefix(`saga_${prefix}`);
}, 60_000);

function newBus(group = `${prefix}.group`): EnhancedEventBus {
  const bus = new EnhancedEventBus(
    new KafkaConfig({
      bootstrapServers: testBrokers(),
      consumerGroupId: group,
      autoOffsetReset: 'earliest',
      sessionTimeoutMs: 6_000,
      heartbeatIntervalMs: 500,
    }),
  );
  buses.push(bus);
  return bus;
}

/** A handler that records what it handles, for the given types. */
class Recording extends EventHandler {
  readonly seen: BaseEvent[] = [];
  constructor(
    readonly types: string[],
    readonly label = 'recording',
    priority = 0,
    readonly order: string[] = [],
  ) {
    super({ priority });
  }
  async handle(event: BaseEvent): Promise<void> {
    this.seen.push(event);
    this.order.push(this.label);
  }
  canHandle(): boolean {
    return true;
  }
  get eventTypes(): string[] {
    return this.types;
  }
}

describe('EnhancedEventBus on Kafka', () => {
  it('rejects publish and publishBatch before start with "Event bus is not running"', async () => {
    const bus = newBus();
    const event = new BaseEvent({ eventType: `${prefix}.early`, data: {} });
    await expect(bus.publish(event)).rejects.toThrow('Event bus is not running');
    await expect(bus.publishBatch([event])).rejects.toThrow('Event bus is not running');
    await expect(bus.publishTransactional(event, {})).rejects.toBeInstanceOf(OutboxError);
    await expect(bus.publishScheduled(event, new Date())).rejects.toBeInstanceOf(OutboxError);
  });

  it('sends the legacy record: topic event_type with dots as underscores, lowercased; key = event id; value = the Python JSON; no headers', async () => {
    const bus = newBus();
    await bus.start();
    const type = `${prefix}.User.Created`;
    const event = new BaseEvent({
      eventType: type,
      data: { user_id: 'u-1', Name: 'Ada' },
      correlationId: 'req-1',
      priority: EventPriority.HIGH,
    });
    await bus.publish(event);
    const [record] = await readRecords(legacyTopic(type), 1);
    if (record === undefined) throw new Error('no record');
    expect(record.topic).toBe(`${prefix}_user_created`.toLowerCase());
    expect(record.key.toString()).toBe(event.eventId);
    expect(headersOf(record)).toEqual({});
    const value = JSON.parse(record.value.toString());
    expect(value).toEqual(JSON.parse(JSON.stringify(event)));
    expect(value).toMatchObject({ event_type: type, data: { user_id: 'u-1', Name: 'Ada' } });
    expect(value.metadata).toMatchObject({ event_id: event.eventId, correlation_id: 'req-1', priority: 3 });
    expect(value.metadata.timestamp).toMatch(/\+00:00$/);
  });

  it('consumes records written by a Python producer (no headers), runs handlers highest priority first, applies filters and "*" handlers', async () => {
    const bus = newBus();
    const type = `${prefix}.order.placed`;
    const order: string[] = [];
    const low = new Recording([type], 'low', 1, order);
    const high = new Recording([type], 'high', 9, order);
    const acmeOnly = new Recording([type], 'acme', 5, order);
    const everything = new Recording(['*'], 'star', 0, order);
    await bus.subscribe(low);
    await bus.subscribe(high);
    await bus.subscribe(acmeOnly, { eventFilter: new EventFilter({ tenantIds: ['acme'] }) });
    await bus.subscribe(everything);
    await bus.start();
    const python = (id: string, tenant: string) => ({
      event_type: type,
      data: { order: id },
      metadata: { event_id: id, event_type: type, timestamp: '2025-10-18T12:00:00.000000+00:00', tenant_id: tenant, priority: 2 },
    });
    await produceRaw([
      { topic: legacyTopic(type), key: Buffer.from('k'), value: Buffer.from(JSON.stringify(python('e-1', 'acme'))) },
      { topic: legacyTopic(type), key: Buffer.from('k'), value: Buffer.from(JSON.stringify(python('e-2', 'globex'))) },
    ]);
    await waitFor(() => low.seen.length === 2 && everything.seen.length === 2, 30_000, { message: 'both records handled' });
    expect(high.seen.map((e) => e.eventId).sort()).toEqual(['e-1', 'e-2']);
    expect(acmeOnly.seen.map((e) => e.eventId)).toEqual(['e-1']);
    expect(high.seen.find((e) => e.eventId === 'e-1')?.data).toEqual({ order: 'e-1' });
    expect(high.seen[0]?.metadata.timestamp.toISOString()).toBe('2025-10-18T12:00:00.000Z');
    // Per record: high (9), acme (5, e-1 only), low (1), star (0).
    const firstRecord = order.slice(0, order.indexOf('star') + 1);
    expect(firstRecord.filter((label) => label !== 'acme')).toEqual(['high', 'low', 'star']);
  });

  it('round-trips its own events, counts its consumers, and unsubscribes by the id subscribe returned', async () => {
    const bus = newBus();
    const type = `${prefix}.user.renamed`;
    const handler = new Recording([type]);
    const id = await bus.subscribe(handler);
    const pluginCalls: BaseEvent[] = [];
    await bus.subscribePlugin('audit', 'Audit plugin', new EventFilter({ eventTypes: [type] }), (event) => void pluginCalls.push(event));
    expect(await bus.healthCheck()).toEqual({
      status: 'stopped',
      backend: 'kafka',
      handlersCount: 1,
      pluginHandlersCount: 1,
      kafkaProducerRunning: false,
      kafkaConsumersCount: 0,
      activeTopics: [legacyTopic(type)],
      outboxEnabled: false,
      outboxProcessorRunning: false,
    });
    await bus.start();
    const sent = [1, 2, 3].map((n) => new BaseEvent({ eventType: type, data: { n } }));
    await bus.publishBatch(sent);
    await waitFor(() => handler.seen.length === 3 && pluginCalls.length === 3, 30_000, { message: 'three events handled' });
    expect(handler.seen.map((e) => e.eventId).sort()).toEqual(sent.map((e) => e.eventId).sort());
    expect(await bus.healthCheck()).toMatchObject({ status: 'healthy', kafkaProducerRunning: true, kafkaConsumersCount: 1 });

    expect(await bus.unsubscribe('not-an-id')).toBe(false);
    expect(await bus.unsubscribe(id)).toBe(true);
    expect(await bus.unsubscribe(id)).toBe(false);
    expect(await bus.unsubscribePlugin('audit')).toBe(true);
    expect(await bus.unsubscribePlugin('audit')).toBe(false);
    expect(await bus.healthCheck()).toMatchObject({ handlersCount: 0, pluginHandlersCount: 0, kafkaConsumersCount: 0, activeTopics: [] });
  });

  it('skips and reports a record that is not an event (DECODE_FAILED), and keeps consuming', async () => {
    const bus = newBus();
    const type = `${prefix}.user.imported`;
    const handler = new Recording([type]);
    await bus.subscribe(handler);
    const reported: string[] = [];
    bus.bus.events.on('error', (error) => void reported.push(error.code));
    bus.bus.events.on('dropped', ({ error }) => void reported.push(error.code));
    await bus.start();
    const good = {
      event_type: type,
      data: { n: 1 },
      metadata: { event_id: 'ok-1', event_type: type, timestamp: '2025-10-18T12:00:00+00:00' },
    };
    await produceRaw([
      { topic: legacyTopic(type), key: Buffer.from('k'), value: Buffer.from('{not json') },
      { topic: legacyTopic(type), key: Buffer.from('k'), value: Buffer.from(JSON.stringify(good)) },
    ]);
    await waitFor(() => handler.seen.length === 1, 30_000, { message: 'the good record after the bad one' });
    expect(handler.seen[0]?.eventId).toBe('ok-1');
    await waitFor(() => reported.length > 0, 10_000, { message: 'the bad record reported' });
    expect(reported).toContain('DECODE_FAILED');
  });

  it('runs the critical event of a backlog before the lower ones queued with it (across partitions)', async () => {
    // The transport handles one partition's records in order (per-partition order and commits), so priority
    // reorders what is queued across partitions: six records on six partitions, written before the consumer starts.
    const type = `${prefix}.job.queued`;
    await createTopics([legacyTopic(type)], 6);
    const names = ['low-1', 'low-2', 'low-3', 'low-4', 'low-5', 'critical'];
    await produceRaw(
      names.map((name, partition) => {
        const priority = name === 'critical' ? EventPriority.CRITICAL : EventPriority.LOW;
        const event = new BaseEvent({ eventType: type, data: { name }, priority });
        return { topic: legacyTopic(type), partition, key: Buffer.from(event.eventId), value: Buffer.from(JSON.stringify(event)) };
      }),
    );
    const handled: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    class Gated extends Recording {
      override async handle(event: BaseEvent): Promise<void> {
        if (handled.length === 0) handled.push('(running)');
        if (handled[0] === '(running)' && handled.length === 1) await gate; // the first record holds the consumer
        handled.push(String(event.data.name));
      }
    }
    const consumer = newBus(`${prefix}.priority`);
    await consumer.subscribe(new Gated([type]));
    await consumer.start();
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // the other partitions' records queue meanwhile
    release();
    await waitFor(() => handled.length === 7, 30_000, { message: () => `6 handled, got ${handled.join(',')}` });
    const order = handled.slice(1);
    // Whatever ran first, the critical event is next unless it was the one running.
    expect(order.indexOf('critical')).toBeLessThanOrEqual(1);
    expect([...order].sort()).toEqual([...names].sort());
  });

  it('publishWithRetry re-raises the last failure after maxRetries tries', async () => {
    const bus = newBus();
    const event = new BaseEvent({ eventType: `${prefix}.never`, data: {} });
    const started = Date.now();
    await expect(bus.publishWithRetry(event, { maxRetries: 3, backoffFactor: 20 })).rejects.toThrow('Event bus is not running');
    // Waits of 20 and 40 ms between the three tries (a lower bound only: no timing upper bound in tests).
    expect(Date.now() - started).toBeGreaterThanOrEqual(60);
    await bus.start();
    await bus.publishWithRetry(event, { maxRetries: 2, backoffFactor: 1 });
    const [record] = await readRecords(legacyTopic(event.eventType), 1);
    expect(record?.key.toString()).toBe(event.eventId);
  });

  it('publishDomainAggregateEvent and publishSagaEvent name, shape and correlate their events', async () => {
    const bus = newBus();
    await bus.start();
    await bus.publishDomainAggregateEvent(`${prefix}_user`, 'u-9', 'activated', { plan: 'pro' }, { version: 4 });
    const [domain] = await readRecords(legacyTopic(`${prefix}_user.activated`), 1);
    expect(JSON.parse(domain?.value.toString() ?? '{}')).toMatchObject({
      event_type: `${prefix}_user.activated`,
      data: { aggregate_type: `${prefix}_user`, aggregate_id: 'u-9', version: 4, plan: 'pro' },
      metadata: { correlation_id: 'u-9' },
    });
    await bus.publishSagaEvent('s-1', `${prefix}_checkout`, 'started', { step: 1 });
    const [saga] = await readRecords(legacyTopic(`saga.${prefix}_checkout.started`), 1);
    expect(JSON.parse(saga?.value.toString() ?? '{}')).toMatchObject({
      event_type: `saga.${prefix}_checkout.started`,
      data: { saga_id: 's-1', saga_type: `${prefix}_checkout`, step: 1 },
      metadata: { correlation_id: 's-1' },
    });
  });
});
