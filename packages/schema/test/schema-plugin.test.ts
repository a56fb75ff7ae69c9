import { type Bus, BusError, createBus, type EventEnvelope } from '@bus/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSchemaRegistry, type SchemaInvalidDetails, type SchemaRegistry, schema } from '../src/index.js';

const orderCreatedV1 = {
  type: 'object',
  required: ['id', 'total'],
  properties: { id: { type: 'string' }, total: { type: 'number', minimum: 0 } },
};
const orderCreatedV2 = {
  type: 'object',
  required: ['id', 'total', 'currency'],
  properties: { id: { type: 'string' }, total: { type: 'number' }, currency: { type: 'string', minLength: 3, maxLength: 3 } },
};

function registry(): SchemaRegistry {
  return createSchemaRegistry()
    .register('orders.created', orderCreatedV1, { version: '1' })
    .register('orders.created', orderCreatedV2, { version: '2', dataschema: 'https://schemas.example.com/orders.created/2' });
}

const buses: Bus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.stop()));
});

async function started<B extends Bus>(bus: B): Promise<B> {
  buses.push(bus);
  await bus.start();
  return bus;
}

describe('validation on publish (the default)', () => {
  it('delivers valid events and stamps the latest schemaversion and its dataschema', async () => {
    const bus = createBus().use(schema({ registry: registry() }));
    const seen: EventEnvelope[] = [];
    bus.subscribe('orders.created', (event) => void seen.push(event));
    await started(bus);
    await bus.publish('orders.created', { id: 'o-1', total: 10, currency: 'EUR' });
    expect(seen[0]).toMatchObject({ schemaversion: '2', dataschema: 'https://schemas.example.com/orders.created/2' });
  });

  it('rejects invalid data with SCHEMA_INVALID carrying the event id and ajv errors; nothing is delivered', async () => {
    const bus = createBus().use(schema({ registry: registry() }));
    const handler = vi.fn();
    bus.subscribe('orders.created', handler);
    await started(bus);
    const failure = await bus.publish('orders.created', { id: 'o-1', total: 10 }, { id: 'e-1' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BusError);
    expect(failure).toMatchObject({ code: 'SCHEMA_INVALID', eventId: 'e-1', retryable: false });
    const details = (failure as BusError).details as SchemaInvalidDetails;
    expect(details).toMatchObject({ reason: 'invalid-data', type: 'orders.created', version: '2' });
    expect(details.errors).toEqual([expect.objectContaining({ keyword: 'required', params: { missingProperty: 'currency' } })]);
    expect(handler).not.toHaveBeenCalled();
  });

  it('validates against the version the publisher names', async () => {
    const bus = createBus().use(schema({ registry: registry() }));
    const seen: EventEnvelope[] = [];
    bus.subscribe('orders.created', (event) => void seen.push(event));
    await started(bus);
    await bus.publish('orders.created', { id: 'o-1', total: 10 }, { schemaVersion: '1' });
    await expect(bus.publish('orders.created', { id: 'o-2', total: -1 }, { schemaVersion: '1' })).rejects.toMatchObject({
      code: 'SCHEMA_INVALID',
      details: { version: '1', errors: [expect.objectContaining({ instancePath: '/total', keyword: 'minimum' })] },
    });
    expect(seen.map((event) => event.schemaversion)).toEqual(['1']);
    expect(seen[0]?.dataschema).toBeUndefined();
  });

  it('rejects a schemaversion the type does not have', async () => {
    const bus = await started(createBus().use(schema({ registry: registry() })));
    await expect(bus.publish({ type: 'orders.created', schemaversion: '7', data: {} })).rejects.toMatchObject({
      code: 'SCHEMA_INVALID',
      details: { reason: 'unknown-version', version: '7' },
    });
  });

  it('lets events of unregistered types through by default', async () => {
    const bus = createBus().use(schema({ registry: registry() }));
    const handler = vi.fn();
    bus.subscribe('users.created', handler);
    await started(bus);
    await bus.publish('users.created', 'anything');
    expect(handler).toHaveBeenCalledOnce();
    expect(handler.mock.calls[0]?.[0].schemaversion).toBeUndefined();
  });

  it("rejects events of unregistered types with unknownTypes: 'reject'", async () => {
    const bus = createBus().use(schema({ registry: registry(), unknownTypes: 'reject' }));
    const handler = vi.fn();
    bus.subscribe('users.created', handler);
    await started(bus);
    await expect(bus.publish('users.created', {})).rejects.toMatchObject({ code: 'SCHEMA_INVALID', details: { reason: 'unknown-type' } });
    expect(handler).not.toHaveBeenCalled();
  });

  it('keeps emit() synchronous and throws from it for invalid data', async () => {
    const bus = createBus().use(schema({ registry: registry() }));
    const seen: unknown[] = [];
    bus.subscribe('orders.created', (event) => void seen.push(event.data));
    await started(bus);
    bus.emit('orders.created', { id: 'o-1', total: 1, currency: 'EUR' });
    expect(seen).toHaveLength(1);
    expect(() => bus.emit('orders.created', { id: 'o-2' })).toThrowError(expect.objectContaining({ code: 'SCHEMA_INVALID' }));
    expect(seen).toHaveLength(1);
  });

  it('rejects the whole batch when one event is invalid', async () => {
    const bus = createBus().use(schema({ registry: registry() }));
    const handler = vi.fn();
    bus.subscribe('orders.created', handler);
    await started(bus);
    await expect(
      bus.publishBatch([
        { type: 'orders.created', data: { id: 'o-1', total: 1, currency: 'EUR' } },
        { type: 'orders.created', data: { id: 'o-2' } },
      ]),
    ).rejects.toMatchObject({ code: 'SCHEMA_INVALID' });
    expect(handler).not.toHaveBeenCalled();
  });

  it('adds the registry to the bus as bus.schemas', () => {
    const schemas = registry();
    expect(createBus().use(schema({ registry: schemas })).schemas).toBe(schemas);
  });
});

describe('validation on delivery', () => {
  it('fails only the delivery of an invalid event, reported on bus.events "failed"; the bus keeps going', async () => {
    const bus = createBus().use(schema({ registry: registry(), validateOn: 'deliver' }));
    const failures: [BusError, EventEnvelope][] = [];
    bus.events.on('failed', (error, event) => failures.push([error, event]));
    const delivered: unknown[] = [];
    bus.subscribe('orders.created', (event) => void delivered.push(event.data));
    await started(bus);
    const bad = await bus.publish('orders.created', { id: 'o-1' }); // not checked on publish
    await bus.publish('orders.created', { id: 'o-2', total: 2, currency: 'EUR' });
    expect(delivered).toEqual([{ id: 'o-2', total: 2, currency: 'EUR' }]);
    expect(failures).toHaveLength(1);
    const [error, event] = failures[0] as [BusError, EventEnvelope];
    expect(error).toMatchObject({ code: 'SCHEMA_INVALID', eventId: bad.id });
    expect(event.id).toBe(bad.id);
    expect((error.details as SchemaInvalidDetails).errors?.map((e) => e.params)).toEqual(
      expect.arrayContaining([{ missingProperty: 'total' }, { missingProperty: 'currency' }]),
    );
  });

  it('still stamps schemaversion on publish', async () => {
    const bus = createBus().use(schema({ registry: registry(), validateOn: 'deliver' }));
    const seen: EventEnvelope[] = [];
    bus.subscribe('orders.created', (event) => void seen.push(event));
    await started(bus);
    await bus.publish('orders.created', { id: 'o-1', total: 1, currency: 'EUR' });
    expect(seen[0]?.schemaversion).toBe('2');
  });

  it("checks events from producers that skipped validation with validateOn: 'both'", async () => {
    const bus = createBus().use(schema({ registry: registry(), validateOn: 'both' }));
    const codes: string[] = [];
    bus.events.on('failed', (error) => codes.push(error.code));
    const handler = vi.fn();
    bus.subscribe('orders.created', handler);
    await started(bus);
    await expect(bus.publish('orders.created', { id: 'o-1' })).rejects.toMatchObject({ code: 'SCHEMA_INVALID' });
    // An event arriving without going through this bus's publish pipeline (another producer, a replay):
    const report = await bus.dispatch({ type: 'orders.created', schemaversion: '2', data: { id: 'o-1' } });
    expect(report.failures.map((error) => error.code)).toEqual(['SCHEMA_INVALID']);
    expect(codes).toEqual(['SCHEMA_INVALID']);
    expect(handler).not.toHaveBeenCalled();
  });

  it('validates an event without schemaversion against the latest schema', async () => {
    const bus = createBus().use(schema({ registry: registry(), validateOn: 'deliver' }));
    bus.events.on('failed', () => undefined);
    bus.subscribe('orders.created', () => undefined);
    await started(bus);
    const report = await bus.dispatch({ type: 'orders.created', data: { id: 'o-1', total: 1 } });
    expect(report.failures[0]?.details).toMatchObject({ version: '2' });
  });
});

describe('schema() options', () => {
  it('are checked when the plugin is made', () => {
    expect(() => schema({} as never)).toThrowError(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
    expect(() => schema({ registry: registry(), validateOn: 'never' as never })).toThrowError(
      expect.objectContaining({ code: 'PLUGIN_INVALID', message: expect.stringContaining('publish, deliver, both') }),
    );
    expect(() => schema({ registry: registry(), unknownTypes: 'ignore' as never })).toThrowError(
      expect.objectContaining({ code: 'PLUGIN_INVALID' }),
    );
  });
});
