// Every behaviour of "Facade: game_dev.event_bus" in legacy-apis.md, and what the facade adds.
import { BusError, type DeadLetteredEvent, definePlugin, type EventEnvelope } from '@bus/core';
import { describe, expect, it, vi } from 'vitest';
import { BackpressurePolicy, CryptoModule, EventBus, EventBusError, JsonSerializer, Serializer } from '../src/index.js';

const encoder = new TextEncoder();

async function started(options: ConstructorParameters<typeof EventBus>[0] = {}): Promise<EventBus> {
  const bus = new EventBus(options);
  await bus.ready;
  return bus;
}

function collect(bus: EventBus, pattern: string): unknown[] {
  const received: unknown[] = [];
  bus.subscribe(pattern, (msg) => {
    received.push(msg);
  });
  return received;
}

/** Records the pipeline's steps, in order. */
class TracingSerializer extends Serializer {
  constructor(private readonly trace: string[]) {
    super();
  }
  serialize(event: unknown): string {
    this.trace.push('serialize');
    return JSON.stringify(event);
  }
  deserialize(data: unknown): unknown {
    this.trace.push('deserialize');
    return { ...(JSON.parse(String(data)) as object), deserialized: true };
  }
}

class TracingCrypto extends CryptoModule {
  constructor(private readonly trace: string[]) {
    super();
  }
  override encrypt(data: unknown): unknown {
    this.trace.push('encrypt');
    return data;
  }
  override decrypt(data: unknown): unknown {
    this.trace.push('decrypt');
    return data;
  }
}

describe('exports', () => {
  it('BackpressurePolicy is a frozen object of the legacy names and values', () => {
    expect(BackpressurePolicy).toEqual({ REJECT: 'reject', DROP_OLDEST: 'drop_oldest' });
    expect(Object.isFrozen(BackpressurePolicy)).toBe(true);
  });

  it('EventBusError extends BusError, keeps its name and has a stable code', async () => {
    const bus = await started({ queueSize: 5, backpressure: BackpressurePolicy.REJECT });
    let caught: unknown;
    try {
      bus.publish('a', 1);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EventBusError);
    expect(caught).toBeInstanceOf(BusError);
    expect((caught as EventBusError).name).toBe('EventBusError');
    expect((caught as EventBusError).code).toBe('BACKPRESSURE_REJECTED');
    expect(new BusError('CONFIG_INVALID', 'x')).not.toBeInstanceOf(EventBusError);
  });

  it('CryptoModule is the identity', () => {
    const data = { a: 1 };
    expect(new CryptoModule().encrypt(data)).toBe(data);
    expect(new CryptoModule().decrypt(data)).toBe(data);
  });

  it('JsonSerializer returns UTF-8 JSON bytes and reads bytes or strings', () => {
    const json = new JsonSerializer();
    const bytes = json.serialize({ hp: 10 });
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(bytes)).toBe('{"hp":10}');
    expect(json.deserialize(bytes)).toEqual({ hp: 10 });
    expect(json.deserialize('{"hp":11}')).toEqual({ hp: 11 });
  });
});

describe('wildcard subscriptions (the legacy rule)', () => {
  it('* matches exactly one segment', async () => {
    const bus = await started();
    const received = collect(bus, 'zone.*');
    bus.publish('zone', 1);
    bus.publish('zone.1', 2);
    bus.publish('zone.1.player', 3);
    expect(received).toEqual([2]);
  });

  it('# matches zero or more segments, and # alone matches every topic', async () => {
    const bus = await started();
    const global = collect(bus, 'global.#');
    const all = collect(bus, '#');
    bus.publish('global', 1);
    bus.publish('global.lobby.chat', 2);
    bus.publish('globalx', 3);
    expect(global).toEqual([1, 2]);
    expect(all).toEqual([1, 2, 3]);
  });

  it('segments after # are ignored, as in the legacy matcher', async () => {
    const bus = await started();
    const received = collect(bus, 'a.#.b');
    bus.publish('a', 1);
    bus.publish('a.x', 2);
    bus.publish('a.x.c', 3);
    bus.publish('b.a', 4);
    expect(received).toEqual([1, 2, 3]);
  });

  it('literal segments must be equal and every topic segment must be consumed', async () => {
    const bus = await started();
    const received = collect(bus, 'zone.1');
    bus.publish('zone.1', 1);
    bus.publish('zone.1.player', 2);
    bus.publish('zone.2', 3);
    expect(received).toEqual([1]);
  });

  it('a handler subscribed twice is called twice', async () => {
    const bus = await started();
    const received: unknown[] = [];
    const handler = (msg: unknown): void => {
      received.push(msg);
    };
    bus.subscribe('t', handler);
    bus.subscribe('t', handler);
    bus.publish('t', 1);
    expect(received).toEqual([1, 1]);
  });
});

describe('publish', () => {
  it('is synchronous: handlers have run when publish returns', async () => {
    const bus = await started();
    const received = collect(bus, 'tick');
    bus.publish('tick', { frame: 1 });
    expect(received).toEqual([{ frame: 1 }]);
  });

  it('runs serialize, encrypt, decrypt, deserialize, then dispatches the deserialized object', async () => {
    const trace: string[] = [];
    const bus = await started({ crypto: new TracingCrypto(trace) });
    bus.registerSerializer('traced', new TracingSerializer(trace));
    bus.subscribe('t', (msg) => {
      trace.push(`handler ${JSON.stringify(msg)}`);
    });
    bus.publish('t', { a: 1 }, { contentType: 'traced' });
    expect(trace).toEqual(['serialize', 'encrypt', 'decrypt', 'deserialize', 'handler {"a":1,"deserialized":true}']);
  });

  it('serializes with JSON by default, so handlers get a copy of the event', async () => {
    const bus = await started();
    const received = collect(bus, 't');
    const event = { nested: { hp: 3 } };
    bus.publish('t', event);
    expect(received).toEqual([event]);
    expect(received[0]).not.toBe(event);
  });

  it('contentType null means no serializer: the event itself reaches handlers', async () => {
    const trace: string[] = [];
    const bus = await started({ crypto: new TracingCrypto(trace), serializer: new TracingSerializer(trace) });
    const received = collect(bus, 't');
    const event = { a: 1 };
    bus.publish('t', event, { contentType: null });
    expect(received[0]).toBe(event);
    expect(trace).toEqual(['encrypt', 'decrypt']);
  });

  it('an unknown contentType falls back to the constructor serializer', async () => {
    const trace: string[] = [];
    const bus = await started({ serializer: new TracingSerializer(trace) });
    const received = collect(bus, 't');
    bus.publish('t', { a: 1 }, { contentType: 'yaml' });
    expect(trace).toEqual(['serialize', 'deserialize']);
    expect(received).toEqual([{ a: 1, deserialized: true }]);
  });

  it('an unknown contentType without a constructor serializer passes the event as it is', async () => {
    const bus = await started();
    const received = collect(bus, 't');
    const event = { a: 1 };
    bus.publish('t', event, { contentType: 'yaml' });
    expect(received[0]).toBe(event);
  });

  it("the default 'json' content type uses the registered JsonSerializer even when a constructor serializer is given", async () => {
    const trace: string[] = [];
    const bus = await started({ serializer: new TracingSerializer(trace) });
    const received = collect(bus, 't');
    bus.publish('t', { a: 1 });
    expect(trace).toEqual([]);
    expect(received).toEqual([{ a: 1 }]);
  });

  it("registering 'json' replaces the default JSON serializer", async () => {
    const trace: string[] = [];
    const bus = await started();
    bus.registerSerializer('json', new TracingSerializer(trace));
    bus.publish('t', { a: 1 });
    expect(trace).toEqual(['serialize', 'deserialize']);
  });
});

describe('dead letters', () => {
  it('a crypto failure dead-letters (topic, original event), dispatches nothing and persists nothing', async () => {
    class BrokenCrypto extends CryptoModule {
      override decrypt(): unknown {
        throw new Error('bad key');
      }
    }
    const bus = await started({ crypto: new BrokenCrypto(), persist: true });
    const received = collect(bus, '#');
    const event = { a: 1 };
    bus.publish('t', event);
    expect(bus.deadLetters).toEqual([['t', event]]);
    expect(bus.deadLetters[0]?.[1]).toBe(event);
    expect(received).toEqual([]);
    expect([...bus.replay()]).toEqual([]);
  });

  it('a deserializer failure dead-letters the event', async () => {
    const bus = await started();
    bus.registerSerializer('broken', {
      serialize: (event: unknown) => event,
      deserialize: () => {
        throw new Error('truncated');
      },
    });
    bus.publish('t', 'x', { contentType: 'broken' });
    expect(bus.deadLetters).toEqual([['t', 'x']]);
  });

  it('an event JSON cannot hold is dead-lettered, not thrown', async () => {
    const bus = await started();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => bus.publish('t', cyclic)).not.toThrow();
    expect(bus.publish('t', 10n)).toBeUndefined();
    expect(bus.deadLetters.map(([topic]) => topic)).toEqual(['t', 't']);
  });

  it('JSON with a __proto__ key is refused on deserialize and dead-lettered', async () => {
    const bus = await started();
    const received = collect(bus, '#');
    bus.registerSerializer('text', { serialize: (event: unknown) => event, deserialize: (data: unknown) => data });
    bus.registerSerializer('poisoned', {
      serialize: () => '{"__proto__":{"admin":true}}',
      deserialize: (data: unknown) => new JsonSerializer().deserialize(data),
    });
    bus.publish('t', {}, { contentType: 'poisoned' });
    expect(bus.deadLetters).toHaveLength(1);
    expect(received).toEqual([]);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('a handler failure does not stop the other handlers', async () => {
    const bus = await started();
    const before = collect(bus, 't');
    bus.subscribe('t', () => {
      throw new Error('fail');
    });
    const after = collect(bus, '#');
    bus.publish('t', { a: 1 });
    expect(before).toEqual([{ a: 1 }]);
    expect(after).toEqual([{ a: 1 }]);
    expect(bus.deadLetters).toEqual([['t', { a: 1 }]]);
  });

  it('a handler failure records the event as published, not as deserialized', async () => {
    const bus = await started();
    bus.registerSerializer('wrap', { serialize: (event: unknown) => event, deserialize: (data: unknown) => ({ wrapped: data }) });
    bus.subscribe('t', () => {
      throw new Error('fail');
    });
    const event = { a: 1 };
    bus.publish('t', event, { contentType: 'wrap' });
    expect(bus.deadLetters[0]?.[1]).toBe(event);
  });

  it('each failing handler adds its own dead letter', async () => {
    const bus = await started();
    for (let i = 0; i < 2; i++) {
      bus.subscribe('t', () => {
        throw new Error('fail');
      });
    }
    bus.publish('t', 1);
    expect(bus.deadLetters).toEqual([
      ['t', 1],
      ['t', 1],
    ]);
  });

  it('an async handler that rejects is dead-lettered with its publish’s event', async () => {
    const bus = await started();
    const settled = new Promise<DeadLetteredEvent>((resolve) => bus.bus.events.once('deadLettered', resolve));
    bus.subscribe('t', async () => {
      await Promise.resolve();
      throw new Error('later');
    });
    const event = { a: 1 };
    bus.publish('t', event);
    bus.publish('other', 2);
    const deadLettered = await settled;
    expect(bus.deadLetters).toEqual([['t', event]]);
    expect(bus.deadLetters[0]?.[1]).toBe(event);
    expect(deadLettered.error.message).toBe('later');
  });

  it('every dead letter is also signalled on bus.events "deadLettered" with a coded error', async () => {
    const bus = await started();
    const signals: DeadLetteredEvent[] = [];
    bus.bus.events.on('deadLettered', (deadLettered) => signals.push(deadLettered));
    bus.registerSerializer('bad', {
      serialize: () => {
        throw new Error('bad');
      },
      deserialize: (data: unknown) => data,
    });
    bus.subscribe('h', () => {
      throw new Error('fail');
    });
    bus.publish('s', { a: 1 }, { contentType: 'bad' });
    bus.publish('h', { b: 2 });
    expect(signals.map((signal) => [signal.event.type, signal.event.data, signal.error.code])).toEqual([
      ['s', { a: 1 }, 'ENCODE_FAILED'],
      ['h', { b: 2 }, 'HANDLER_FAILED'],
    ]);
    expect(signals[1]?.subscription?.name).toBe('h');
  });
});

describe('backpressure', () => {
  it('REJECT raises whatever the queue size, because the legacy bus had no queue', async () => {
    const bus = await started({ queueSize: 1_000_000, backpressure: BackpressurePolicy.REJECT });
    const received = collect(bus, '#');
    expect(() => bus.publish('a', 1)).toThrow(/Backpressure reject/);
    expect(received).toEqual([]);
  });

  it('REJECT without a queue size does not raise', async () => {
    const bus = await started({ backpressure: BackpressurePolicy.REJECT });
    const received = collect(bus, '#');
    bus.publish('a', 1);
    expect(received).toEqual([1]);
  });

  it('DROP_OLDEST never raises and drops nothing', async () => {
    const bus = await started({ queueSize: 0, backpressure: BackpressurePolicy.DROP_OLDEST });
    const received = collect(bus, '#');
    for (let i = 0; i < 5; i++) bus.publish('a', i);
    expect(received).toEqual([0, 1, 2, 3, 4]);
  });

  it('updateConfig keeps what is null or absent', async () => {
    const bus = await started({ queueSize: 3, backpressure: BackpressurePolicy.REJECT });
    bus.updateConfig({ queueSize: null });
    expect(bus.queueSize).toBe(3);
    bus.updateConfig({});
    expect(bus.backpressure).toBe(BackpressurePolicy.REJECT);
    bus.updateConfig({ backpressure: BackpressurePolicy.DROP_OLDEST });
    expect(bus.queueSize).toBe(3);
    expect(bus.backpressure).toBe(BackpressurePolicy.DROP_OLDEST);
    expect(() => bus.publish('a', 1)).not.toThrow();
  });
});

describe('persist and replay', () => {
  it('persists (topic, raw) with raw the serialized payload after the crypto round trip', async () => {
    const bus = await started({ persist: true });
    bus.publish('p', { a: 1 });
    bus.publish('q', 'x', { contentType: null });
    const replayed = [...bus.replay()];
    expect(replayed).toHaveLength(2);
    expect(replayed[0]?.[0]).toBe('p');
    expect(new TextDecoder().decode(replayed[0]?.[1] as Uint8Array)).toBe('{"a":1}');
    expect(replayed[1]).toEqual(['q', 'x']);
  });

  it('replay is a generator and persists nothing without persist', async () => {
    const bus = await started();
    bus.publish('p', 1);
    const replay = bus.replay();
    expect(typeof replay.next).toBe('function');
    expect(replay.next().done).toBe(true);
  });

  it('replaying twice yields the same events, and changing a yielded pair does not change the store', async () => {
    const bus = await started({ persist: true });
    bus.publish('p', 1, { contentType: null });
    const first = [...bus.replay()];
    (first[0] as unknown[])[0] = 'changed';
    expect([...bus.replay()]).toEqual([['p', 1]]);
  });
});

describe('extensions', () => {
  it('registerExtension replaces an extension of the same name', async () => {
    const bus = await started();
    bus.registerExtension('physics', 1);
    bus.registerExtension('physics', 2);
    expect(bus.extensions).toEqual({ physics: 2 });
  });
});

describe('the underlying bus', () => {
  it('is public, routes with @bus/topics, and delivers envelopes to its own subscribers', async () => {
    const game = await started();
    expect(game.bus.plugins).toEqual(['topics']);
    const envelopes: EventEnvelope[] = [];
    game.bus.subscribe('zone.#', (event) => {
      envelopes.push(event);
    });
    game.publish('zone.1.player', { x: 1 });
    expect(envelopes.map((event) => [event.type, event.data])).toEqual([['zone.1.player', { x: 1 }]]);
  });

  it('takes plugins with bus.use() right after construction', async () => {
    const game = new EventBus();
    const seen: string[] = [];
    game.bus.use(
      definePlugin({
        name: 'frame-log',
        setup(kernel) {
          kernel.useDeliver('handle', function frameLog(ctx, next) {
            seen.push(ctx.event.type);
            return next();
          });
        },
      }),
    );
    await game.ready;
    const received = collect(game, '#');
    game.publish('tick', 1);
    expect(seen).toEqual(['tick']);
    expect(received).toEqual([1]);
  });
});

describe('right after construction (the bus starts itself, synchronously)', () => {
  it('a legacy program sees its publish delivered before publish returns, without awaiting anything', () => {
    const bus = new EventBus();
    const moves: unknown[] = [];
    bus.subscribe('zone.*.player', (msg) => void moves.push(msg));
    bus.publish('zone.1.player', { x: 10 });
    expect(moves).toEqual([{ x: 10 }]);
    expect(bus.bus.status).toBe('started');
  });

  it('a handler subscribed after a publish does not get that event', () => {
    const bus = new EventBus();
    const early = collect(bus, '#');
    bus.publish('a', 1);
    const late = collect(bus, '#');
    bus.publish('b', 2);
    expect(early).toEqual([1, 2]);
    expect(late).toEqual([2]);
  });

  it('plugins can still be added with bus.use() until the first publish', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.bus.use(
      definePlugin({
        name: 'spy',
        setup(kernel) {
          kernel.useDeliver('guard', (ctx, next) => {
            seen.push(ctx.event.type);
            return next();
          });
        },
      }),
    );
    collect(bus, '#');
    bus.publish('a', 1);
    expect(seen).toEqual(['a']);
  });

  it('with a plugin that starts asynchronously, events wait and are delivered in order once it has', async () => {
    const bus = new EventBus();
    bus.bus.use(
      definePlugin({ name: 'slow-start', setup: (kernel) => kernel.onStart(() => new Promise((resolve) => setTimeout(resolve, 5))) }),
    );
    const received = collect(bus, '#');
    bus.publish('a', 1);
    bus.publish('b', 2);
    expect(received).toEqual([]);
    await bus.ready;
    expect(received).toEqual([1, 2]);
    bus.publish('c', 3);
    expect(received).toEqual([1, 2, 3]);
  });

  it('serializer failures and backpressure are still decided at once', () => {
    const bus = new EventBus({ queueSize: 1, backpressure: BackpressurePolicy.REJECT });
    expect(() => bus.publish('a', 1)).toThrow(EventBusError);
    bus.updateConfig({ backpressure: BackpressurePolicy.DROP_OLDEST });
    bus.publish('a', 10n);
    expect(bus.deadLetters).toEqual([['a', 10n]]);
  });

  it('handler failures become dead letters at once', () => {
    const bus = new EventBus();
    bus.subscribe('t', () => {
      throw new Error('fail');
    });
    bus.publish('t', { a: 1 });
    expect(bus.deadLetters).toEqual([['t', { a: 1 }]]);
  });

  it('a failed start that held events is logged on options.logger even when a plugin observes "error" (kernel.observe)', async () => {
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const bus = new EventBus({ logger });
    const observed: string[] = [];
    bus.bus.use(
      definePlugin({
        name: 'refuses-to-start',
        setup(kernel) {
          kernel.observe('error', (error) => void observed.push(error.code));
          kernel.onStart(() => {
            throw new Error('no broker');
          });
        },
      }),
    );
    bus.publish('t', { a: 1 });
    await expect(bus.ready).rejects.toThrow('no broker');
    expect(observed).toContain('BUS_START_FAILED');
    expect(logger.error).toHaveBeenCalledWith(expect.objectContaining({ code: 'BUS_START_FAILED' }), expect.stringContaining('no broker'));
  });
});

describe('bad input', () => {
  it('refuses bad constructor options with EventBusError CONFIG_INVALID', () => {
    const bad: unknown[] = [
      { queueSize: -1 },
      { queueSize: 1.5 },
      { queueSize: '10' },
      { backpressure: 'block' },
      { backpressure: 'REJECT' },
      { crypto: {} },
      { crypto: 'xor' },
      { serializer: { serialize: () => 1 } },
      { persist: 'yes' },
    ];
    for (const options of bad) {
      expect(() => new EventBus(options as never), JSON.stringify(options)).toThrow(
        expect.objectContaining({ name: 'EventBusError', code: 'CONFIG_INVALID' }),
      );
    }
    expect(() => new EventBus(null as never)).toThrow(EventBusError);
  });

  it('refuses a missing or non-string topic with INVALID_EVENT', async () => {
    const bus = await started();
    for (const topic of ['', 42, null, undefined]) {
      expect(() => bus.publish(topic as never, {})).toThrow(expect.objectContaining({ code: 'INVALID_EVENT' }));
    }
    expect(bus.deadLetters).toEqual([]);
  });

  it('refuses a contentType that is neither a string nor null, and options that are not an object', async () => {
    const bus = await started();
    expect(() => bus.publish('t', {}, { contentType: 5 as never })).toThrow(expect.objectContaining({ code: 'INVALID_EVENT' }));
    expect(() => bus.publish('t', {}, 'json' as never)).toThrow(EventBusError);
  });

  it('refuses bad patterns and handlers with INVALID_SUBSCRIPTION at subscribe time, even before start', () => {
    const bus = new EventBus();
    for (const pattern of ['', 'a..b', 'a.b*', '.a', 42]) {
      expect(() => bus.subscribe(pattern as never, () => undefined), String(pattern)).toThrow(
        expect.objectContaining({ name: 'EventBusError', code: 'INVALID_SUBSCRIPTION' }),
      );
    }
    expect(() => bus.subscribe('a', 'handler' as never)).toThrow(expect.objectContaining({ code: 'INVALID_SUBSCRIPTION' }));
  });

  it('refuses serializers without both methods and empty names', async () => {
    const bus = await started();
    expect(() => bus.registerSerializer('x', {} as never)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => bus.registerSerializer('', new JsonSerializer())).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => bus.registerExtension('' as never, {})).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('updateConfig refuses bad values and then changes nothing', async () => {
    const bus = await started({ queueSize: 2, backpressure: BackpressurePolicy.DROP_OLDEST });
    expect(() => bus.updateConfig({ queueSize: 5, backpressure: 'block' as never })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
    expect(() => bus.updateConfig({ queueSize: -5, backpressure: BackpressurePolicy.REJECT })).toThrow(EventBusError);
    expect(bus.queueSize).toBe(2);
    expect(bus.backpressure).toBe(BackpressurePolicy.DROP_OLDEST);
    expect(() => {
      bus.queueSize = Number.NaN;
    }).toThrow(EventBusError);
  });

  it('batchPublish refuses events that are not an array or iterable', async () => {
    const bus = await started();
    expect(() => bus.batchPublish('t', 5 as never)).toThrow(expect.objectContaining({ code: 'INVALID_EVENT' }));
    expect(() => bus.batchPublish('t', 'abc' as never)).toThrow(EventBusError);
  });

  it('JsonSerializer.deserialize refuses what is neither bytes nor a string', () => {
    expect(() => new JsonSerializer().deserialize(42)).toThrow(expect.objectContaining({ code: 'DECODE_FAILED' }));
    expect(() => new JsonSerializer().deserialize(encoder.encode('{oops'))).toThrow(expect.objectContaining({ code: 'DECODE_FAILED' }));
  });
});
