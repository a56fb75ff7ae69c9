import { BusError, type DroppedEvent, definePlugin, type EventEnvelope } from '@bus/core';
import { describe, expect, it, vi } from 'vitest';
import { Event, EventBus } from '../src/architect.js';

/** The legacy tests' DummyCrypto. */
const dummyCrypto = {
  encrypt: (data: unknown) => `enc(${String(data)})`,
};

/** The legacy tests' JsonSerializer. */
const compactSerializer = {
  serialize: (event: Event) => `${event.id}:${String(event.payload)}`,
};

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('legacy tests (test_healthcare_architect_event_bus.py)', () => {
  it('subscribe wildcard star: device.*.ward1 gets device.sensor.ward1', async () => {
    const bus = new EventBus();
    const results: string[] = [];
    bus.subscribeWildcard('device.*.ward1', (ev) => void results.push(ev.id));
    const ev = new Event('1', 'data', 'device.sensor.ward1');
    await bus.publish(ev, ev.routingKey);
    expect(results).toEqual(['1']);
  });

  it('subscribe wildcard hash: # gets every topic', async () => {
    const bus = new EventBus();
    const results: string[] = [];
    bus.subscribeWildcard('#', (ev) => void results.push(ev.id));
    const ev1 = new Event('1', 'd1', 'a.b.c');
    const ev2 = new Event('2', 'd2', 'x.y');
    await bus.publish(ev1, ev1.routingKey);
    await bus.publish(ev2, ev2.routingKey);
    expect(results).toEqual(['1', '2']);
  });

  it('routes an event with a missing payload to the dead-letter queue', async () => {
    const bus = new EventBus();
    const ev = new Event('1', null, 'a.b');
    await bus.publish(ev, ev.routingKey);
    expect(bus.deadLetterQueue).toHaveLength(1);
    expect(bus.deadLetterQueue[0]?.reason).toBe('missing_payload');
  });

  it('routes an event whose handler throws to the dead-letter queue', async () => {
    const bus = new EventBus();
    bus.subscribeWildcard('#', () => {
      throw new Error('fail');
    });
    const ev = new Event('1', 'data', 'a.b');
    await bus.publish(ev, ev.routingKey);
    expect(bus.deadLetterQueue).toHaveLength(1);
    expect(bus.deadLetterQueue[0]?.reason).toBe('handler_exception');
  });

  it('encrypts the payload before the handlers see it', async () => {
    const bus = new EventBus();
    bus.registerCryptoModule(dummyCrypto);
    const results: unknown[] = [];
    bus.subscribeWildcard('#', (ev) => void results.push(ev.payload));
    const ev = new Event('1', 'secret', 'a.b');
    await bus.publish(ev, ev.routingKey);
    expect(results).toEqual(['enc(secret)']);
  });

  it('applies backpressure drop_oldest: keeps the newest events', async () => {
    const bus = new EventBus();
    bus.applyBackpressure(2, 'drop_oldest');
    for (const ev of [new Event('1', 'd1', 'a.b'), new Event('2', 'd2', 'a.b'), new Event('3', 'd3', 'a.b')]) {
      await bus.publish(ev, ev.routingKey);
    }
    expect(bus.queue.map((e) => e.id)).toEqual(['2', '3']);
  });

  it('applies backpressure reject: keeps the first events', async () => {
    const bus = new EventBus();
    bus.applyBackpressure(2, 'reject');
    for (const ev of [new Event('1', 'd1', 'a.b'), new Event('2', 'd2', 'a.b'), new Event('3', 'd3', 'a.b')]) {
      await bus.publish(ev, ev.routingKey);
    }
    expect(bus.queue.map((e) => e.id)).toEqual(['1', '2']);
  });

  it('registers a serializer and serializes with it; an unknown name throws', () => {
    const bus = new EventBus();
    bus.registerSerializer('json', compactSerializer);
    const ev = new Event('1', 'data', 'x.y');
    expect(bus.serialize('json', ev)).toBe('1:data');
    const error = caught(() => bus.serialize('xml', ev));
    expect(error).toBeInstanceOf(BusError);
    expect(error).toMatchObject({ code: 'ENCODE_FAILED', message: "Serializer 'xml' not found", eventId: '1' });
  });

  it('batch publishes events in order', async () => {
    const bus = new EventBus();
    const results: string[] = [];
    bus.subscribeWildcard('#', (ev) => void results.push(ev.id));
    await bus.batchPublish([0, 1, 2].map((i) => new Event(String(i), `d${i}`, 'a.b')));
    expect(results).toEqual(['0', '1', '2']);
  });

  it('updates the config at runtime', () => {
    const bus = new EventBus();
    bus.updateConfigAtRuntime({ backpressureLimit: 5, backpressurePolicy: 'reject', timeout: 30 });
    expect(bus.backpressureLimit).toBe(5);
    expect(bus.backpressurePolicy).toBe('reject');
    expect(bus.config.timeout).toBe(30);
  });

  it('deploys a cluster: the first node leads, every node has the queue', async () => {
    const bus = new EventBus();
    const ev = new Event('1', 'data', 'a.b');
    await bus.publish(ev, ev.routingKey);
    bus.clusterDeploy(['node1', 'node2']);
    expect(bus.cluster?.leader).toBe('node1');
    expect(bus.cluster?.replicatedStores).toHaveProperty('node1');
    expect(bus.cluster?.replicatedStores.node2?.[0]?.id).toBe('1');
  });

  it('persists and replays, from a start index', async () => {
    const bus = new EventBus();
    const ev1 = new Event('1', 'd1', 'a.b');
    const ev2 = new Event('2', 'd2', 'a.b');
    await bus.publish(ev1, ev1.routingKey);
    await bus.publish(ev2, ev2.routingKey);
    expect(bus.persistAndReplay()).toHaveLength(2);
    const oneEvent = bus.persistAndReplay({ startIndex: 1 });
    expect(oneEvent).toHaveLength(1);
    expect(oneEvent[0]?.id).toBe('2');
  });

  it('runs extensions that modify the event before the handlers', async () => {
    const bus = new EventBus();
    bus.registerExtension((ev) => {
      ev.payload = String(ev.payload).toUpperCase();
      return ev;
    });
    const results: unknown[] = [];
    bus.subscribeWildcard('#', (ev) => void results.push(ev.payload));
    const ev = new Event('1', 'lower', 'a.b');
    await bus.publish(ev, ev.routingKey);
    expect(results).toEqual(['LOWER']);
  });
});

describe('wildcard routing (the legacy matcher)', () => {
  async function matches(pattern: string, topics: string[]): Promise<string[]> {
    const bus = new EventBus();
    const got: string[] = [];
    bus.subscribeWildcard(pattern, (ev) => void got.push(ev.routingKey));
    for (const [i, topic] of topics.entries()) await bus.publish(new Event(`e${i}`, 'x', topic), topic);
    return got;
  }

  it('# matches zero or more words: global.# matches global', async () => {
    expect(await matches('global.#', ['global', 'global.a', 'global.a.b', 'globalx'])).toEqual(['global', 'global.a', 'global.a.b']);
  });

  it('* matches exactly one word', async () => {
    expect(await matches('lab.*', ['lab', 'lab.glucose', 'lab.glucose.result'])).toEqual(['lab.glucose']);
  });

  it('every topic word must be used up: a.b does not match a.b.c', async () => {
    expect(await matches('a.b', ['a.b', 'a.b.c', 'a'])).toEqual(['a.b']);
  });

  it('ignores the words after a #, as the legacy matcher did: lab.#.critical matches lab.glucose', async () => {
    expect(await matches('lab.#.critical', ['lab', 'lab.glucose', 'ward.critical'])).toEqual(['lab', 'lab.glucose']);
  });

  it('returns a subscription whose unsubscribe() stops delivery', async () => {
    const bus = new EventBus();
    const got: string[] = [];
    const subscription = bus.subscribeWildcard('#', (ev) => void got.push(ev.id));
    await bus.publish(new Event('1', 'x', 'a'), 'a');
    await subscription.unsubscribe();
    await bus.publish(new Event('2', 'x', 'a'), 'a');
    expect(got).toEqual(['1']);
  });
});

describe('publish, in the legacy order', () => {
  it('dead-letters a missing payload before backpressure: it takes no queue slot', async () => {
    const bus = new EventBus();
    bus.applyBackpressure(1, 'reject');
    await bus.publish(new Event('1', undefined, 'a'), 'a');
    await bus.publish(new Event('2', 'x', 'a'), 'a');
    expect(bus.queue.map((e) => e.id)).toEqual(['2']);
    expect(bus.deadLetterQueue.map((letter) => [letter.event.id, letter.reason])).toEqual([['1', 'missing_payload']]);
  });

  it('applies backpressure before encrypting: a rejected event is not encrypted', async () => {
    const bus = new EventBus();
    const encrypted: unknown[] = [];
    bus.registerCryptoModule({
      encrypt: (payload) => {
        encrypted.push(payload);
        return `enc(${String(payload)})`;
      },
    });
    bus.applyBackpressure(1, 'reject');
    await bus.publish(new Event('1', 'a', 't'), 't');
    const rejected = new Event('2', 'b', 't');
    await bus.publish(rejected, 't');
    expect(encrypted).toEqual(['a']);
    expect(rejected.payload).toBe('b');
  });

  it('queues and persists the encrypted payload, and extensions see it before the handlers', async () => {
    const bus = new EventBus();
    const steps: string[] = [];
    bus.registerCryptoModule(dummyCrypto);
    bus.registerExtension((ev) => {
      steps.push(`extension saw ${String(ev.payload)}; queued ${bus.queue.length}, persisted ${bus.persistAndReplay().length}`);
    });
    bus.subscribeWildcard('#', (ev) => void steps.push(`handler saw ${String(ev.payload)}`));
    await bus.publish(new Event('1', 'phi', 'a'), 'a');
    expect(steps).toEqual(['extension saw enc(phi); queued 1, persisted 1', 'handler saw enc(phi)']);
    expect(bus.queue[0]?.payload).toBe('enc(phi)');
  });

  it('awaits a crypto module that returns a promise', async () => {
    const bus = new EventBus();
    bus.registerCryptoModule({ encrypt: async (payload) => `sealed(${String(payload)})` });
    const seen: unknown[] = [];
    bus.subscribeWildcard('#', (ev) => void seen.push(ev.payload));
    await bus.publish(new Event('1', 'phi', 'a'), 'a');
    expect(seen).toEqual(['sealed(phi)']);
  });

  it('passes the event to the crypto module, so a cipher can bind to its id', async () => {
    const bus = new EventBus();
    bus.registerCryptoModule({ encrypt: (payload, event) => `${event.id}/${event.routingKey}:${String(payload)}` });
    const ev = new Event('lab-1', 'x', 'lab.result');
    await bus.publish(ev, 'lab.result');
    expect(ev.payload).toBe('lab-1/lab.result:x');
  });

  it('dead-letters an event whose encryption fails, and never delivers it in plaintext', async () => {
    const bus = new EventBus();
    bus.registerCryptoModule({
      encrypt: () => {
        throw new Error('KMS down');
      },
    });
    const seen: unknown[] = [];
    bus.subscribeWildcard('#', (ev) => void seen.push(ev.payload));
    await bus.publish(new Event('1', 'phi', 'a'), 'a');
    expect(seen).toEqual([]);
    expect(bus.queue).toEqual([]);
    expect(bus.persistAndReplay()).toEqual([]);
    const letter = bus.deadLetterQueue[0];
    expect(letter?.reason).toBe('encryption_failed');
    expect(letter?.error).toMatchObject({ code: 'ENCODE_FAILED', eventId: '1', message: 'KMS down', cause: { message: 'KMS down' } });
  });

  it('gives handlers the very event object that was queued', async () => {
    const bus = new EventBus();
    const seen: Event[] = [];
    bus.subscribeWildcard('#', (ev) => void seen.push(ev));
    const ev = new Event('1', { glucose: 7.2 }, 'lab.glucose');
    await bus.publish(ev, ev.routingKey);
    expect(seen[0]).toBe(ev);
    expect(bus.queue[0]).toBe(ev);
  });

  it('publishes to the topic given, while the handler sees the event routing key', async () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.subscribeWildcard('audit.#', (ev) => void seen.push(`${ev.id} ${ev.routingKey}`));
    await bus.publish(new Event('1', 'x', 'lab.glucose'), 'audit.lab');
    expect(seen).toEqual(['1 lab.glucose']);
  });

  it('ignores extension errors, as the legacy bus did, and reports them on bus.events "error"', async () => {
    const bus = new EventBus();
    const errors: BusError[] = [];
    bus.bus.events.on('error', (error) => void errors.push(error));
    bus.registerExtension(function brokenStamp() {
      throw new Error('no ward');
    });
    const seen: string[] = [];
    bus.subscribeWildcard('#', (ev) => void seen.push(ev.id));
    await bus.publish(new Event('1', 'x', 'a'), 'a');
    expect(seen).toEqual(['1']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'HANDLER_FAILED', eventId: '1', message: 'no ward', details: { extension: 'brokenStamp' } });
  });
});

describe('synchronous steps', () => {
  it('queues, persists, runs extensions and handlers before publish returns, once the bus has started', async () => {
    const bus = new EventBus();
    const steps: string[] = [];
    bus.registerCryptoModule(dummyCrypto);
    bus.registerExtension((ev) => void steps.push(`extension ${ev.id}`));
    bus.subscribeWildcard('#', (ev) => void steps.push(`handler ${ev.id}`));
    await bus.publish(new Event('1', 'x', 'a'), 'a'); // starts the bus
    const pending = bus.publish(new Event('2', 'y', 'a'), 'a');
    expect(steps).toEqual(['extension 1', 'handler 1', 'extension 2', 'handler 2']);
    expect(bus.queue.map((e) => e.payload)).toEqual(['enc(x)', 'enc(y)']);
    await pending;
  });

  it('awaits an extension that returns a promise before the handlers run, and reports its rejection', async () => {
    const bus = new EventBus();
    const errors: BusError[] = [];
    bus.bus.events.on('error', (error) => void errors.push(error));
    bus.registerExtension(async (ev) => {
      await Promise.resolve();
      ev.payload = 'stamped';
    });
    bus.registerExtension(async () => {
      throw new Error('async extension failed');
    });
    const seen: unknown[] = [];
    bus.subscribeWildcard('#', (ev) => void seen.push(ev.payload));
    await bus.publish(new Event('1', 'x', 'a'), 'a');
    expect(seen).toEqual(['stamped']);
    expect(errors.map((error) => error.message)).toEqual(['async extension failed']);
  });
});

describe('dead letters from handlers', () => {
  it('dead-letters the failing handler only; the others still get the event', async () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.subscribeWildcard('#', (ev) => void seen.push(`first ${ev.id}`));
    bus.subscribeWildcard('a.*', () => {
      throw new Error('fail');
    });
    bus.subscribeWildcard('a.#', (ev) => void seen.push(`third ${ev.id}`));
    const ev = new Event('1', 'x', 'a.b');
    await bus.publish(ev, 'a.b');
    expect(seen).toEqual(['first 1', 'third 1']);
    expect(bus.deadLetterQueue).toHaveLength(1);
    expect(bus.deadLetterQueue[0]?.event).toBe(ev);
    expect(bus.deadLetterQueue[0]?.error).toMatchObject({ code: 'HANDLER_FAILED', eventId: '1', message: 'fail' });
  });

  it('dead-letters a handler whose promise rejects, before publish resolves', async () => {
    const bus = new EventBus();
    bus.subscribeWildcard('#', async () => {
      await Promise.resolve();
      throw new Error('async fail');
    });
    await bus.publish(new Event('1', 'x', 'a'), 'a');
    expect(bus.deadLetterQueue.map((letter) => letter.reason)).toEqual(['handler_exception']);
  });
});

describe('backpressure', () => {
  it('drops silently under reject: no error, no dead letter', async () => {
    const bus = new EventBus();
    bus.applyBackpressure(1, 'reject');
    await bus.publish(new Event('1', 'x', 'a'), 'a');
    await expect(bus.publish(new Event('2', 'x', 'a'), 'a')).resolves.toBeUndefined();
    expect(bus.deadLetterQueue).toEqual([]);
    expect(bus.persistAndReplay().map((e) => e.id)).toEqual(['1']);
  });

  it('does not deliver a rejected event', async () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.subscribeWildcard('#', (ev) => void seen.push(ev.id));
    bus.applyBackpressure(1, 'reject');
    await bus.publish(new Event('1', 'x', 'a'), 'a');
    await bus.publish(new Event('2', 'x', 'a'), 'a');
    expect(seen).toEqual(['1']);
  });

  it('reports every drop on bus.events "dropped" as BACKPRESSURE_REJECTED', async () => {
    const bus = new EventBus();
    const dropped: DroppedEvent[] = [];
    bus.bus.events.on('dropped', (drop) => void dropped.push(drop));
    bus.applyBackpressure(1, 'drop_oldest');
    await bus.publish(new Event('1', 'x', 'a.one'), 'a.one');
    await bus.publish(new Event('2', 'y', 'a.two'), 'a.two');
    bus.updateConfigAtRuntime({ backpressurePolicy: 'reject' });
    await bus.publish(new Event('3', 'z', 'a.three'), 'a.three');
    expect(dropped.map(({ event, error }) => [event.id, event.type, event.data, error.code])).toEqual([
      ['1', 'a.one', 'x', 'BACKPRESSURE_REJECTED'],
      ['3', 'a.three', 'z', 'BACKPRESSURE_REJECTED'],
    ]);
  });

  it('warns of a drop and logs an extension failure on options.logger when a plugin only observes them (kernel.observe)', async () => {
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const bus = new EventBus({ logger });
    const observed: string[] = [];
    bus.bus.use(
      definePlugin({
        name: 'counter',
        setup(kernel) {
          kernel.observe('dropped', ({ error }) => void observed.push(error.code));
          kernel.observe('error', (error) => void observed.push(error.code));
        },
      }),
    );
    bus.registerExtension(function broken() {
      throw new Error('extension down');
    });
    bus.applyBackpressure(1, 'reject');
    await bus.publish(new Event('1', 'x', 'a.one'), 'a.one');
    await bus.publish(new Event('2', 'y', 'a.two'), 'a.two');
    expect(observed).toEqual(['HANDLER_FAILED', 'BACKPRESSURE_REJECTED']);
    expect(logger.error).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'HANDLER_FAILED', eventId: '1' }),
      expect.stringContaining('extension down'),
    );
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'BACKPRESSURE_REJECTED', eventId: '2' }),
      expect.stringContaining('dropped event 2'),
    );
  });

  it('keeps evicted events in the persisted log (drop_oldest bounds the queue only)', async () => {
    const bus = new EventBus();
    bus.applyBackpressure(1, 'drop_oldest');
    await bus.publish(new Event('1', 'x', 'a'), 'a');
    await bus.publish(new Event('2', 'x', 'a'), 'a');
    expect(bus.queue.map((e) => e.id)).toEqual(['2']);
    expect(bus.persistAndReplay().map((e) => e.id)).toEqual(['1', '2']);
  });

  it('binds a limit only together with a policy, as the legacy bus did', async () => {
    const bus = new EventBus();
    bus.updateConfigAtRuntime({ backpressureLimit: 1 });
    await bus.publish(new Event('1', 'x', 'a'), 'a');
    await bus.publish(new Event('2', 'x', 'a'), 'a');
    expect(bus.queue).toHaveLength(2);
    bus.backpressurePolicy = 'drop_oldest';
    await bus.publish(new Event('3', 'x', 'a'), 'a');
    expect(bus.queue.map((e) => e.id)).toEqual(['3']);
  });

  it('keeps options left out of updateConfigAtRuntime', () => {
    const bus = new EventBus();
    bus.applyBackpressure(3, 'drop_oldest');
    bus.updateConfigAtRuntime({ timeout: 5 });
    expect([bus.backpressureLimit, bus.backpressurePolicy, bus.config]).toEqual([3, 'drop_oldest', { timeout: 5 }]);
  });

  it('limit 0 with reject keeps nothing', async () => {
    const bus = new EventBus();
    bus.applyBackpressure(0, 'reject');
    await bus.publish(new Event('1', 'x', 'a'), 'a');
    expect(bus.queue).toEqual([]);
  });
});

describe('cluster, replay, serializers', () => {
  it('gives every node its own copy of the queue, which later publishes do not change', async () => {
    const bus = new EventBus();
    await bus.publish(new Event('1', 'x', 'a'), 'a');
    const cluster = bus.clusterDeploy(['n1', 'n2']);
    await bus.publish(new Event('2', 'x', 'a'), 'a');
    expect(cluster).toBe(bus.cluster);
    expect(cluster.replicatedStores.n1).not.toBe(cluster.replicatedStores.n2);
    expect(cluster.replicatedStores.n1?.map((e) => e.id)).toEqual(['1']);
  });

  it('has no leader for no nodes, and no cluster before clusterDeploy', () => {
    const bus = new EventBus();
    expect(bus.cluster).toBeUndefined();
    expect(bus.clusterDeploy([])).toEqual({ leader: undefined, replicatedStores: {} });
  });

  it('keeps a node named __proto__ as a plain key', () => {
    const bus = new EventBus();
    const cluster = bus.clusterDeploy(['__proto__']);
    expect(Object.keys(cluster.replicatedStores)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(cluster.replicatedStores)).toBe(Object.prototype);
  });

  it('replays from a negative start index like a Python slice', async () => {
    const bus = new EventBus();
    await bus.batchPublish(['1', '2', '3'].map((id) => new Event(id, 'x', 'a')));
    expect(bus.persistAndReplay({ startIndex: -1 }).map((e) => e.id)).toEqual(['3']);
    expect(bus.persistAndReplay({ startIndex: 10 })).toEqual([]);
  });

  it('batch publishes each event to its own routing key', async () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.subscribeWildcard('lab.*', (ev) => void seen.push(`lab ${ev.id}`));
    bus.subscribeWildcard('adt.#', (ev) => void seen.push(`adt ${ev.id}`));
    await bus.batchPublish([new Event('1', 'x', 'lab.glucose'), new Event('2', 'x', 'adt.admit.icu'), new Event('3', 'x', 'other')]);
    expect(seen).toEqual(['lab 1', 'adt 2']);
  });

  it('wraps a failing serializer in ENCODE_FAILED with the cause', () => {
    const bus = new EventBus();
    const cause = new Error('cannot serialize');
    bus.registerSerializer('broken', {
      serialize: () => {
        throw cause;
      },
    });
    expect(caught(() => bus.serialize('broken', new Event('1', 'x', 'a')))).toMatchObject({ code: 'ENCODE_FAILED', eventId: '1', cause });
  });
});

describe('the bus underneath', () => {
  it('delivers through bus.bus: envelopes carry the event id, the topic, the payload and the routing key', async () => {
    const bus = new EventBus();
    const envelopes: EventEnvelope[] = [];
    bus.bus.subscribe('lab.#', (envelope) => void envelopes.push(envelope));
    await bus.publish(new Event('lab-1', { glucose: 7.2 }, 'lab.glucose.result'), 'lab.glucose.result');
    expect(envelopes).toHaveLength(1);
    expect(envelopes[0]).toMatchObject({
      id: 'lab-1',
      type: 'lab.glucose.result',
      source: 'healthcare-architect',
      data: { glucose: 7.2 },
      routingkey: 'lab.glucose.result',
    });
  });

  it('runs plugins added with bus.use() before the first publish', async () => {
    const bus = new EventBus();
    const tapped: string[] = [];
    bus.bus.use(
      definePlugin({
        name: 'tap',
        setup(kernel) {
          kernel.usePublish('enrich', (ctx, next) => {
            tapped.push(ctx.envelope.id);
            return next();
          });
        },
      }),
    );
    await bus.publish(new Event('1', 'x', 'a'), 'a');
    expect(tapped).toEqual(['1']);
    expect(bus.bus.status).toBe('started');
  });

  it('gives handlers a rebuilt event when a plugin replaced the data', async () => {
    const bus = new EventBus();
    bus.bus.use(
      definePlugin({
        name: 'redact',
        setup(kernel) {
          kernel.usePublish('enrich', (ctx, next) => {
            ctx.envelope = { ...ctx.envelope, data: '[redacted]' };
            return next();
          });
        },
      }),
    );
    const seen: Event[] = [];
    bus.subscribeWildcard('#', (ev) => void seen.push(ev));
    await bus.publish(new Event('1', 'phi', 'lab.glucose'), 'lab.glucose');
    expect(seen[0]).toBeInstanceOf(Event);
    expect({ ...seen[0] }).toEqual({ id: '1', payload: '[redacted]', routingKey: 'lab.glucose' });
  });

  it('dead-letters failures of subscriptions made on bus.bus too', async () => {
    const bus = new EventBus();
    bus.bus.subscribe('a', () => {
      throw new Error('fail');
    });
    await bus.publish(new Event('1', 'x', 'a'), 'a');
    expect(bus.deadLetterQueue.map((letter) => [letter.event.id, letter.reason])).toEqual([['1', 'handler_exception']]);
  });

  it('rejects publish with BUS_STOPPED once the bus was stopped', async () => {
    const bus = new EventBus();
    await bus.publish(new Event('1', 'x', 'a'), 'a');
    await bus.bus.stop();
    await expect(bus.publish(new Event('2', 'x', 'a'), 'a')).rejects.toMatchObject({ code: 'BUS_STOPPED' });
  });
});

describe('bad input', () => {
  it('refuses an event without a string id, or an empty topic, with INVALID_EVENT', async () => {
    const bus = new EventBus();
    await expect(bus.publish({ id: 7, payload: 'x', routingKey: 'a' } as unknown as Event, 'a')).rejects.toMatchObject({
      code: 'INVALID_EVENT',
    });
    await expect(bus.publish(null as unknown as Event, 'a')).rejects.toMatchObject({ code: 'INVALID_EVENT' });
    await expect(bus.publish(new Event('1', 'x', 'a'), '')).rejects.toMatchObject({ code: 'INVALID_EVENT', eventId: '1' });
    await expect(bus.publish(new Event('1', 'x', 42 as unknown as string), 'a')).rejects.toMatchObject({ code: 'INVALID_EVENT' });
    expect(bus.queue).toEqual([]);
  });

  it('refuses invalid patterns and handlers with INVALID_SUBSCRIPTION', () => {
    const bus = new EventBus();
    for (const pattern of ['a..b', 'lab.gluc*', '', 42 as unknown as string]) {
      expect(caught(() => bus.subscribeWildcard(pattern, () => undefined))).toMatchObject({ code: 'INVALID_SUBSCRIPTION' });
    }
    expect(caught(() => bus.subscribeWildcard('#', 'nope' as never))).toMatchObject({ code: 'INVALID_SUBSCRIPTION' });
  });

  it('refuses bad backpressure settings with CONFIG_INVALID and keeps the old ones', () => {
    const bus = new EventBus();
    bus.applyBackpressure(2, 'reject');
    expect(caught(() => bus.applyBackpressure(-1, 'reject'))).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(caught(() => bus.applyBackpressure(1.5, 'reject'))).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(caught(() => bus.applyBackpressure(1, 'block' as never))).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(caught(() => bus.updateConfigAtRuntime({ backpressureLimit: 1, backpressurePolicy: 'drop_newest' as never }))).toMatchObject({
      code: 'CONFIG_INVALID',
    });
    expect(caught(() => bus.updateConfigAtRuntime({ backpressureLimit: 1, timeout: -5 }))).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(caught(() => (bus.backpressureLimit = Number.NaN))).toMatchObject({ code: 'CONFIG_INVALID' });
    expect([bus.backpressureLimit, bus.backpressurePolicy, bus.config.timeout]).toEqual([2, 'reject', undefined]);
  });

  it('refuses malformed crypto modules, serializers and extensions with CONFIG_INVALID', () => {
    const bus = new EventBus();
    expect(caught(() => bus.registerCryptoModule({} as never))).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(caught(() => bus.registerSerializer('json', { serialise: () => '' } as never))).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(caught(() => bus.registerExtension('upper' as never))).toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('refuses a string of nodes, and a fractional start index, with CONFIG_INVALID', () => {
    const bus = new EventBus();
    expect(caught(() => bus.clusterDeploy('node1' as never))).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(caught(() => bus.clusterDeploy([1, 2] as never))).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(caught(() => bus.persistAndReplay({ startIndex: 0.5 }))).toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('refuses a batch that is not a list with INVALID_EVENT', async () => {
    const bus = new EventBus();
    await expect(bus.batchPublish(42 as never)).rejects.toMatchObject({ code: 'INVALID_EVENT' });
  });
});
