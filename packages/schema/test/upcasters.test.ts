import { type Bus, BusError, createBus, type EventEnvelope } from '@bus/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createSchemaRegistry, type SchemaInvalidDetails, schema, type Upcaster } from '../src/index.js';

interface OrderV1 {
  id: string;
  total: number;
}
interface OrderV2 {
  id: string;
  total: { amount: number; currency: string };
}
interface OrderV3 {
  orderId: string;
  total: { amount: number; currency: string };
}

const v1ToV2: Upcaster<OrderV1, OrderV2> = {
  from: '1',
  to: '2',
  upcast: (data) => ({ id: data.id, total: { amount: data.total, currency: 'EUR' } }),
};
const v2ToV3: Upcaster<OrderV2, OrderV3> = { from: '2', to: '3', upcast: ({ id, total }) => ({ orderId: id, total }) };

function registry() {
  return createSchemaRegistry()
    .register('orders.created', { type: 'object', required: ['id', 'total'] }, { version: '1' })
    .register('orders.created', { type: 'object', required: ['id', 'total'] }, { version: '2' })
    .register(
      'orders.created',
      {
        type: 'object',
        required: ['orderId', 'total'],
        properties: { orderId: { type: 'string' }, total: { type: 'object', required: ['amount', 'currency'] } },
      },
      { version: '3', dataschema: 'urn:orders.created:3' },
    );
}

const buses: Bus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.stop()));
});

function brokenChain(run: () => unknown): { message: string; details: SchemaInvalidDetails } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(BusError);
    expect((error as BusError).code).toBe('SCHEMA_INVALID');
    return error as BusError & { details: SchemaInvalidDetails };
  }
  throw new Error('expected a broken chain to be refused');
}

describe('upcasting on delivery', () => {
  it('brings a v1 event to v3 before the handler sees it, updating schemaversion and dataschema', async () => {
    const bus = createBus().use(
      schema({ registry: registry(), validateOn: 'both', upcasters: { 'orders.created': [v2ToV3, v1ToV2] as Upcaster[] } }),
    );
    const seen: EventEnvelope<OrderV3>[] = [];
    bus.subscribe<OrderV3>('orders.created', (event) => void seen.push(event));
    await bus.start();
    buses.push(bus);
    await bus.publish('orders.created', { id: 'o-1', total: 5 }, { schemaVersion: '1', dataschema: 'urn:orders.created:1' });
    await bus.publish('orders.created', { id: 'o-2', total: { amount: 6, currency: 'USD' } }, { schemaVersion: '2' });
    await bus.publish('orders.created', { orderId: 'o-3', total: { amount: 7, currency: 'GBP' } });
    expect(seen.map((event) => event.data)).toEqual([
      { orderId: 'o-1', total: { amount: 5, currency: 'EUR' } },
      { orderId: 'o-2', total: { amount: 6, currency: 'USD' } },
      { orderId: 'o-3', total: { amount: 7, currency: 'GBP' } },
    ]);
    expect(seen.map((event) => event.schemaversion)).toEqual(['3', '3', '3']);
    expect(seen.map((event) => event.dataschema)).toEqual(['urn:orders.created:3', 'urn:orders.created:3', 'urn:orders.created:3']);
  });

  it('gives each subscriber the upcast event without changing the published one', async () => {
    const schemas = registry().registerUpcasters('orders.created', [v1ToV2, v2ToV3] as Upcaster[]);
    const bus = createBus().use(schema({ registry: schemas }));
    const published: EventEnvelope[] = [];
    bus.events.on('published', (event) => published.push(event));
    const seen: EventEnvelope[] = [];
    bus.subscribe('orders.created', (event) => void seen.push(event));
    bus.subscribe('orders.created', (event) => void seen.push(event));
    await bus.start();
    buses.push(bus);
    await bus.publish('orders.created', { id: 'o-1', total: 5 }, { schemaVersion: '1' });
    expect(seen.map((event) => event.schemaversion)).toEqual(['3', '3']);
    expect(published[0]).toMatchObject({ schemaversion: '1', data: { id: 'o-1', total: 5 } });
  });

  it('exposes upcast(event) on bus.schemas, for replaying stored events', () => {
    const bus = createBus().use(schema({ registry: registry(), upcasters: { 'orders.created': [v1ToV2, v2ToV3] as Upcaster[] } }));
    const stored: EventEnvelope<OrderV1> = {
      id: 'e-1',
      source: 'store',
      type: 'orders.created',
      specversion: '1.0',
      schemaversion: '1',
      data: { id: 'o-1', total: 5 },
    };
    const current = bus.schemas.upcast<OrderV3>(stored);
    expect(current).toMatchObject({ id: 'e-1', schemaversion: '3', data: { orderId: 'o-1', total: { amount: 5, currency: 'EUR' } } });
    expect(stored.schemaversion).toBe('1');
    const newest = { ...stored, schemaversion: '3' };
    expect(bus.schemas.upcast(newest)).toBe(newest);
    const { schemaversion: _dropped, ...unversioned } = stored;
    expect(bus.schemas.upcast(unversioned)).toBe(unversioned);
  });

  it('passes each step the event at the version it reads', () => {
    const versionsSeen: (string | undefined)[] = [];
    const schemas = createSchemaRegistry()
      .registerUpcaster('a', '1', '2', (data, event) => {
        versionsSeen.push(event.schemaversion);
        return data;
      })
      .registerUpcaster('a', '2', '3', (data, event) => {
        versionsSeen.push(event.schemaversion);
        return data;
      });
    schemas.upcast({ id: 'e', source: 's', type: 'a', specversion: '1.0', schemaversion: '1', data: null });
    expect(versionsSeen).toEqual(['1', '2']);
  });

  it('fails the delivery with SCHEMA_INVALID and the cause when an upcaster throws; the bus keeps going', async () => {
    const bus = createBus().use(
      schema({
        registry: createSchemaRegistry(),
        upcasters: {
          'orders.created': [
            {
              from: '1',
              to: '2',
              upcast: (data: unknown) => {
                if (data === null) throw new TypeError('no data to upcast');
                return data;
              },
            },
          ],
        },
      }),
    );
    const failures: BusError[] = [];
    bus.events.on('failed', (error) => failures.push(error));
    const seen: unknown[] = [];
    bus.subscribe('orders.created', (event) => void seen.push(event.data));
    await bus.start();
    buses.push(bus);
    const broken = await bus.publish('orders.created', null, { schemaVersion: '1' });
    await bus.publish('orders.created', { ok: true }, { schemaVersion: '1' });
    expect(seen).toEqual([{ ok: true }]);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ code: 'SCHEMA_INVALID', eventId: broken.id, details: { reason: 'upcast-failed', version: '1' } });
    expect(failures[0]?.cause).toBeInstanceOf(TypeError);
  });

  it('refuses an upcaster that returns a promise: upcasters are synchronous', () => {
    const schemas = createSchemaRegistry().registerUpcaster('a', '1', '2', async (data) => data);
    expect(() => schemas.upcast({ id: 'e', source: 's', type: 'a', specversion: '1.0', schemaversion: '1', data: 1 })).toThrowError(
      expect.objectContaining({ code: 'SCHEMA_INVALID', message: expect.stringContaining('synchronous') }),
    );
  });

  it('lets a version newer than the chain knows pass as it is', () => {
    const schemas = createSchemaRegistry().registerUpcasters('a', [v1ToV2] as Upcaster[]);
    const future: EventEnvelope = { id: 'e', source: 's', type: 'a', specversion: '1.0', schemaversion: '5', data: 1 };
    expect(schemas.upcast(future)).toBe(future);
  });

  it('fails an older version that no step leads from', () => {
    const schemas = createSchemaRegistry().registerUpcasters('a', [v2ToV3] as Upcaster[]);
    expect(() => schemas.upcast({ id: 'e', source: 's', type: 'a', specversion: '1.0', schemaversion: '1', data: 1 })).toThrowError(
      expect.objectContaining({
        code: 'SCHEMA_INVALID',
        eventId: 'e',
        message: expect.stringContaining("No upcaster leads from version '1'"),
      }),
    );
  });
});

describe('upcaster chains are checked at registration', () => {
  it('accept steps registered in any order as long as they stay one chain', () => {
    const schemas = createSchemaRegistry().registerUpcaster('a', '2', '3', (data) => data);
    expect(() => schemas.registerUpcaster('a', '1', '2', (data) => data)).not.toThrow();
    expect(() => schemas.registerUpcaster('a', '3', '4', (data) => data)).not.toThrow();
  });

  it('refuse a cycle, naming it', () => {
    const schemas = createSchemaRegistry().registerUpcasters('a', [v1ToV2] as Upcaster[]);
    const error = brokenChain(() => schemas.registerUpcaster('a', '2', '1', (data) => data));
    expect(error.message).toContain("cycle: '1' → '2' → '1'");
    expect(error.details).toMatchObject({ reason: 'invalid-upcaster', type: 'a' });
  });

  it('refuse a missing step (two separate chains), naming where it is missing', () => {
    const error = brokenChain(() =>
      createSchemaRegistry().registerUpcasters('a', [
        { from: '1', to: '2', upcast: (data) => data },
        { from: '3', to: '4', upcast: (data) => data },
      ]),
    );
    expect(error.message).toContain("add an upcaster from '2'");
    const schemas = createSchemaRegistry().registerUpcasters('a', [v1ToV2] as Upcaster[]);
    expect(() => schemas.registerUpcaster('a', '3', '4', (data) => data)).toThrowError(expect.objectContaining({ code: 'SCHEMA_INVALID' }));
  });

  it('refuse a step to an older version, two steps out of one version, and a step to itself', () => {
    expect(brokenChain(() => createSchemaRegistry().registerUpcaster('a', '3', '2', (data) => data)).message).toContain('older version');
    const schemas = createSchemaRegistry().registerUpcasters('a', [v1ToV2] as Upcaster[]);
    expect(brokenChain(() => schemas.registerUpcaster('a', '1', '3', (data) => data)).message).toContain(
      "already has an upcaster from version '1'",
    );
    expect(brokenChain(() => createSchemaRegistry().registerUpcaster('a', '1', '1', (data) => data)).message).toContain('goes nowhere');
  });

  it('leave the chain as it was when a registration is refused', () => {
    const schemas = createSchemaRegistry().registerUpcasters('a', [v1ToV2] as Upcaster[]);
    brokenChain(() => schemas.registerUpcasters('a', [v2ToV3 as Upcaster, { from: '3', to: '1', upcast: (data) => data }]));
    const event: EventEnvelope = { id: 'e', source: 's', type: 'a', specversion: '1.0', schemaversion: '1', data: { id: 'x', total: 1 } };
    expect(schemas.upcast(event).schemaversion).toBe('2');
  });

  it('accept the same step twice (one registry shared by two buses)', () => {
    const schemas = registry();
    createBus().use(schema({ registry: schemas, upcasters: { 'orders.created': [v1ToV2, v2ToV3] as Upcaster[] } }));
    expect(() =>
      createBus().use(schema({ registry: schemas, upcasters: { 'orders.created': [v1ToV2, v2ToV3] as Upcaster[] } })),
    ).not.toThrow();
  });

  it('are checked against the registered schemas when the plugin is used', () => {
    const stops = createSchemaRegistry()
      .register('a', true, { version: '1' })
      .register('a', true, { version: '2' })
      .register('a', true, { version: '3' })
      .registerUpcaster('a', '1', '2', (data) => data);
    expect(() => createBus().use(schema({ registry: stops }))).toThrowError(
      expect.objectContaining({ code: 'SCHEMA_INVALID', message: expect.stringContaining("add an upcaster from '2' to '3'") }),
    );
    const skips = createSchemaRegistry()
      .register('a', true, { version: '1' })
      .register('a', true, { version: '2' })
      .register('a', true, { version: '3' })
      .registerUpcaster('a', '1', '3', (data) => data);
    expect(() => skips.verify()).toThrowError(
      expect.objectContaining({ message: expect.stringContaining("no upcaster leads from it to '3'") }),
    );
  });
});
