// What backpressure costs per event: publish → async handler on a bus with
// backpressure() against a bare bus, and the plugin's own queue against a
// p-queue doing only the concurrency part in the same place. Run with
// `pnpm bench` at the root (builds first; measures the built package).
import { createBus, definePlugin } from '@bus/core';
import { createBenchReport, measure } from '@bus/scripts/bench';
import PQueue from 'p-queue';
import { backpressure } from '../dist/index.js';

type Bus = ReturnType<typeof createBus>;

const { report, print } = createBenchReport('@bus/backpressure');
let sink = 0;

async function asyncHandler(event: { data: unknown }): Promise<void> {
  await Promise.resolve();
  sink += event.data as number;
}

function pQueuePlugin(concurrency: number) {
  return definePlugin({
    name: 'p-queue',
    setup(kernel) {
      const queues = new Map<string, PQueue>();
      kernel.onSubscribe((subscription) => {
        queues.set(subscription.id, new PQueue({ concurrency }));
      });
      kernel.useDeliver(
        'guard',
        function pQueueConcurrency(ctx, next) {
          const queue = queues.get(ctx.subscription.id) as PQueue;
          // The same contract as ack 'handled': resolve when the handler finished.
          return queue.add(() => next());
        },
        { order: 1000 },
      );
    },
  });
}

async function started<B extends Bus>(bus: B, handler: (event: { data: unknown }) => unknown): Promise<B> {
  bus.subscribe('tick', handler as never);
  await bus.start();
  return bus;
}

async function publishCase(): Promise<void> {
  const bare = await started(createBus(), asyncHandler);
  const handled = await started(createBus().use(backpressure({ defaults: { ack: 'handled' } })), asyncHandler);
  const queued = await started(createBus().use(backpressure()), asyncHandler);
  const hz = await measure({
    bare: () => bare.publish('tick', 1),
    "backpressure(), ack 'handled'": () => handled.publish('tick', 1),
    "backpressure(), ack 'queued' (default)": () => queued.publish('tick', 1),
  });
  const base = hz.get('bare') as number;
  report(
    "await publish → async handler: backpressure(), ack 'handled'",
    'bare bus',
    base,
    hz.get("backpressure(), ack 'handled'") as number,
  );
  report(
    "await publish → async handler: backpressure(), ack 'queued' (steady state, queue full, block)",
    'bare bus',
    base,
    hz.get("backpressure(), ack 'queued' (default)") as number,
  );
  await queued.backpressure.idle();
  await Promise.all([bare.stop(), handled.stop(), queued.stop()]);
}

async function keyedCase(): Promise<void> {
  const bare = await started(createBus(), asyncHandler);
  const keyed = await started(createBus().use(backpressure({ defaults: { ack: 'handled', concurrency: 8 } })), asyncHandler);
  let n = 0;
  const keys = Array.from({ length: 16 }, (_, i) => ({ key: `k${i}` }));
  const hz = await measure({
    bare: () => bare.publish('tick', 1, keys[n++ & 15]),
    keyed: () => keyed.publish('tick', 1, keys[n++ & 15]),
  });
  report(
    "await publish with 16 partition keys → async handler: backpressure({ concurrency: 8 }), ack 'handled'",
    'bare bus',
    hz.get('bare') as number,
    hz.get('keyed') as number,
  );
  await Promise.all([bare.stop(), keyed.stop()]);
}

async function burstCase(): Promise<void> {
  // 100 publishes at once, then wait for all: queueing and concurrency at work.
  const burst = async (bus: Bus): Promise<void> => {
    const all: Promise<unknown>[] = [];
    for (let i = 0; i < 100; i++) all.push(bus.publish('tick', 1));
    await Promise.all(all);
  };
  const bare = await started(createBus(), asyncHandler);
  const ours = await started(createBus().use(backpressure({ defaults: { ack: 'handled', concurrency: 4, capacity: 1000 } })), asyncHandler);
  const pq = await started(createBus().use(pQueuePlugin(4)), asyncHandler);
  const hz = await measure({ bare: () => burst(bare), ours: () => burst(ours), 'p-queue': () => burst(pq) });
  const name = 'burst of 100 publishes → async handler, concurrency 4';
  report(`${name}: backpressure()`, 'bare bus (no limit)', hz.get('bare') as number, hz.get('ours') as number);
  report(`${name}: p-queue middleware`, 'bare bus (no limit)', hz.get('bare') as number, hz.get('p-queue') as number);
  report(`${name}: backpressure()`, 'p-queue middleware', hz.get('p-queue') as number, hz.get('ours') as number);
  await Promise.all([bare.stop(), ours.stop(), pq.stop()]);
}

async function emitCase(): Promise<void> {
  const syncHandler = (event: { data: unknown }): void => {
    sink += event.data as number;
  };
  const bare = await started(createBus(), syncHandler);
  const limited = await started(createBus().use(backpressure()), syncHandler);
  const hz = await measure({ bare: () => bare.emit('tick', 1), backpressure: () => limited.emit('tick', 1) });
  report(
    'emit → sync handler: backpressure() (no fast path; runs inline when the queue is empty)',
    'bare bus',
    hz.get('bare') as number,
    hz.get('backpressure') as number,
  );
  await Promise.all([bare.stop(), limited.stop()]);
}

await publishCase();
await keyedCase();
await burstCase();
await emitCase();
print();
if (sink === 42) console.log('');
