// What resilience costs per event: publish → async handler on a bus with
// resilience() against a bare bus and against a no-op middleware in the same
// phase, on the success path (what nearly every delivery takes) and with a
// timeout and a circuit breaker (cockatiel on every attempt). Run with
// `pnpm bench` at the root (builds first; measures the built package).
import { createBus, definePlugin } from '@bus/core';
import { createBenchReport, measure } from '@bus/scripts/bench';
import { resilience } from '../dist/index.js';

type Bus = ReturnType<typeof createBus>;

const { report, print } = createBenchReport('@bus/resilience');
let sink = 0;

const noopHandle = definePlugin({
  name: 'no-op',
  setup(kernel) {
    kernel.useDeliver('handle', function noopHandle(_ctx, next) {
      return next();
    });
  },
});

async function started<B extends Bus>(bus: B, handler: Parameters<Bus['subscribe']>[1]): Promise<B> {
  bus.subscribe('tick', handler);
  await bus.start();
  return bus;
}

async function successPath(): Promise<void> {
  const handler = async (event: { data: unknown }): Promise<void> => {
    await Promise.resolve();
    sink += event.data as number;
  };
  const bare = await started(createBus(), handler);
  const noop = await started(createBus().use(noopHandle), handler);
  const retrying = await started(createBus().use(resilience()), handler);
  const guarded = await started(createBus().use(resilience({ timeoutMs: 10_000, circuitBreaker: { failures: 5 } })), handler);
  const hz = await measure({
    bare: () => bare.publish('tick', 1),
    noop: () => noop.publish('tick', 1),
    retrying: () => retrying.publish('tick', 1),
    guarded: () => guarded.publish('tick', 1),
  });
  const name = 'await publish → async handler that succeeds';
  report(`${name}: resilience() (retry + dead letters)`, 'bare bus', hz.get('bare') as number, hz.get('retrying') as number);
  report(`${name}: resilience() (retry + dead letters)`, 'no-op handle middleware', hz.get('noop') as number, hz.get('retrying') as number);
  report(`${name}: resilience({ timeoutMs, circuitBreaker })`, 'bare bus', hz.get('bare') as number, hz.get('guarded') as number);
  await Promise.all([bare.stop(), noop.stop(), retrying.stop(), guarded.stop()]);
}

async function oneRetry(): Promise<void> {
  // Every event fails once, then succeeds: the retry policy's own cost (backoff 0 ms still waits a timer tick).
  let calls = 0;
  const flaky = async (): Promise<void> => {
    await Promise.resolve();
    if (++calls % 2 === 1) throw new Error('flaky');
  };
  const ok = async (): Promise<void> => {
    await Promise.resolve();
  };
  const bare = await started(createBus(), ok);
  const retrying = await started(createBus().use(resilience({ retry: { initialDelayMs: 0 } })), flaky);
  const hz = await measure({ bare: () => bare.publish('tick', 1), retrying: () => retrying.publish('tick', 1) });
  report(
    'await publish → async handler that fails once, then succeeds: resilience()',
    'bare bus, no failure',
    hz.get('bare') as number,
    hz.get('retrying') as number,
  );
  await Promise.all([bare.stop(), retrying.stop()]);
}

async function emitCase(): Promise<void> {
  const handler = (event: { data: unknown }): void => {
    sink += event.data as number;
  };
  const bare = await started(createBus(), handler);
  const retrying = await started(createBus().use(resilience()), handler);
  const hz = await measure({ bare: () => bare.emit('tick', 1), retrying: () => retrying.emit('tick', 1) });
  report(
    'emit → sync handler: resilience() (no fast path; stays synchronous)',
    'bare bus',
    hz.get('bare') as number,
    hz.get('retrying') as number,
  );
  await Promise.all([bare.stop(), retrying.stop()]);
}

await successPath();
await oneRetry();
await emitCase();
print();
if (sink === 42) console.log('');
