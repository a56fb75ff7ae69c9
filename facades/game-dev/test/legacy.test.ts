// The legacy suite, tests/test_game_dev_event_bus.py, test for test.
import { describe, expect, it } from 'vitest';
import { BackpressurePolicy, CryptoModule, EventBus, EventBusError, JsonSerializer, Serializer } from '../src/index.js';

describe('the legacy game-dev suite', () => {
  it('test_wildcard_subscriptions: * matches one segment, # the rest including none', async () => {
    const bus = new EventBus();
    await bus.ready;
    const received: unknown[] = [];
    const handler = (msg: unknown): void => {
      received.push(msg);
    };

    bus.subscribe('zone.*.player', handler);
    bus.publish('zone.1.player', { x: 10 });
    bus.publish('zone.1.npc', { y: 5 });
    bus.publish('zone.2.player', { z: 7 });

    expect(received).toContainEqual({ x: 10 });
    expect(received).toContainEqual({ z: 7 });
    expect(received.every((item) => typeof item === 'object' && item !== null && !Array.isArray(item))).toBe(true);
    expect(received).toHaveLength(2);

    received.length = 0;
    bus.subscribe('global.#', handler);
    bus.publish('global', { a: 1 });
    bus.publish('global.lobby', { b: 2 });
    bus.publish('global.lobby.chat', { c: 3 });
    expect(received).toContainEqual({ a: 1 });
    expect(received).toContainEqual({ b: 2 });
    expect(received).toContainEqual({ c: 3 });
  });

  it('test_dead_letter_on_malformed_serializer: a throwing serializer dead-letters (topic, event)', async () => {
    class BadSerializer extends Serializer {
      serialize(): unknown {
        throw new Error('bad');
      }
      deserialize(data: unknown): unknown {
        return data;
      }
    }
    const bus = new EventBus();
    await bus.ready;
    bus.registerSerializer('bad', new BadSerializer());
    bus.publish('topic', { x: 1 }, { contentType: 'bad' });
    expect(bus.deadLetters).toHaveLength(1);
    const [topic, event] = bus.deadLetters[0] ?? [];
    expect(topic).toBe('topic');
    expect(event).toEqual({ x: 1 });
  });

  it('test_dead_letter_on_handler_exception: a throwing handler dead-letters (topic, event)', async () => {
    const bus = new EventBus();
    await bus.ready;
    bus.subscribe('t.#', () => {
      throw new Error('fail');
    });
    bus.publish('t.1', { foo: 'bar' });
    expect(bus.deadLetters).toHaveLength(1);
    const [topic, event] = bus.deadLetters[0] ?? [];
    expect(topic).toBe('t.1');
    expect(event).toEqual({ foo: 'bar' });
  });

  it('test_encryption_module: a reversing crypto module round-trips bytes and JSON events', async () => {
    class RevCrypto extends CryptoModule {
      override encrypt(data: Uint8Array): Uint8Array {
        return data.slice().reverse();
      }
      override decrypt(data: Uint8Array): Uint8Array {
        return data.slice().reverse();
      }
    }
    const raw = new EventBus({ crypto: new RevCrypto() });
    await raw.ready;
    const rawReceived: unknown[] = [];
    raw.subscribe('enc.*', (msg) => {
      rawReceived.push(msg);
    });
    raw.publish('enc.test', new TextEncoder().encode('hello'), { contentType: null });
    expect(rawReceived).toEqual([new TextEncoder().encode('hello')]);

    const bus = new EventBus({ crypto: new RevCrypto(), serializer: new JsonSerializer() });
    await bus.ready;
    const received: unknown[] = [];
    bus.subscribe('enc.*', (msg) => {
      received.push(msg);
    });
    bus.publish('enc.test', { k: 'v' });
    expect(received).toEqual([{ k: 'v' }]);
  });

  it('test_backpressure_reject: REJECT with a queue size raises EventBusError', async () => {
    const bus = new EventBus({ queueSize: 0, backpressure: BackpressurePolicy.REJECT });
    await bus.ready;
    expect(() => bus.publish('any', { x: 1 })).toThrow(EventBusError);
  });

  it('test_backpressure_drop_oldest: DROP_OLDEST never raises', async () => {
    const bus = new EventBus({ queueSize: 0, backpressure: BackpressurePolicy.DROP_OLDEST });
    await bus.ready;
    expect(() => bus.publish('a', { x: 1 })).not.toThrow();
    expect(() => bus.publish('a', { y: 2 })).not.toThrow();
    expect(bus.queueSize).toBe(0);
  });

  it('test_register_serializer_and_usage: ser gets the event, deser gets its output, handlers get deser’s result', async () => {
    const bus = new EventBus();
    await bus.ready;
    const calls: [string, unknown][] = [];
    const x = new TextEncoder().encode('X');
    class DummySer extends Serializer {
      serialize(event: unknown): Uint8Array {
        calls.push(['ser', event]);
        return x;
      }
      deserialize(data: unknown): unknown {
        calls.push(['deser', data]);
        return { ok: true };
      }
    }
    bus.registerSerializer('dummy', new DummySer());
    const out: unknown[] = [];
    bus.subscribe('d.#', (msg) => {
      out.push(msg);
    });
    bus.publish('d.1', { foo: 'bar' }, { contentType: 'dummy' });
    expect(calls).toContainEqual(['ser', { foo: 'bar' }]);
    expect(calls).toContainEqual(['deser', x]);
    expect(out).toEqual([{ ok: true }]);
  });

  it('test_batch_publish_and_persist_replay: a batch is delivered and persisted in order', async () => {
    const bus = new EventBus({ persist: true });
    await bus.ready;
    const out: unknown[] = [];
    bus.subscribe('b.#', (msg) => {
      out.push(msg);
    });
    const events = [{ i: 1 }, { i: 2 }, { i: 3 }];
    bus.batchPublish('b.test', events);
    expect(out).toEqual(events);
    const persisted = [...bus.replay()];
    expect(persisted).toHaveLength(3);
    expect(persisted.every(([topic]) => topic === 'b.test')).toBe(true);
  });

  it('test_update_config_runtime: updateConfig changes queueSize and backpressure', async () => {
    const bus = new EventBus({ queueSize: 1, backpressure: BackpressurePolicy.REJECT });
    await bus.ready;
    bus.updateConfig({ queueSize: 0, backpressure: BackpressurePolicy.DROP_OLDEST });
    expect(bus.queueSize).toBe(0);
    expect(bus.backpressure).toBe(BackpressurePolicy.DROP_OLDEST);
  });

  it('test_register_extension: registerExtension stores the extension by name', async () => {
    const bus = new EventBus();
    await bus.ready;
    class Ext {}
    const e = new Ext();
    bus.registerExtension('myext', e);
    expect(bus.extensions.myext).toBe(e);
  });
});
