// The decorators as TC39 method decorators and as plain wrappers: what they
// publish (types, data, priorities, ids from kwargs or args), that they keep
// `this`, names and results, re-throw errors, and only log publish failures;
// then once through a real EnhancedEventBus and the broker.
import { afterEach, describe, expect, it } from 'vitest';
import {
  AuditEventType,
  auditEvent,
  type BaseEvent,
  cleanupDecoratorsEventBus,
  domainEvent,
  EnhancedEventBus,
  EventPriority,
  getDecoratorsEventBus,
  KafkaConfig,
  legacyTopic,
  publishOnError,
  publishOnSuccess,
  setDecoratorsEventBus,
} from '../src/index.js';
import { deleteByPrefix, readRecords, testBrokers, uniqueName } from './support/services.js';

const published: BaseEvent[] = [];
const recording = { publish: async (event: BaseEvent) => void published.push(event) };

afterEach(async () => {
  published.length = 0;
  await cleanupDecoratorsEventBus();
});

class Users {
  readonly store = new Map<string, string>();

  @auditEvent(AuditEventType.DATA_CREATED, 'create', 'user', { resourceIdField: 'userId', includeArgs: true, includeResult: true })
  async create(kwargs: { userId: string; name: string }): Promise<string> {
    this.store.set(kwargs.userId, kwargs.name);
    return `created ${kwargs.userId}`;
  }

  @domainEvent('user', 'renamed', { aggregateIdField: 'userId', priority: EventPriority.HIGH })
  async rename(userId: string, name: string): Promise<{ ok: boolean }> {
    this.store.set(userId, name);
    return { ok: true };
  }

  @auditEvent(AuditEventType.DATA_DELETED, 'delete', 'user', { successOnly: false })
  async remove(userId: string): Promise<void> {
    throw new Error(`no user ${userId}`);
  }
}

describe('decorators', () => {
  it('auditEvent publishes audit.<type> with the resource id from kwargs, the arguments and the result, keeping this and the name', async () => {
    setDecoratorsEventBus(recording);
    const users = new Users();
    expect(await users.create({ userId: 'u-1', name: 'Ada' })).toBe('created u-1');
    expect(users.store.get('u-1')).toBe('Ada');
    expect(users.create.name).toBe('create');
    expect(published).toHaveLength(1);
    const [event] = published;
    expect(event?.eventType).toBe('audit.data.created');
    expect(event?.data).toEqual({
      action: 'create',
      resource_type: 'user',
      resource_id: 'u-1',
      outcome: 'success',
      arguments: { args: [], kwargs: { userId: 'u-1', name: 'Ada' } },
      result: 'created u-1',
    });
    expect(event?.metadata.priority).toBe(EventPriority.NORMAL);
  });

  it('auditEvent publishes a HIGH failure event and re-throws; successOnly publishes nothing on failure', async () => {
    setDecoratorsEventBus(recording);
    await expect(new Users().remove('u-9')).rejects.toThrow('no user u-9');
    expect(published.map((e) => [e.eventType, e.data.outcome, e.data.error, e.metadata.priority])).toEqual([
      ['audit.data.deleted', 'failure', 'no user u-9', EventPriority.HIGH],
    ]);
    const quiet = auditEvent(AuditEventType.DATA_DELETED, 'delete', 'user', { successOnly: true })(async function boom() {
      throw new Error('boom');
    });
    await expect(quiet()).rejects.toThrow('boom');
    expect(published).toHaveLength(1);
  });

  it('domainEvent takes the aggregate id from args[0] when kwargs lack the field, and correlates by it', async () => {
    setDecoratorsEventBus(recording);
    await new Users().rename('u-2', 'Grace');
    const [event] = published;
    expect(event?.eventType).toBe('domain.user.renamed');
    expect(event?.data).toEqual({ aggregate_type: 'user', aggregate_id: 'u-2', result: '{"ok":true}' });
    expect(event?.metadata.correlationId).toBe('u-2');
    expect(event?.metadata.priority).toBe(EventPriority.HIGH);
  });

  it('publishOnSuccess and publishOnError work as plain wrappers, with builders that get (...args, { ...kwargs, result | error })', async () => {
    setDecoratorsEventBus(recording);
    const save = publishOnSuccess('order.saved')(async function save(id: string) {
      return id.toUpperCase();
    });
    expect(await save('o-1')).toBe('O-1');
    const built = publishOnSuccess('order.saved.custom', {
      eventDataBuilder: ((id: string, kw: { result: string; region: string }) => ({ id, result: kw.result, region: kw.region })) as never,
    })(async (id: string, _kw: { region: string }) => `${id}!`);
    await built('o-2', { region: 'eu' });
    const charge = publishOnError('payment.failed')(async function charge() {
      throw new TypeError('declined');
    });
    await expect(charge()).rejects.toThrow('declined');
    expect(published.map((e) => [e.eventType, e.data, e.metadata.priority])).toEqual([
      ['order.saved', { method: 'save', result: 'O-1' }, EventPriority.NORMAL],
      ['order.saved.custom', { id: 'o-2', result: 'o-2!', region: 'eu' }, EventPriority.NORMAL],
      ['payment.failed', { method: 'charge', error: 'declined', error_type: 'TypeError' }, EventPriority.HIGH],
    ]);
  });

  it('only logs a failed publish (or a failing builder): the call still returns its result', async () => {
    setDecoratorsEventBus({
      publish: async () => {
        throw new Error('broker down');
      },
    });
    const save = publishOnSuccess('order.saved')(async () => 'ok');
    expect(await save()).toBe('ok');
    setDecoratorsEventBus(recording);
    const badBuilder = publishOnSuccess('order.saved', {
      eventDataBuilder: (() => {
        throw new Error('bad builder');
      }) as never,
    })(async () => 'still ok');
    expect(await badBuilder()).toBe('still ok');
    expect(published).toEqual([]);
  });

  it('getDecoratorsEventBus returns the bus set; cleanup stops and drops it', async () => {
    let stopped = 0;
    const bus = { publish: recording.publish, stop: async () => void stopped++ };
    setDecoratorsEventBus(bus);
    expect(await getDecoratorsEventBus()).toBe(bus);
    await cleanupDecoratorsEventBus();
    expect(stopped).toBe(1);
  });

  it('publishes through a real EnhancedEventBus to the legacy topic', async () => {
    const prefix = uniqueName('decorators');
    const bus = new EnhancedEventBus(new KafkaConfig({ bootstrapServers: testBrokers() }));
    await bus.start();
    setDecoratorsEventBus(bus);
    try {
      const ship = publishOnSuccess(`${prefix}.order.shipped`)(async function ship() {
        return 'shipped';
      });
      await ship();
      const [record] = await readRecords(legacyTopic(`${prefix}.order.shipped`), 1);
      expect(JSON.parse(record?.value.toString() ?? '{}')).toMatchObject({ data: { method: 'ship', result: 'shipped' } });
    } finally {
      await cleanupDecoratorsEventBus();
      await deleteByPrefix(prefix);
    }
  });
});
