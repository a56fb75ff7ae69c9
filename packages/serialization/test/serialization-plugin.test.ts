import { type Bus, BusError, createBus, definePlugin, type EventEnvelope, type Plugin } from '@bus/core';
import { unpack } from 'msgpackr';
import { afterEach, describe, expect, it } from 'vitest';
import { type Codec, serialization } from '../src/index.js';

/** Records every envelope as the transport receives it (the last publish phase). */
function wireTap() {
  const sent: EventEnvelope[] = [];
  const plugin = definePlugin({
    name: 'wire-tap',
    setup(kernel) {
      kernel.usePublish('dispatch', function tap(ctx, next) {
        sent.push(ctx.envelope);
        return next();
      });
    },
  });
  return { sent, plugin };
}

const buses: Bus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.stop()));
});

async function busWith<E extends object>(plugin: Plugin<E>, ...more: Plugin<object>[]) {
  const tap = wireTap();
  const bus = createBus({ source: 'test' }).use(tap.plugin).use(plugin);
  for (const other of more) bus.use(other);
  buses.push(bus);
  const failures: BusError[] = [];
  bus.events.on('failed', (error) => void failures.push(error));
  return { bus, sent: tap.sent, failures };
}

describe('serialization() on publish', () => {
  it('sends data as JSON bytes and sets datacontenttype; subscribers get the value back', async () => {
    const { bus, sent } = await busWith(serialization());
    const seen: EventEnvelope[] = [];
    bus.subscribe('orders.created', (event) => void seen.push(event));
    await bus.start();
    await bus.publish('orders.created', { id: 'o-1', total: 12.5 });
    expect(sent[0]?.data).toBeInstanceOf(Uint8Array);
    expect(sent[0]?.datacontenttype).toBe('application/json');
    expect(new TextDecoder().decode(sent[0]?.data as Uint8Array)).toBe('{"id":"o-1","total":12.5}');
    expect(seen[0]).toMatchObject({ data: { id: 'o-1', total: 12.5 }, datacontenttype: 'application/json' });
  });

  it('encodes with the codec the event names in datacontenttype, or the configured default', async () => {
    const { bus, sent } = await busWith(serialization({ defaultContentType: 'application/msgpack' }));
    const seen: unknown[] = [];
    bus.subscribe('readings.taken', (event) => void seen.push(event.data));
    await bus.start();
    await bus.publish('readings.taken', { celsius: 21 });
    await bus.publish('readings.taken', { celsius: 22 }, { datacontenttype: 'application/json; charset=utf-8' });
    expect(sent.map((event) => event.datacontenttype)).toEqual(['application/msgpack', 'application/json; charset=utf-8']);
    expect(unpack(sent[0]?.data as Uint8Array)).toEqual({ celsius: 21 });
    expect(seen).toEqual([{ celsius: 21 }, { celsius: 22 }]);
  });

  it('never mutates the caller’s envelope or data', async () => {
    const { bus, sent } = await busWith(serialization());
    bus.subscribe('a', () => undefined);
    await bus.start();
    const data = { n: 1 };
    const input = { type: 'a', id: 'e-1', data };
    await bus.publish(input);
    expect(input).toEqual({ type: 'a', id: 'e-1', data: { n: 1 } });
    expect(input.data).toBe(data);
    expect(sent[0]).not.toBe(input);
  });

  it('passes bytes through as application/octet-stream, and undefined data as absent', async () => {
    const { bus, sent } = await busWith(serialization());
    const seen: EventEnvelope[] = [];
    bus.subscribe('a', (event) => void seen.push(event));
    await bus.start();
    const raw = new Uint8Array([1, 2, 3]);
    await bus.publish('a', raw);
    await bus.publish('a', undefined);
    expect(sent[0]).toMatchObject({ data: raw, datacontenttype: 'application/octet-stream' });
    expect(sent[1]?.data).toBeUndefined();
    expect(sent[1]?.datacontenttype).toBeUndefined();
    expect(Array.from(seen[0]?.data as Uint8Array)).toEqual([1, 2, 3]);
    expect(seen[0]?.data).not.toBe(raw);
    expect(seen[1]?.data).toBeUndefined();
  });

  it('rejects a publish it cannot encode with ENCODE_FAILED and the event id: cycles, BigInt in JSON, unknown types', async () => {
    const { bus } = await busWith(serialization());
    bus.subscribe('a', () => undefined);
    await bus.start();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(bus.publish('a', cyclic, { id: 'e-cycle' })).rejects.toMatchObject({ code: 'ENCODE_FAILED', eventId: 'e-cycle' });
    await expect(bus.publish('a', { n: 1n }, { id: 'e-big' })).rejects.toMatchObject({ code: 'ENCODE_FAILED', eventId: 'e-big' });
    await expect(bus.publish('a', 1, { id: 'e-xml', datacontenttype: 'application/xml' })).rejects.toMatchObject({
      code: 'ENCODE_FAILED',
      eventId: 'e-xml',
      message: expect.stringContaining('bus.codecs.register'),
    });
  });

  it('refuses an oversized payload on publish with PAYLOAD_TOO_LARGE', async () => {
    const { bus } = await busWith(serialization({ maxBytes: 32 }));
    await bus.start();
    await expect(bus.publish('a', 'x'.repeat(40), { id: 'e-big' })).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE', eventId: 'e-big' });
  });

  it('keeps bus.emit() synchronous', async () => {
    const { bus } = await busWith(serialization());
    const seen: unknown[] = [];
    bus.subscribe('tick', (event) => void seen.push(event.data));
    await bus.start();
    bus.emit('tick', { n: 1 });
    expect(seen).toEqual([{ n: 1 }]);
  });
});

describe('serialization() on delivery', () => {
  it('gives each subscriber its own decoded copy', async () => {
    const { bus } = await busWith(serialization());
    const copies: { n: number }[] = [];
    bus.subscribe<{ n: number }>('a', (event) => {
      copies.push(event.data);
      event.data.n = 99;
    });
    bus.subscribe<{ n: number }>('a', (event) => void copies.push(event.data));
    await bus.start();
    await bus.publish('a', { n: 1 });
    expect(copies[0]).not.toBe(copies[1]);
    expect(copies[1]).toEqual({ n: 1 });
  });

  it('fails the delivery of malformed or unknown payloads with DECODE_FAILED and the event id, and keeps delivering', async () => {
    const { bus, failures } = await busWith(serialization());
    const seen: unknown[] = [];
    bus.subscribe('a', (event) => void seen.push(event.data));
    await bus.start();
    const bytes = new TextEncoder().encode('{"oops":');
    expect((await bus.dispatch({ type: 'a', id: 'bad-json', data: bytes, datacontenttype: 'application/json' })).delivered).toBe(0);
    await bus.dispatch({ type: 'a', id: 'bad-type', data: bytes, datacontenttype: 'application/x-unknown' });
    await bus.dispatch({
      type: 'a',
      id: 'proto',
      data: new TextEncoder().encode('{"__proto__":{"x":1}}'),
      datacontenttype: 'application/json',
    });
    await bus.publish('a', { fine: true });
    expect(failures.map((error) => [error.code, error.eventId])).toEqual([
      ['DECODE_FAILED', 'bad-json'],
      ['DECODE_FAILED', 'bad-type'],
      ['DECODE_FAILED', 'proto'],
    ]);
    expect(failures[0]?.cause).toBeInstanceOf(Error);
    expect(seen).toEqual([{ fine: true }]);
  });

  it('fails an encrypted payload that nothing decrypted with DECODE_FAILED naming the fix', async () => {
    const { bus, failures } = await busWith(serialization());
    bus.subscribe('a', () => undefined);
    await bus.start();
    await bus.dispatch({
      type: 'a',
      id: 'sealed',
      data: new Uint8Array([1, 1, 2]),
      encryption: 'aes-256-gcm',
      datacontenttype: 'application/json',
    });
    expect(failures[0]).toMatchObject({ code: 'DECODE_FAILED', eventId: 'sealed', message: expect.stringContaining('@bus/crypto') });
  });

  it('fails an oversized payload with PAYLOAD_TOO_LARGE before parsing it', async () => {
    const { bus, failures } = await busWith(serialization({ maxBytes: 8 }));
    bus.subscribe('a', () => undefined);
    await bus.start();
    await bus.dispatch({ type: 'a', id: 'huge', data: new Uint8Array(9).fill(0x5b), datacontenttype: 'application/json' });
    expect(failures[0]).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', eventId: 'huge' });
  });

  it('decodes bytes without a datacontenttype with the default codec, and leaves non-byte data alone', async () => {
    const { bus } = await busWith(serialization());
    const seen: unknown[] = [];
    bus.subscribe('a', (event) => void seen.push(event.data));
    await bus.start();
    await bus.dispatch({ type: 'a', data: new TextEncoder().encode('[1]') });
    await bus.dispatch({ type: 'a', data: { already: 'decoded' } });
    expect(seen).toEqual([[1], { already: 'decoded' }]);
  });
});

describe('custom codecs', () => {
  const csv: Codec = {
    contentType: 'text/csv',
    encode: (value) => new TextEncoder().encode((value as string[][]).map((row) => row.join(',')).join('\n')),
    decode: (bytes) =>
      new TextDecoder()
        .decode(bytes)
        .split('\n')
        .map((line) => line.split(',')),
  };

  it('are registered with the codecs option', async () => {
    const { bus, sent } = await busWith(serialization({ codecs: [csv] }));
    const seen: unknown[] = [];
    bus.subscribe('rows', (event) => void seen.push(event.data));
    await bus.start();
    await bus.publish('rows', [['a', 'b']], { datacontenttype: 'text/csv' });
    expect(new TextDecoder().decode(sent[0]?.data as Uint8Array)).toBe('a,b');
    expect(seen).toEqual([[['a', 'b']]]);
  });

  it('are registered on bus.codecs, even after start', async () => {
    const { bus } = await busWith(serialization());
    const seen: unknown[] = [];
    bus.subscribe('rows', (event) => void seen.push(event.data));
    await bus.start();
    await expect(bus.publish('rows', [['x']], { datacontenttype: 'text/csv' })).rejects.toMatchObject({ code: 'ENCODE_FAILED' });
    bus.codecs.register(csv);
    await bus.publish('rows', [['x']], { datacontenttype: 'text/csv' });
    expect(seen).toEqual([[['x']]]);
  });

  it('that throw plain errors are reported as ENCODE_FAILED / DECODE_FAILED with the event id and the cause', async () => {
    const broken: Codec = {
      contentType: 'application/x-broken',
      encode: (value) => {
        if (value === 'explode') throw new RangeError('no');
        return new Uint8Array([1]);
      },
      decode: () => {
        throw new TypeError('nope');
      },
    };
    const { bus, failures } = await busWith(serialization({ codecs: [broken] }));
    bus.subscribe('a', () => undefined);
    await bus.start();
    await expect(bus.publish('a', 'explode', { id: 'e-1', datacontenttype: 'application/x-broken' })).rejects.toMatchObject({
      code: 'ENCODE_FAILED',
      eventId: 'e-1',
      cause: expect.any(RangeError),
    });
    await bus.publish('a', 'ok', { id: 'e-2', datacontenttype: 'application/x-broken' });
    expect(failures[0]).toMatchObject({ code: 'DECODE_FAILED', eventId: 'e-2', cause: expect.any(TypeError) });
  });

  it('must include the default content type', () => {
    expect(() => serialization({ defaultContentType: 'text/csv' })).toThrowError(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
    expect(() => serialization({ defaultContentType: 'text/csv', codecs: [csv] })).not.toThrow();
  });
});

describe('stage order', () => {
  it('serializes after transform-stage middleware and before encrypt-stage middleware, and mirrors that on delivery', async () => {
    const seenBy: Record<string, string> = {};
    const probe = (name: string, order: number) =>
      definePlugin({
        name,
        setup(kernel) {
          kernel.usePublish(
            'encode',
            (ctx, next) => {
              seenBy[`publish ${name}`] = ctx.envelope.data instanceof Uint8Array ? 'bytes' : 'value';
              return next();
            },
            { order },
          );
          kernel.useDeliver(
            'decode',
            (ctx, next) => {
              seenBy[`deliver ${name}`] = ctx.event.data instanceof Uint8Array ? 'bytes' : 'value';
              return next();
            },
            { order },
          );
        },
      });
    const { bus } = await busWith(probe('encrypt', 300), serialization(), probe('transform', 100));
    bus.subscribe('a', () => undefined);
    await bus.start();
    await bus.publish('a', { n: 1 });
    expect(seenBy).toEqual({
      'publish transform': 'value',
      'publish encrypt': 'bytes',
      'deliver encrypt': 'bytes',
      'deliver transform': 'value',
    });
  });
});

describe('errors', () => {
  it('are BusErrors recognised across copies of @bus/core', async () => {
    const { bus } = await busWith(serialization());
    await bus.start();
    const error = await bus.publish('a', 1n).catch((thrown: unknown) => thrown);
    expect(BusError.is(error)).toBe(true);
  });
});
