// The 11 tests of tests/test_data_engineer_pipeline.py, one `it` each, in order.
import { afterEach, describe, expect, it } from 'vitest';
import { ETLPipeline, type ETLSerializer, type Extension } from '../src/index.js';

class DummySerializer implements ETLSerializer {
  serialize(data: unknown): string {
    return `<serialized>${String(data)}</serialized>`;
  }
  deserialize(data: unknown): string {
    return String(data).replace('<serialized>', '').replace('</serialized>', '');
  }
}

const pipelines: ETLPipeline[] = [];
function newPipeline(): ETLPipeline {
  const pipeline = new ETLPipeline();
  pipelines.push(pipeline);
  return pipeline;
}
afterEach(async () => {
  await Promise.all(pipelines.splice(0).map((pipeline) => pipeline.stop()));
});

describe('the legacy data-engineer pipeline suite', () => {
  it('report health initial', () => {
    const health = newPipeline().reportHealth();
    expect(health.consumerLag).toBe(0);
    expect(health.threadPoolUsage).toBe(0);
    expect(health.handlerCounts).toEqual({});
  });

  it('register serializer', () => {
    const p = newPipeline();
    const serializer = new DummySerializer();
    p.registerSerializer('dummy', serializer);
    expect('dummy' in p.serializerRegistry).toBe(true);
    expect(p.serializerRegistry.dummy).toBe(serializer);
  });

  it('propagate context', () => {
    const p = newPipeline();
    const context = { trace_id: 123 };
    const wrapped = p.propagateContext((merged) => merged, context);
    const result = wrapped(1, { key: 'value' });
    expect(result.context).toBe(context);
    expect(result.args).toEqual([1]);
    expect(result.kwargs).toEqual({ key: 'value' });
  });

  it('persist events', () => {
    const p = newPipeline();
    p.persistEvents({ id: 1 }, { processed: true });
    expect(p.eventStore.raw).toEqual([{ id: 1 }]);
    expect(p.eventStore.processed).toEqual([{ processed: true }]);
  });

  it('publish sync', () => {
    const p = newPipeline();
    const serializer = new DummySerializer();
    const process = (e: number): number => e * 2;
    const events = [1, 2, 3];
    p.publishSync(events, process, { serializer });
    expect(p.eventStore.raw).toEqual(events.map((e) => serializer.serialize(e)));
    expect(p.eventStore.processed).toEqual(events.map(process));
  });

  it('update config parallelism', () => {
    const p = newPipeline();
    const oldExecutor = p.executor;
    p.updateConfig({ parallelism: 2, timeout: 10 });
    expect(p.config.parallelism).toBe(2);
    expect(p.config.timeout).toBe(10);
    expect(p.executor.maxWorkers).toBe(2);
    expect(p.executor).not.toBe(oldExecutor);
  });

  it('register extension', () => {
    const p = newPipeline();
    const ext: Extension = (x: number) => x + 1;
    p.registerExtension('plus_one', ext);
    expect(p.extensionRegistry.plus_one).toBe(ext);
  });

  it('authenticate', () => {
    const p = newPipeline();
    const token = 'token123';
    expect(p.authenticate(token)).toBe(false);
    p.addToken(token);
    expect(p.authenticate(token)).toBe(true);
  });

  it('handle errors success', async () => {
    const p = newPipeline();
    const calls = { count: 0 };
    const flaky = (x: number): number => {
      calls.count += 1;
      if (calls.count < 3) throw new Error('fail');
      return x * 10;
    };
    const wrapped = p.handleErrors(flaky, { retries: 5, initialDelay: 0 });
    expect(await wrapped(5)).toBe(50);
    expect(calls.count).toBe(3);
    expect(p.deadLetter).toEqual([]);
  });

  it('handle errors fail', async () => {
    const p = newPipeline();
    function alwaysFail(): never {
      throw new RangeError('error');
    }
    const wrapped = p.handleErrors(alwaysFail, { retries: 2, initialDelay: 0 });
    await expect(wrapped()).rejects.toThrow(RangeError);
    expect(p.deadLetter).toHaveLength(1);
    const event = p.deadLetter[0];
    expect(event?.func).toBe('alwaysFail');
    expect(event?.args).toEqual([]);
    expect(event?.kwargs).toEqual({});
  });

  it('balance load and report health', async () => {
    const p = newPipeline();
    function add(x: number, y: number): number {
      return x + y;
    }
    function mul(x: number, y: number): number {
      return x * y;
    }
    const futures = p.balanceLoad([
      [add, [1, 2], {}],
      [mul, [2, 3], {}],
      [add, [5, 6], {}],
    ]);
    const results = await Promise.all(futures);
    expect(new Set(results)).toEqual(new Set([3, 6, 11]));
    const health = p.reportHealth();
    expect(health.handlerCounts).toEqual({ add: 2, mul: 1 });
    expect(health.threadPoolUsage).toBe(p.config.parallelism);
  });
});
