// Every behaviour of "Facade: sre_engineer.observability_bus" in legacy-apis.md, and what the facade adds.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BusError, type DroppedEvent, definePlugin } from '@bus/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IdentityCrypto, ObservabilityEventBus } from '../src/index.js';

function collect(bus: ObservabilityEventBus, pattern: string): [string, unknown][] {
  const received: [string, unknown][] = [];
  bus.subscribeWildcard(pattern, (topic, event) => {
    received.push([topic, event]);
  });
  return received;
}

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'facade-sre-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('IdentityCrypto', () => {
  it('returns what it is given', () => {
    const crypto = new IdentityCrypto();
    expect(crypto.encrypt('{"a":1}')).toBe('{"a":1}');
    expect(crypto.decrypt('{"a":1}')).toBe('{"a":1}');
  });

  it('round-trips an encrypted publish', async () => {
    const bus = new ObservabilityEventBus();
    bus.registerCrypto(new IdentityCrypto());
    const received = collect(bus, '#');
    const event = { level: 'page' };
    bus.publish('alerts', event, { encrypt: true });
    await bus.process();
    expect(received).toEqual([['alerts', event]]);
    expect(received[0]?.[1]).not.toBe(event);
  });
});

describe('wildcard subscriptions (the legacy rule)', () => {
  it('* matches exactly one segment', async () => {
    const bus = new ObservabilityEventBus();
    const received = collect(bus, 'service.*');
    for (const topic of ['service', 'service.auth', 'service.auth.prod']) bus.publish(topic, 1);
    await bus.process();
    expect(received.map(([topic]) => topic)).toEqual(['service.auth']);
  });

  it('# matches zero segments too, and # alone matches everything', async () => {
    const bus = new ObservabilityEventBus();
    const service = collect(bus, 'service.#');
    const all = collect(bus, '#');
    for (const topic of ['service', 'service.db', 'other']) bus.publish(topic, 1);
    await bus.process();
    expect(service.map(([topic]) => topic)).toEqual(['service', 'service.db']);
    expect(all.map(([topic]) => topic)).toEqual(['service', 'service.db', 'other']);
  });

  it('segments after # are ignored, as in the legacy matcher', async () => {
    const bus = new ObservabilityEventBus();
    const received = collect(bus, 'a.#.b');
    for (const topic of ['a', 'a.x', 'a.x.c', 'b']) bus.publish(topic, 1);
    await bus.process();
    expect(received.map(([topic]) => topic)).toEqual(['a', 'a.x', 'a.x.c']);
  });

  it('subscribeWildcard returns a handle that unsubscribes', async () => {
    const bus = new ObservabilityEventBus();
    const received: string[] = [];
    const handle = bus.subscribeWildcard('#', (topic) => {
      received.push(topic);
    });
    bus.publish('a', 1);
    await bus.process();
    await handle.unsubscribe();
    bus.publish('b', 2);
    await bus.process();
    expect(received).toEqual(['a']);
  });
});

describe('publish and process', () => {
  it('publish only queues and returns true; process() delivers', async () => {
    const bus = new ObservabilityEventBus();
    const received = collect(bus, '#');
    expect(bus.publish('a', 1)).toBe(true);
    await bus.ready;
    expect(received).toEqual([]);
    expect(bus.pendingCount).toBe(1);
    await bus.process();
    expect(received).toEqual([['a', 1]]);
    expect(bus.pendingCount).toBe(0);
  });

  it('process() drains in publish order', async () => {
    const bus = new ObservabilityEventBus();
    const received = collect(bus, '#');
    for (let i = 0; i < 5; i++) bus.publish(`t${i}`, i);
    await bus.process();
    expect(received.map(([, event]) => event)).toEqual([0, 1, 2, 3, 4]);
  });

  it('events queued while processing are processed in the same call', async () => {
    const bus = new ObservabilityEventBus();
    const received = collect(bus, '#');
    bus.subscribeWildcard('first', () => {
      bus.publish('second', 2);
    });
    bus.publish('first', 1);
    await bus.process();
    expect(received).toEqual([
      ['first', 1],
      ['second', 2],
    ]);
  });

  it('overlapping process() calls share one drain and keep the order', async () => {
    const bus = new ObservabilityEventBus();
    const received = collect(bus, '#');
    bus.publish('a', 1);
    bus.publish('b', 2);
    const first = bus.process();
    const second = bus.process();
    expect(second).toBe(first);
    await Promise.all([first, second]);
    expect(received.map(([topic]) => topic)).toEqual(['a', 'b']);
  });

  it('a subscriber error goes to the DLQ as { topic, error } and the other subscribers still get the event', async () => {
    const bus = new ObservabilityEventBus();
    bus.subscribeWildcard('x.#', () => {
      throw new TypeError('boom');
    });
    const received = collect(bus, '#');
    bus.publish('x.1', { a: 1 });
    await bus.process();
    expect(bus.deadLetterQueue).toEqual([{ topic: 'x.1', error: 'boom' }]);
    expect(received).toEqual([['x.1', { a: 1 }]]);
  });

  it('an async subscriber that rejects is dead-lettered before process() resolves', async () => {
    const bus = new ObservabilityEventBus();
    bus.subscribeWildcard('#', async () => {
      await Promise.resolve();
      throw new Error('later');
    });
    bus.publish('x', 1);
    await bus.process();
    expect(bus.deadLetterQueue).toEqual([{ topic: 'x', error: 'later' }]);
  });

  it('extensions run in order with (event, topic) and what they return is dispatched', async () => {
    const bus = new ObservabilityEventBus();
    bus.registerExtension((event, topic) => ({ ...(event as object), seen: [topic] }));
    bus.registerExtension((event) => ({ ...(event as object), second: true }));
    const received = collect(bus, '#');
    bus.publish('x', { v: 1 });
    await bus.process();
    expect(received).toEqual([['x', { v: 1, seen: ['x'], second: true }]]);
  });

  it('extensions run at process() time, not at publish time', async () => {
    const bus = new ObservabilityEventBus();
    let calls = 0;
    bus.registerExtension((event) => {
      calls++;
      return event;
    });
    bus.publish('x', 1);
    expect(calls).toBe(0);
    await bus.process();
    expect(calls).toBe(1);
  });

  it('an extension that throws is skipped, as in the legacy bus, and reported on bus.events "error"', async () => {
    const bus = new ObservabilityEventBus();
    const errors: BusError[] = [];
    bus.bus.events.on('error', (error) => errors.push(error));
    bus.registerExtension(() => {
      throw new Error('bad extension');
    });
    bus.registerExtension((event) => ({ ...(event as object), after: true }));
    const received = collect(bus, '#');
    bus.publish('x', { v: 1 });
    await bus.process();
    expect(received).toEqual([['x', { v: 1, after: true }]]);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/bad extension/);
  });

  it('an extension that returns nothing dispatches undefined, as in the legacy bus', async () => {
    const bus = new ObservabilityEventBus();
    bus.registerExtension(() => undefined);
    const received = collect(bus, '#');
    bus.publish('x', { v: 1 });
    await bus.process();
    expect(received).toEqual([['x', undefined]]);
  });

  it('encrypt gives the crypto module the JSON text and parses what decrypt gives back', async () => {
    const seen: unknown[] = [];
    const bus = new ObservabilityEventBus();
    bus.registerCrypto({
      encrypt: (data: string) => {
        seen.push(data);
        return new TextEncoder().encode(data);
      },
      decrypt: (data: unknown) => data,
    });
    const received = collect(bus, '#');
    bus.publish('x', { secure: 'data' }, { encrypt: true });
    await bus.process();
    expect(seen).toEqual(['{"secure":"data"}']);
    expect(received).toEqual([['x', { secure: 'data' }]]);
  });

  it('crypto and serializer failures throw coded BusErrors from publish and queue nothing', () => {
    const bus = new ObservabilityEventBus();
    bus.registerCrypto({
      encrypt: () => 'x',
      decrypt: () => {
        throw new Error('wrong key');
      },
    });
    bus.registerSerializer('broken', {
      serialize: () => {
        throw new Error('nope');
      },
      deserialize: (data) => data,
    });
    expect(() => bus.publish('x', 1, { encrypt: true })).toThrow(expect.objectContaining({ code: 'DECRYPT_FAILED' }));
    expect(() => bus.publish('x', 1, { serializer: 'broken' })).toThrow(expect.objectContaining({ code: 'ENCODE_FAILED' }));
    expect(() => bus.publish('x', 10n, { encrypt: true })).toThrow(expect.objectContaining({ code: 'ENCODE_FAILED' }));
    expect(bus.pendingCount).toBe(0);
  });

  it('decrypted JSON with a __proto__ key is refused', () => {
    const bus = new ObservabilityEventBus();
    bus.registerCrypto({ encrypt: (data: string) => data, decrypt: () => '{"__proto__":{"admin":true}}' });
    expect(() => bus.publish('x', {}, { encrypt: true })).toThrow(expect.objectContaining({ code: 'DECODE_FAILED' }));
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('a publish a plugin on bus refuses is recorded in the DLQ and the drain goes on', async () => {
    const bus = new ObservabilityEventBus();
    bus.bus.use(
      definePlugin({
        name: 'refuse-secrets',
        setup(kernel) {
          kernel.usePublish('guard', function refuseSecrets(ctx, next) {
            if (ctx.envelope.type === 'secret') throw new BusError('ACL_DENIED', 'no secrets');
            return next();
          });
        },
      }),
    );
    const received = collect(bus, '#');
    bus.publish('secret', 1);
    bus.publish('public', 2);
    await bus.process();
    expect(bus.deadLetterQueue).toEqual([{ topic: 'secret', error: 'no secrets' }]);
    expect(received).toEqual([['public', 2]]);
  });
});

describe('backpressure', () => {
  it('drop_oldest keeps the newest queueSize events and signals each drop on bus.events "dropped"', async () => {
    const bus = new ObservabilityEventBus({ queueSize: 2, backpressurePolicy: 'drop_oldest' });
    const dropped: DroppedEvent[] = [];
    bus.bus.events.on('dropped', (drop) => dropped.push(drop));
    const received = collect(bus, '#');
    for (let i = 1; i <= 4; i++) expect(bus.publish(`t${i}`, i)).toBe(true);
    await bus.process();
    expect(received).toEqual([
      ['t3', 3],
      ['t4', 4],
    ]);
    expect(dropped.map((drop) => [drop.event.type, drop.error.code, (drop.error.details as { policy: string }).policy])).toEqual([
      ['t1', 'BACKPRESSURE_REJECTED', 'drop-oldest'],
      ['t2', 'BACKPRESSURE_REJECTED', 'drop-oldest'],
    ]);
  });

  it('warns of a drop on options.logger when a plugin only observes "dropped" (kernel.observe), not once the application listens', async () => {
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const bus = new ObservabilityEventBus({ queueSize: 1, backpressurePolicy: 'drop_oldest' }, { logger });
    const observed: string[] = [];
    bus.bus.use(
      definePlugin({ name: 'counter', setup: (kernel) => kernel.observe('dropped', ({ event }) => void observed.push(event.type)) }),
    );
    bus.publish('t1', 1);
    bus.publish('t2', 2);
    expect(observed).toEqual(['t1']);
    expect(logger.warn).toHaveBeenCalledOnce();
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'BACKPRESSURE_REJECTED', type: 't1' }),
      expect.stringContaining('dropped event'),
    );
    bus.bus.events.on('dropped', () => undefined);
    bus.publish('t3', 3);
    expect(observed).toEqual(['t1', 't2']);
    expect(logger.warn).toHaveBeenCalledOnce();
    await bus.process();
  });

  it('reject dead-letters { topic, event } with the event as published, without running crypto or serializer', () => {
    const bus = new ObservabilityEventBus({ queueSize: 1, backpressurePolicy: 'reject' });
    let calls = 0;
    bus.registerSerializer('counted', {
      serialize: (event) => {
        calls++;
        return event;
      },
      deserialize: (data) => data,
    });
    bus.publish('x', 1, { serializer: 'counted' });
    const event = { v: 2 };
    expect(bus.publish('y', event, { serializer: 'counted' })).toBe(false);
    expect(calls).toBe(1);
    expect(bus.deadLetterQueue).toEqual([{ topic: 'y', event }]);
    expect(bus.pendingCount).toBe(1);
  });

  it('any other policy blocks, which throws BACKPRESSURE_REJECTED when full', () => {
    for (const backpressurePolicy of [undefined, 'block', 'whatever']) {
      const bus = new ObservabilityEventBus({ queueSize: 1, backpressurePolicy });
      bus.publish('a', 1);
      expect(() => bus.publish('b', 2)).toThrow(expect.objectContaining({ code: 'BACKPRESSURE_REJECTED' }));
      expect(bus.pendingCount).toBe(1);
      expect(bus.deadLetterQueue).toEqual([]);
    }
  });

  it('without a queueSize the queue has no limit', () => {
    const bus = new ObservabilityEventBus();
    for (let i = 0; i < 10_000; i++) bus.publish('a', i);
    expect(bus.pendingCount).toBe(10_000);
    expect(bus.queueSize).toBeNull();
  });

  it('processing frees room in the queue', async () => {
    const bus = new ObservabilityEventBus({ queueSize: 1 });
    bus.publish('a', 1);
    await bus.process();
    expect(bus.publish('b', 2)).toBe(true);
  });

  it('updateConfigAtRuntime applies backpressurePolicy and batchSize, and records every key in config', () => {
    const bus = new ObservabilityEventBus({ queueSize: 1 });
    bus.publish('a', 1);
    bus.updateConfigAtRuntime('backpressurePolicy', 'reject');
    expect(bus.bpPolicy).toBe('reject');
    expect(bus.publish('b', 2)).toBe(false);
    bus.updateConfigAtRuntime('batchSize', 50);
    expect(bus.batchSize).toBe(50);
    bus.updateConfigAtRuntime('persistFile', 'x.log');
    bus.updateConfigAtRuntime('queueSize', null);
    expect(bus.config).toEqual({ queueSize: null, backpressurePolicy: 'reject', batchSize: 50, persistFile: 'x.log' });
    expect(bus.publish('c', 3)).toBe(true);
  });

  it('a queue shrunk below its size drops its oldest events on the next drop_oldest publish, each signalled', async () => {
    const bus = new ObservabilityEventBus({ backpressurePolicy: 'drop_oldest' });
    const dropped: string[] = [];
    bus.bus.events.on('dropped', (drop) => dropped.push(drop.event.type));
    for (let i = 1; i <= 4; i++) bus.publish(`t${i}`, i);
    bus.updateConfigAtRuntime('queueSize', 2);
    bus.publish('t5', 5);
    const received = collect(bus, '#');
    await bus.process();
    expect(dropped).toEqual(['t1', 't2', 't3']);
    expect(received.map(([topic]) => topic)).toEqual(['t4', 't5']);
  });
});

describe('persistAndReplay', () => {
  it('writes the pending queue as JSON lines, leaves it queued and uses config.persistFile by default', async () => {
    const file = join(directory, 'events.log');
    const bus = new ObservabilityEventBus({ persistFile: file });
    const received = collect(bus, '#');
    bus.publish('p1', { a: 1 });
    bus.publish('p2', [1, 'two']);
    const records = await bus.persistAndReplay();
    expect(await readFile(file, 'utf8')).toBe('{"topic":"p1","event":{"a":1}}\n{"topic":"p2","event":[1,"two"]}\n');
    expect(records).toEqual([
      { topic: 'p1', event: { a: 1 } },
      { topic: 'p2', event: [1, 'two'] },
    ]);
    expect(received).toEqual([]);
    expect(bus.pendingCount).toBe(2);
  });

  it('replaces the file on every call', async () => {
    const file = join(directory, 'events.log');
    const bus = new ObservabilityEventBus();
    bus.publish('a', 1);
    await bus.persistAndReplay({ file });
    await bus.process();
    bus.publish('b', 2);
    expect(await bus.persistAndReplay({ file })).toEqual([{ topic: 'b', event: 2 }]);
  });

  it('does nothing and returns [] without a file, as in the legacy bus', async () => {
    const bus = new ObservabilityEventBus();
    bus.publish('a', 1);
    let called = false;
    expect(
      await bus.persistAndReplay({
        subscriber: () => {
          called = true;
        },
      }),
    ).toEqual([]);
    expect(called).toBe(false);
  });

  it('fails with STORE_FAILED when the file cannot be written, and ENCODE_FAILED for events JSON cannot hold', async () => {
    const bus = new ObservabilityEventBus();
    bus.publish('a', 1);
    await expect(bus.persistAndReplay({ file: join(directory, 'missing', 'events.log') })).rejects.toMatchObject({ code: 'STORE_FAILED' });
    bus.publish('b', 10n);
    await expect(bus.persistAndReplay({ file: join(directory, 'events.log') })).rejects.toMatchObject({ code: 'ENCODE_FAILED' });
  });
});

describe('clusterDeploy', () => {
  it('picks the smallest string id too, and null for no nodes', () => {
    const bus = new ObservabilityEventBus();
    expect(bus.leader).toBeUndefined();
    expect(bus.clusterDeploy(['node-c', 'node-a', 'node-b'])).toBe('node-a');
    expect(bus.clusterNodes).toEqual(['node-c', 'node-a', 'node-b']);
    expect(bus.clusterDeploy([])).toBeNull();
    expect(bus.leader).toBeNull();
    expect(bus.clusterNodes).toEqual([]);
  });

  it('refuses mixed or non-comparable node ids with CONFIG_INVALID', () => {
    const bus = new ObservabilityEventBus();
    expect(() => bus.clusterDeploy([1, 'a'] as never)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => bus.clusterDeploy([1, Number.NaN])).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => bus.clusterDeploy('abc' as never)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(bus.leader).toBeUndefined();
  });
});

describe('the underlying bus', () => {
  it('is public, routes with @bus/topics and takes plugins right after construction', async () => {
    const sre = new ObservabilityEventBus();
    const seen: string[] = [];
    sre.bus.use(
      definePlugin({
        name: 'trace',
        setup(kernel) {
          kernel.useDeliver('handle', function trace(ctx, next) {
            seen.push(ctx.event.type);
            return next();
          });
        },
      }),
    );
    expect(sre.bus.plugins).toEqual(['topics', 'sre', 'trace']); // sre: the facade's own, for kernel.report and kernel.drop
    collect(sre, '#');
    sre.publish('cpu.high', { pct: 97 });
    await sre.process();
    expect(seen).toEqual(['cpu.high']);
  });
});

describe('bad input', () => {
  it('refuses unknown config keys, with a hint for the legacy snake_case ones', () => {
    expect(() => new ObservabilityEventBus({ queue_size: 1 } as never)).toThrow(/camelCase key is 'queueSize'/);
    expect(() => new ObservabilityEventBus({ colour: 'red' } as never)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => new ObservabilityEventBus('config' as never)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('refuses bad config values', () => {
    for (const config of [{ queueSize: -1 }, { queueSize: 1.5 }, { batchSize: 0 }, { backpressurePolicy: 3 }, { persistFile: 7 }]) {
      expect(() => new ObservabilityEventBus(config as never), JSON.stringify(config)).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID' }),
      );
    }
  });

  it('updateConfigAtRuntime refuses unknown keys and bad values and then changes nothing', () => {
    const bus = new ObservabilityEventBus({ queueSize: 3 });
    expect(() => bus.updateConfigAtRuntime('queue_size' as never, 2 as never)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => bus.updateConfigAtRuntime('queueSize', -2)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(bus.config).toEqual({ queueSize: 3 });
    expect(bus.queueSize).toBe(3);
  });

  it('refuses a missing topic and bad publish options', () => {
    const bus = new ObservabilityEventBus();
    expect(() => bus.publish('', 1)).toThrow(expect.objectContaining({ code: 'INVALID_EVENT' }));
    expect(() => bus.publish(5 as never, 1)).toThrow(expect.objectContaining({ code: 'INVALID_EVENT' }));
    expect(() => bus.publish('a', 1, { encrypt: 'yes' as never })).toThrow(expect.objectContaining({ code: 'INVALID_EVENT' }));
    expect(() => bus.publish('a', 1, null as never)).toThrow(expect.objectContaining({ code: 'INVALID_EVENT' }));
    expect(bus.pendingCount).toBe(0);
  });

  it('refuses encrypt without a crypto module and unknown serializer names instead of skipping them', () => {
    const bus = new ObservabilityEventBus();
    expect(() => bus.publish('a', 1, { encrypt: true })).toThrow(/registerCrypto/);
    expect(() => bus.publish('a', 1, { serializer: 'nope' })).toThrow(/registerSerializer/);
    expect(bus.pendingCount).toBe(0);
  });

  it('refuses bad patterns, handlers, crypto modules, serializers and extensions', () => {
    const bus = new ObservabilityEventBus();
    for (const pattern of ['', 'a..b', 'a.b*', 7]) {
      expect(() => bus.subscribeWildcard(pattern as never, () => undefined)).toThrow(
        expect.objectContaining({ code: 'INVALID_SUBSCRIPTION' }),
      );
    }
    expect(() => bus.subscribeWildcard('a', null as never)).toThrow(expect.objectContaining({ code: 'INVALID_SUBSCRIPTION' }));
    expect(() => bus.registerCrypto({ encrypt: () => 1 } as never)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => bus.registerSerializer('x', {} as never)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => bus.registerSerializer('', { serialize: (e) => e, deserialize: (d) => d })).toThrow(BusError);
    expect(() => bus.registerExtension('ext' as never)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('refuses bad persistAndReplay options', async () => {
    const bus = new ObservabilityEventBus();
    await expect(bus.persistAndReplay({ subscriber: 'x' as never })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(bus.persistAndReplay({ file: 5 as never })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
