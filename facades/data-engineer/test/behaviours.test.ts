// The behaviours legacy-apis.md lists for data_engineer.etl.pipeline beyond the legacy suites, the bus wiring, and bad input.
import { currentContext } from '@bus/context';
import { BusError, definePlugin, type EventEnvelope } from '@bus/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DEAD_LETTER_EVENT_TYPE,
  type DeadLetterEntry,
  ETLPipeline,
  jsonSerializer,
  PERSISTED_EVENT_TYPE,
  WorkerPool,
} from '../src/index.js';

const pipelines: ETLPipeline[] = [];
function newPipeline(): ETLPipeline {
  const pipeline = new ETLPipeline();
  pipelines.push(pipeline);
  return pipeline;
}
afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  await Promise.all(pipelines.splice(0).map((pipeline) => pipeline.stop()));
});

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'returned';
  } catch (error) {
    return BusError.is(error) ? error.code : `crash: ${String(error)}`;
  }
}

/** A promise with its resolve function, to finish a task when the test says so. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

const ticks = async (n = 5): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('the bus underneath', () => {
  it('emits every stored pair as an etl.persisted event, in order, including those stored before it ran', async () => {
    const p = newPipeline();
    const seen: unknown[] = [];
    p.bus.subscribe(PERSISTED_EVENT_TYPE, (event) => void seen.push(event.data));
    p.publishSync([1, 2], (n) => n * 10);
    await p.start();
    p.persistEvents('r', 'p');
    expect(seen).toEqual([
      { raw: 1, processed: 10 },
      { raw: 2, processed: 20 },
      { raw: 'r', processed: 'p' },
    ]);
  });

  it('emits every dead letter as an etl.dead_letter event', async () => {
    const p = newPipeline();
    const seen: unknown[] = [];
    p.bus.subscribe(DEAD_LETTER_EVENT_TYPE, (event) => void seen.push(event.data));
    await p.start();
    const load = p.handleErrors(
      function loadBatch(_batch: number, _options: { table: string }) {
        throw new Error('warehouse down');
      },
      { retries: 1, initialDelay: 0 },
    );
    await expect(load(42, { table: 'orders' })).rejects.toThrow('warehouse down');
    expect(seen).toEqual([{ func: 'loadBatch', args: [42], kwargs: { table: 'orders' } }]);
  });

  it('runs plugins added to .bus before the first event', async () => {
    const p = newPipeline();
    const stamped: EventEnvelope[] = [];
    p.bus.use(
      definePlugin({
        name: 'audit',
        setup(kernel) {
          kernel.usePublish('enrich', function audit(ctx, next) {
            stamped.push(ctx.envelope);
            return next();
          });
        },
      }),
    );
    p.persistEvents('raw', 'processed');
    await p.start();
    expect(stamped.map((event) => event.type)).toEqual([PERSISTED_EVENT_TYPE]);
  });

  it('keeps storing after stop(), reporting on bus.events "error" that the bus is stopped instead of throwing', async () => {
    const p = newPipeline();
    const errors: BusError[] = [];
    p.bus.events.on('error', (error) => void errors.push(error));
    await p.start();
    await p.stop();
    expect(() => p.persistEvents('late', 'late')).not.toThrow();
    expect(p.eventStore.raw).toEqual(['late']);
    expect(errors.map((error) => error.code)).toEqual(['BUS_STOPPED']);
  });

  it('logs that the bus is stopped on options.logger when a plugin only observes "error" (kernel.observe)', async () => {
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const p = new ETLPipeline({ logger });
    pipelines.push(p);
    const observed: string[] = [];
    p.bus.use(definePlugin({ name: 'counter', setup: (kernel) => kernel.observe('error', (error) => void observed.push(error.code)) }));
    await p.start();
    await p.stop();
    p.persistEvents('late', 'late');
    expect(observed).toEqual(['BUS_STOPPED']);
    expect(logger.error).toHaveBeenCalledWith(expect.objectContaining({ code: 'BUS_STOPPED' }), expect.stringContaining('unhandled error'));
  });
});

describe('propagateContext', () => {
  it('runs the wrapped function inside the context, as @bus/context ambient values', () => {
    const p = newPipeline();
    const wrapped = p.propagateContext(() => currentContext()?.correlationId, { correlationId: 'job-7' });
    expect(wrapped()).toBe('job-7');
    expect(currentContext()).toBeUndefined();
  });

  it('passes a context that is not an object as it is, without an ambient context', () => {
    const p = newPipeline();
    const wrapped = p.propagateContext((call) => [call.context, currentContext()], 'plain');
    expect(wrapped()).toEqual(['plain', undefined]);
  });

  it('takes only a trailing plain object as kwargs, and copies it', () => {
    const p = newPipeline();
    const wrapped = p.propagateContext((call) => call, {});
    const options = { key: 'value' };
    const withOptions = wrapped(1, options);
    expect(withOptions.kwargs).toEqual({ key: 'value' });
    expect(withOptions.kwargs).not.toBe(options);
    const date = new Date(0);
    expect(wrapped(1, date)).toMatchObject({ args: [1, date], kwargs: {} });
    expect(wrapped([1, 2])).toMatchObject({ args: [[1, 2]], kwargs: {} });
    expect(wrapped(null)).toMatchObject({ args: [null], kwargs: {} });
  });

  it('refuses something that is not a function (CONFIG_INVALID)', () => {
    expect(codeOf(() => newPipeline().propagateContext('f' as never, {}))).toBe('CONFIG_INVALID');
  });
});

describe('publishSync', () => {
  it('skips an event whose serialization fails and stores the others, as the legacy did', () => {
    const p = newPipeline();
    const serializer = {
      serialize(event: unknown): string {
        if (event === 2) throw new Error('cannot serialize 2');
        return `s${String(event)}`;
      },
    };
    p.publishSync([1, 2, 3], (n) => n, { serializer });
    expect(p.eventStore.raw).toEqual(['s1', 's3']);
    expect(p.eventStore.processed).toEqual([1, 3]);
  });

  it('throws the error of process, keeping what was stored before it', () => {
    const p = newPipeline();
    const failure = new TypeError('bad row');
    expect(() =>
      p.publishSync([1, 2, 3], (n) => {
        if (n === 2) throw failure;
        return n;
      }),
    ).toThrow(failure);
    expect(p.eventStore.processed).toEqual([1]);
  });

  it('takes the serializer positionally too, as the legacy call did', () => {
    const p = newPipeline();
    p.publishSync([{ a: 1 }], (e) => e, jsonSerializer());
    expect(p.eventStore.raw).toEqual(['{"a":1}']);
  });

  it('refuses events that are not iterable, a process that is not a function and a serializer without serialize (CONFIG_INVALID)', () => {
    const p = newPipeline();
    expect(codeOf(() => p.publishSync(5 as never, (e) => e))).toBe('CONFIG_INVALID');
    expect(codeOf(() => p.publishSync([1], 'process' as never))).toBe('CONFIG_INVALID');
    expect(codeOf(() => p.publishSync([1], (e) => e, { serializer: {} as never }))).toBe('CONFIG_INVALID');
    expect(codeOf(() => p.publishSync([1], (e) => e, 'json' as never))).toBe('CONFIG_INVALID');
    expect(p.eventStore.raw).toEqual([]);
  });
});

describe('updateConfig', () => {
  it('keeps the executor when only the timeout changes, and leaves what is not given (or null)', () => {
    const p = newPipeline();
    const executor = p.executor;
    p.updateConfig({ timeout: 5 });
    p.updateConfig({ parallelism: null, timeout: undefined });
    expect(p.executor).toBe(executor);
    expect(p.config).toEqual({ parallelism: 1, timeout: 5 });
  });

  it('hands out the configuration frozen', () => {
    const p = newPipeline();
    expect(Object.isFrozen(p.config)).toBe(true);
  });

  it('refuses a parallelism that is not a whole number ≥ 1 or a negative timeout (CONFIG_INVALID), changing nothing', () => {
    const p = newPipeline();
    const executor = p.executor;
    expect(codeOf(() => p.updateConfig({ parallelism: 0 }))).toBe('CONFIG_INVALID');
    expect(codeOf(() => p.updateConfig({ parallelism: 1.5 }))).toBe('CONFIG_INVALID');
    expect(codeOf(() => p.updateConfig({ parallelism: 3, timeout: -1 }))).toBe('CONFIG_INVALID');
    expect(codeOf(() => p.updateConfig({ timeout: 'soon' as never }))).toBe('CONFIG_INVALID');
    expect(p.executor).toBe(executor);
    expect(p.config).toEqual({ parallelism: 1, timeout: null });
  });

  it('lets tasks already on the old executor finish there', async () => {
    const p = newPipeline();
    const gate = deferred();
    const [first, second] = p.balanceLoad([[async () => gate.promise.then(() => 'first')], [async () => 'second']]);
    const old = p.executor;
    p.updateConfig({ parallelism: 4 });
    await ticks();
    expect(old.waiting).toBe(1); // 'second' still waits for the old executor's one worker
    gate.resolve();
    expect(await Promise.all([first, second])).toEqual(['first', 'second']);
  });
});

describe('tokens', () => {
  it('does not authenticate what is not a string, and refuses an empty token (CONFIG_INVALID)', () => {
    const p = newPipeline();
    p.addToken('t-1');
    expect(p.authenticate(1 as never)).toBe(false);
    expect(codeOf(() => p.addToken(''))).toBe('CONFIG_INVALID');
    expect(codeOf(() => p.addToken(5 as never))).toBe('CONFIG_INVALID');
  });
});

describe('registries', () => {
  it("keep a name like '__proto__' as a plain key", () => {
    const p = newPipeline();
    const serializer = jsonSerializer();
    p.registerSerializer('__proto__', serializer);
    expect(Object.getOwnPropertyDescriptor(p.serializerRegistry, '__proto__')?.value).toBe(serializer);
    expect(Object.keys(p.serializerRegistry)).toEqual(['__proto__']);
  });

  it('refuse an empty name, a serializer without serialize and an extension that is not a function (CONFIG_INVALID)', () => {
    const p = newPipeline();
    expect(codeOf(() => p.registerSerializer('', jsonSerializer()))).toBe('CONFIG_INVALID');
    expect(codeOf(() => p.registerSerializer('x', {} as never))).toBe('CONFIG_INVALID');
    expect(codeOf(() => p.registerExtension('x', 'fn' as never))).toBe('CONFIG_INVALID');
    expect(codeOf(() => p.registerExtension(7 as never, () => 1))).toBe('CONFIG_INVALID');
  });
});

describe('handleErrors', () => {
  it('waits the same initialDelay (seconds) between every two calls: a fixed delay, not a backoff', async () => {
    vi.useFakeTimers();
    const p = newPipeline();
    const calledAt: number[] = [];
    const wrapped = p.handleErrors(
      () => {
        calledAt.push(Date.now());
        throw new Error('down');
      },
      { retries: 4, initialDelay: 1 },
    );
    const start = Date.now();
    const outcome = wrapped().catch((error: unknown) => error);
    await vi.runAllTimersAsync();
    expect(await outcome).toBeInstanceOf(Error);
    expect(calledAt.map((at) => at - start)).toEqual([0, 1000, 2000, 3000]);
  });

  it('calls once by default (retries 1) and then dead-letters', async () => {
    const p = newPipeline();
    let calls = 0;
    const wrapped = p.handleErrors(() => {
      calls++;
      throw new Error('once');
    });
    await expect(wrapped()).rejects.toThrow('once');
    expect(calls).toBe(1);
    expect(p.deadLetter).toHaveLength(1);
  });

  it('retries async functions and passes every argument through', async () => {
    const p = newPipeline();
    let calls = 0;
    const wrapped = p.handleErrors(
      async (a: number, options: { times: number }) => {
        calls++;
        if (calls < 2) throw new Error('flaky');
        return a * options.times;
      },
      { retries: 3, initialDelay: 0 },
    );
    expect(await wrapped(7, { times: 3 })).toBe(21);
    expect(p.deadLetter).toEqual([]);
  });

  it('records the function name, the positional args and the trailing kwargs; <anonymous> without a name', async () => {
    const p = newPipeline();
    const failing = p.handleErrors(
      (() => {
        throw new Error('x');
      }) as (...args: unknown[]) => never,
      { retries: 1, initialDelay: 0 },
    );
    await expect(failing('a', 2, { retry: false })).rejects.toThrow('x');
    const entry = p.deadLetter[0] as DeadLetterEntry;
    expect(entry.args).toEqual(['a', 2]);
    expect(entry.kwargs).toEqual({ retry: false });
    const anonymous = [
      (): never => {
        throw new Error('y');
      },
    ][0] as () => never;
    await expect(p.handleErrors(anonymous, { initialDelay: 0 })()).rejects.toThrow('y');
    expect(p.deadLetter[1]?.func).toBe('<anonymous>');
  });

  it('refuses retries that are not a whole number ≥ 1, a bad delay and a non-function (CONFIG_INVALID)', () => {
    const p = newPipeline();
    const fn = (): number => 1;
    expect(codeOf(() => p.handleErrors(fn, { retries: 0 }))).toBe('CONFIG_INVALID');
    expect(codeOf(() => p.handleErrors(fn, { retries: 2.5 }))).toBe('CONFIG_INVALID');
    expect(codeOf(() => p.handleErrors(fn, { initialDelay: -1 }))).toBe('CONFIG_INVALID');
    expect(codeOf(() => p.handleErrors(fn, { initialDelay: Number.NaN }))).toBe('CONFIG_INVALID');
    expect(codeOf(() => p.handleErrors('fn' as never))).toBe('CONFIG_INVALID');
  });
});

describe('balanceLoad', () => {
  it('runs at most parallelism tasks at once, the rest in order', async () => {
    const p = newPipeline();
    p.updateConfig({ parallelism: 2 });
    const gates = [deferred(), deferred(), deferred()];
    const started: number[] = [];
    const futures = p.balanceLoad(
      gates.map((gate, i) => [
        async () => {
          started.push(i);
          await gate.promise;
          return i;
        },
      ]),
    );
    await ticks();
    expect(started).toEqual([0, 1]);
    expect(p.executor.running).toBe(2);
    gates[0]?.resolve();
    await ticks();
    expect(started).toEqual([0, 1, 2]);
    gates[1]?.resolve();
    gates[2]?.resolve();
    expect(await Promise.all(futures)).toEqual([0, 1, 2]);
    expect(p.reportHealth().threadPoolUsage).toBe(2);
  });

  it('passes kwargs as a trailing options object when it has keys', async () => {
    const p = newPipeline();
    const calls: unknown[][] = [];
    const record = (...args: unknown[]): number => calls.push(args);
    await Promise.all(p.balanceLoad([[record, [1], { scale: 2 }], [record, [2], {}], [record]]));
    expect(calls).toEqual([[1, { scale: 2 }], [2], []]);
  });

  it('counts anonymous functions as <anonymous>, and hands out the counts as a copy', async () => {
    const p = newPipeline();
    const anonymous = [(): number => 1][0] as () => number;
    await Promise.all(p.balanceLoad([[anonymous]]));
    const health = p.reportHealth();
    expect(health.handlerCounts).toEqual({ '<anonymous>': 1 });
    health.handlerCounts['<anonymous>'] = 99;
    expect(p.reportHealth().handlerCounts).toEqual({ '<anonymous>': 1 });
  });

  it('rejects the promise of a task that throws, without an unhandled rejection when nobody awaits it', async () => {
    const p = newPipeline();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const [awaited] = p.balanceLoad([
        [
          () => {
            throw new Error('awaited');
          },
        ],
        [
          () => {
            throw new Error('ignored');
          },
        ],
      ]);
      await expect(awaited).rejects.toThrow('awaited');
      await ticks();
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('refuses a malformed task (CONFIG_INVALID), running none of them', async () => {
    const p = newPipeline();
    let ran = 0;
    const count = (): number => ++ran;
    expect(codeOf(() => p.balanceLoad([[count], ['not a function' as never]]))).toBe('CONFIG_INVALID');
    expect(codeOf(() => p.balanceLoad([[count, 'args' as never]]))).toBe('CONFIG_INVALID');
    expect(codeOf(() => p.balanceLoad([[count, [], ['kw'] as never]]))).toBe('CONFIG_INVALID');
    expect(codeOf(() => p.balanceLoad('tasks' as never))).toBe('CONFIG_INVALID');
    await ticks();
    expect(ran).toBe(0);
    expect(p.reportHealth().threadPoolUsage).toBe(0);
  });
});

describe('WorkerPool', () => {
  it('refuses a size that is not a whole number ≥ 1 (CONFIG_INVALID)', () => {
    expect(codeOf(() => new WorkerPool(0))).toBe('CONFIG_INVALID');
    expect(codeOf(() => new WorkerPool(Number.POSITIVE_INFINITY))).toBe('CONFIG_INVALID');
  });

  it('never runs a task before submit returns', () => {
    const pool = new WorkerPool(1);
    let ran = false;
    void pool.submit(() => {
      ran = true;
    });
    expect(ran).toBe(false);
  });
});

describe('jsonSerializer', () => {
  it('serializes to JSON text and back, on @bus/serialization', () => {
    const json = jsonSerializer();
    expect(json.serialize({ a: [1, 2] })).toBe('{"a":[1,2]}');
    expect(json.deserialize?.('{"a":[1,2]}')).toEqual({ a: [1, 2] });
    expect(json.deserialize?.(new TextEncoder().encode('true'))).toBe(true);
  });

  it('refuses prototype poisoning, malformed JSON and non-text (DECODE_FAILED), and what JSON cannot hold (ENCODE_FAILED)', () => {
    const json = jsonSerializer();
    expect(codeOf(() => json.deserialize?.('{"__proto__":{"x":1}}'))).toBe('DECODE_FAILED');
    expect(codeOf(() => json.deserialize?.('{'))).toBe('DECODE_FAILED');
    expect(codeOf(() => json.deserialize?.(5))).toBe('DECODE_FAILED');
    expect(codeOf(() => json.serialize(1n))).toBe('ENCODE_FAILED');
  });
});
