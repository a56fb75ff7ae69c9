import { afterEach, describe, expect, it } from 'vitest';
import { type Bus, BusError, createBus, definePlugin, type EventEnvelope, memoryTransport } from '../src/index.js';

const buses: Bus[] = [];
afterEach(async () => {
  for (const bus of buses.splice(0)) await bus.stop();
});

async function started(): Promise<{ bus: Bus; sent: EventEnvelope[] }> {
  const sent: EventEnvelope[] = [];
  const bus = createBus().use(
    definePlugin({
      name: 'wire',
      setup: (kernel) =>
        kernel.interceptSend((messages, _options, send) => {
          sent.push(...messages);
          return send(messages);
        }),
    }),
  );
  buses.push(bus);
  await bus.start();
  return { bus, sent };
}

describe('events the bus builds are CloudEvents 1.0', () => {
  const invalidOptions: [string, Record<string, unknown>][] = [
    ['an empty source', { source: '' }],
    ['a source with spaces', { source: 'orders service' }],
    ['a time that is not a time', { time: 'not-a-time' }],
    ['a time on 30 February at hour 25', { time: '2024-02-30T25:00:00Z' }],
    ['a time on 30 February', { time: '2023-02-29T10:00:00Z' }],
    ['a time without a zone', { time: '2024-02-10T10:00:00' }],
    ['a dataschema that is not a URI', { dataschema: 'not a uri' }],
    ['a relative dataschema', { dataschema: 'schemas/order.json' }],
    ['an extension name over 20 characters', { extensions: { abcdefghijklmnopqrstu: 1 } }],
    ['an extension name in upper case', { extensions: { TraceId: 'x' } }],
    ['an extension name with a dash', { extensions: { 'trace-id': 'x' } }],
  ];

  for (const [what, options] of invalidOptions) {
    it(`publish(type, data, options) with ${what} is INVALID_EVENT, and nothing is sent`, async () => {
      const { bus, sent } = await started();
      const error = await bus.publish('orders.created', {}, { id: 'e-1', ...options }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(BusError);
      expect(error).toMatchObject({ code: 'INVALID_EVENT', eventId: 'e-1' });
      expect(sent).toEqual([]);
    });
  }

  const invalidEnvelopes: [string, Record<string, unknown>][] = [
    ['an empty source', { source: '' }],
    ['an invalid time', { time: '2024-13-01T00:00:00Z' }],
    ['a dataschema that is not a URI', { dataschema: 'not a uri' }],
    ['an extension attribute with an invalid name', { Region: 'eu' }],
  ];
  for (const [what, attributes] of invalidEnvelopes) {
    it(`publish(envelope) and publishBatch with ${what} are INVALID_EVENT`, async () => {
      const { bus, sent } = await started();
      await expect(bus.publish({ type: 'a', id: 'e-2', ...attributes })).rejects.toMatchObject({ code: 'INVALID_EVENT', eventId: 'e-2' });
      await expect(bus.publishBatch([{ type: 'a' }, { type: 'a', id: 'e-3', ...attributes }])).rejects.toMatchObject({
        code: 'INVALID_EVENT',
        eventId: 'e-3',
      });
      expect(sent).toEqual([]);
    });
  }

  it('createBus({ source }) must be a URI-reference', () => {
    expect(() => createBus({ source: '' })).toThrow(expect.objectContaining({ code: 'INVALID_EVENT' }));
    expect(() => createBus({ source: 'my service' })).toThrow(expect.objectContaining({ code: 'INVALID_EVENT' }));
  });

  it('accepts what the spec allows', async () => {
    const { bus, sent } = await started();
    await bus.publish('a', 1, {
      source: 'urn:shop:orders',
      time: '2024-02-29T23:59:60.123+05:30',
      dataschema: 'https://example.com/schemas/order.json#v1',
      extensions: { region: 'eu', abcdefghijklmnopqrst: true },
    });
    await bus.publish({ type: 'a', source: '/eu/orders', time: new Date(0).toISOString(), region: 'eu' });
    await bus.publish('a', 1, { time: new Date(0) });
    expect(sent.map((event) => event.source)).toEqual(['urn:shop:orders', '/eu/orders', 'bus']);
    expect(sent[2]?.time).toBe('1970-01-01T00:00:00.000Z');
  });
});

describe('what a failed publish is called', () => {
  it('a publish middleware that throws a plain Error is PUBLISH_FAILED, not retryable', async () => {
    const bus = createBus().use(
      definePlugin({
        name: 'picky',
        setup: (kernel) =>
          kernel.usePublish('guard', () => {
            throw new Error('no');
          }),
      }),
    );
    buses.push(bus);
    await bus.start();
    const error = await bus.publish('a', 1, { id: 'p-1' }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'PUBLISH_FAILED', retryable: false, eventId: 'p-1', message: 'no' });
    expect(() => bus.emit('a', 1)).toThrow(expect.objectContaining({ code: 'PUBLISH_FAILED' }));
  });

  it('a transport that fails to send is TRANSPORT_FAILED, retryable', async () => {
    const bus = createBus({
      transport: {
        name: 'broken',
        capabilities: {
          inProcess: false,
          durable: true,
          consumerGroups: false,
          orderedPerKey: false,
          wildcards: false,
          redelivery: false,
          requiresEncodedData: false,
        },
        start: () => undefined,
        stop: () => undefined,
        send: () => Promise.reject(new Error('connection refused')),
        subscribe: () => ({ unsubscribe: () => undefined }),
      },
    });
    buses.push(bus);
    await bus.start();
    await expect(bus.publish('a', 1, { id: 't-1' })).rejects.toMatchObject({ code: 'TRANSPORT_FAILED', retryable: true, eventId: 't-1' });
    await expect(bus.publishBatch([{ type: 'a', id: 't-2' }])).rejects.toMatchObject({ code: 'TRANSPORT_FAILED', eventId: 't-2' });
  });
});

describe('an in-process transport that fails an emit', () => {
  it('is reported on "error" as TRANSPORT_FAILED with the event id, never lost silently', async () => {
    const base = memoryTransport();
    const bus = createBus({
      transport: {
        name: 'wrapped',
        capabilities: base.capabilities,
        start: (context) => base.start(context),
        stop: () => base.stop(),
        send: () => Promise.reject(new Error('ring buffer closed')),
        subscribe: (spec, onMessage) => base.subscribe(spec, onMessage),
      },
    });
    buses.push(bus);
    const errors: BusError[] = [];
    bus.events.on('error', (error) => void errors.push(error));
    const published: string[] = [];
    bus.events.on('published', (event) => void published.push(event.id));
    await bus.start();
    bus.emit('a', 1);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'TRANSPORT_FAILED', eventId: published[0], message: 'ring buffer closed' });
  });
});

describe('one envelope shape for handlers', () => {
  const keys = (event: EventEnvelope) => Object.keys({ ...event }).sort();

  it('emit, publish and dispatch hand a plain envelope whose spread keeps id and time, with or without middleware', async () => {
    const bare = createBus();
    const layered = createBus().use(definePlugin({ name: 'noop', setup: (kernel) => kernel.useDeliver('handle', (_ctx, next) => next()) }));
    const shapes: string[][] = [];
    for (const bus of [bare, layered]) {
      buses.push(bus);
      bus.subscribe('a', (event) => void shapes.push(keys(event)));
      await bus.start();
      bus.emit('a', 1);
      await bus.publish('a', 1);
      await bus.dispatch({ type: 'a', data: 1 });
    }
    expect(shapes).toHaveLength(6);
    for (const shape of shapes) expect(shape).toEqual(['data', 'id', 'source', 'specversion', 'time', 'type']);
  });

  it('emitted events get unique ids and a time of this event-loop turn', async () => {
    const bus = createBus();
    buses.push(bus);
    const events: EventEnvelope[] = [];
    bus.subscribe('a', (event) => void events.push(event));
    void bus.start();
    await new Promise((resolve) => setImmediate(resolve)); // a new turn
    const before = Date.now();
    for (let i = 0; i < 5000; i++) bus.emit('a', i);
    expect(new Set(events.map((event) => event.id)).size).toBe(5000);
    const time = Date.parse(events[0]?.time ?? '');
    expect(time).toBeGreaterThanOrEqual(before - 1);
    expect(time).toBeLessThanOrEqual(Date.now());
  });

  it('emit reads the clock once per event-loop turn: the same turn shares a time, a later turn reads it again', async () => {
    const bus = createBus();
    buses.push(bus);
    const times: string[] = [];
    bus.subscribe('a', (event) => void times.push(event.time as string));
    void bus.start();
    bus.emit('a', 1);
    await Promise.resolve(); // a microtask later: still the same turn
    bus.emit('a', 2);
    await new Promise((resolve) => setTimeout(resolve, 5));
    bus.emit('a', 3);
    expect(times[1]).toBe(times[0]);
    expect(Date.parse(times[2] as string) - Date.parse(times[0] as string)).toBeGreaterThanOrEqual(4);
  });

  it('emit to the memory transport: async handlers are drained by stop() and their failures reported', async () => {
    const bus = createBus();
    const failed: string[] = [];
    const done: number[] = [];
    bus.events.on('failed', (error) => void failed.push(error.message));
    bus.subscribe<number>('a', async (event) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (event.data === 2) throw new Error('two');
      done.push(event.data);
    });
    await bus.start();
    bus.emit('a', 1);
    bus.emit('a', 2);
    await bus.stop();
    expect(done).toEqual([1]);
    expect(failed).toEqual(['two']);
  });
});
