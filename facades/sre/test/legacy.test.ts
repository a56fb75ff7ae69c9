// The legacy suite, tests/test_sre_engineer_observability_bus.py, test for test.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ObservabilityEventBus } from '../src/index.js';

describe('the legacy SRE suite', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'facade-sre-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('test_single_level_wildcard: * matches one segment', async () => {
    const bus = new ObservabilityEventBus();
    const received: [string, unknown][] = [];
    bus.subscribeWildcard('service.*.prod', (t, e) => {
      received.push([t, e]);
    });
    bus.publish('service.auth.prod', { msg: 'ok' });
    await bus.process();
    expect(received).toEqual([['service.auth.prod', { msg: 'ok' }]]);
  });

  it('test_multi_level_wildcard: # matches several segments', async () => {
    const bus = new ObservabilityEventBus();
    const received: [string, unknown][] = [];
    bus.subscribeWildcard('service.#', (t, e) => {
      received.push([t, e]);
    });
    bus.publish('service.auth.us.prod', { v: 1 });
    await bus.process();
    expect(received).toEqual([['service.auth.us.prod', { v: 1 }]]);
  });

  it('test_dead_letter_on_callback_exception: the DLQ records the topic and the error text', async () => {
    const bus = new ObservabilityEventBus();
    bus.subscribeWildcard('x.#', () => {
      throw new Error('fail');
    });
    bus.publish('x.test', { a: 1 });
    await bus.process();
    expect(bus.deadLetterQueue).toHaveLength(1);
    const entry = bus.deadLetterQueue[0];
    expect(entry && 'error' in entry ? entry.error : undefined).toBe('fail');
    expect(entry?.topic).toBe('x.test');
  });

  it('test_encryption_decryption: encrypt round-trips the event through the crypto module', async () => {
    class ReverseCrypto {
      encrypt(data: string): string {
        return [...data].reverse().join('');
      }
      decrypt(data: string): string {
        return [...data].reverse().join('');
      }
    }
    const bus = new ObservabilityEventBus();
    bus.registerCrypto(new ReverseCrypto());
    const received: [string, unknown][] = [];
    bus.subscribeWildcard('#', (t, e) => {
      received.push([t, e]);
    });
    bus.publish('a.b', { secure: 'data' }, { encrypt: true });
    await bus.process();
    expect(received).toEqual([['a.b', { secure: 'data' }]]);
  });

  it('test_backpressure_drop_oldest: a full drop_oldest queue keeps only the newest event', async () => {
    const bus = new ObservabilityEventBus({ queueSize: 1, backpressurePolicy: 'drop_oldest' });
    const received: [string, unknown][] = [];
    bus.subscribeWildcard('#', (t, e) => {
      received.push([t, e]);
    });
    bus.publish('t1', { n: 1 });
    bus.publish('t2', { n: 2 });
    await bus.process();
    expect(received).toEqual([['t2', { n: 2 }]]);
  });

  it('test_backpressure_reject: a full reject queue returns false and dead-letters the event', () => {
    const bus = new ObservabilityEventBus({ queueSize: 1, backpressurePolicy: 'reject' });
    bus.subscribeWildcard('#', () => undefined);
    const ok1 = bus.publish('x', { v: 1 });
    const ok2 = bus.publish('y', { v: 2 });
    expect(ok1).toBe(true);
    expect(ok2).toBe(false);
    expect(bus.deadLetterQueue).toHaveLength(1);
    expect(bus.deadLetterQueue[0]?.topic).toBe('y');
  });

  it('test_register_serializer: a registered serializer round-trips the event', async () => {
    class DumbSerializer {
      serialize(event: unknown): string {
        return String((event as { v: number }).v);
      }
      deserialize(data: unknown): unknown {
        return { v: Number.parseInt(String(data), 10) };
      }
    }
    const bus = new ObservabilityEventBus();
    bus.registerSerializer('dumb', new DumbSerializer());
    const received: unknown[] = [];
    bus.subscribeWildcard('#', (_t, e) => {
      received.push(e);
    });
    bus.publish('p', { v: 5 }, { serializer: 'dumb' });
    await bus.process();
    expect(received).toEqual([{ v: 5 }]);
  });

  it('test_batch_publish_and_flush: batchPublish queues; process() delivers', async () => {
    const bus = new ObservabilityEventBus({ batchSize: 2 });
    const received: unknown[] = [];
    bus.subscribeWildcard('#', (_t, e) => {
      received.push(e);
    });
    bus.batchPublish('b', { x: 1 });
    expect(received).toEqual([]);
    bus.batchPublish('b', { x: 2 });
    await bus.process();
    expect(received).toEqual([{ x: 1 }, { x: 2 }]);
  });

  it('test_update_config_runtime: a queueSize set at runtime applies to the next publish', () => {
    const bus = new ObservabilityEventBus();
    bus.updateConfigAtRuntime('queueSize', 2);
    expect(bus.config.queueSize).toBe(2);
    bus.publish('a', { k: 1 });
    bus.publish('b', { k: 2 });
    expect(() => {
      // Changing the dict directly does not change the policy (only updateConfigAtRuntime does): it still blocks.
      bus.config.backpressurePolicy = 'reject';
      bus.publish('c', { k: 3 });
    }).toThrow();
  });

  it('test_register_extension: an extension changes the event before dispatch', async () => {
    const ext = (event: unknown): unknown => {
      (event as Record<string, unknown>).ext = true;
      return event;
    };
    const bus = new ObservabilityEventBus();
    bus.registerExtension(ext);
    const received: unknown[] = [];
    bus.subscribeWildcard('#', (_t, e) => {
      received.push(e);
    });
    bus.publish('x', { v: 10 });
    await bus.process();
    expect((received[0] as Record<string, unknown>).ext).toBe(true);
  });

  it('test_persist_and_replay: the queue is written as JSON lines, read back and replayed', async () => {
    const fn = join(directory, 'test.log');
    const bus = new ObservabilityEventBus({ persistFile: fn });
    bus.subscribeWildcard('#', () => undefined);
    bus.publish('p1', { a: 1 });
    bus.publish('p2', { b: 2 });
    const rec: [string, unknown][] = [];
    const sub = (t: string, e: unknown): void => {
      rec.push([t, e]);
    };
    const events = await bus.persistAndReplay({ subscriber: sub, file: fn });
    expect(rec).toEqual([
      ['p1', { a: 1 }],
      ['p2', { b: 2 }],
    ]);
    expect(events).toEqual([
      { topic: 'p1', event: { a: 1 } },
      { topic: 'p2', event: { b: 2 } },
    ]);
  });

  it('test_cluster_deploy: the leader is the smallest node', () => {
    const bus = new ObservabilityEventBus();
    const leader = bus.clusterDeploy([3, 1, 2]);
    expect(leader).toBe(1);
    expect(bus.leader).toBe(1);
    expect(new Set(bus.clusterNodes)).toEqual(new Set([1, 2, 3]));
  });
});
