// Kernel throughput against plain emitters, in one run on one machine.
// Run with `pnpm bench` (builds first; measures the built package).
import { EventEmitter as NodeEmitter } from 'node:events';
import { createBenchReport } from '@bus/scripts/bench';
import Emittery from 'emittery';
import { EventEmitter as EventEmitter3 } from 'eventemitter3';
import { createBus, definePlugin } from '../dist/index.js';

const { compare, print } = createBenchReport('@bus/core');
let sink = 0;

async function emitCase(subscribers: number): Promise<void> {
  const bus = createBus();
  const ee3 = new EventEmitter3();
  const node = new NodeEmitter();
  node.setMaxListeners(100);
  for (let i = 0; i < subscribers; i++) {
    bus.subscribe<number>('tick', (event) => {
      sink += event.data;
    });
    ee3.on('tick', (data: number) => {
      sink += data;
    });
    node.on('tick', (data: number) => {
      sink += data;
    });
  }
  await bus.start();
  await compare(
    `emit, ${subscribers} subscriber${subscribers > 1 ? 's' : ''}`,
    'eventemitter3',
    {
      eventemitter3: () => ee3.emit('tick', 1),
      'node:events': () => node.emit('tick', 1),
      bus: () => bus.emit('tick', 1),
    },
    '>= 0.8x eventemitter3',
    'bus',
  );
  await bus.stop();
}

async function publishCase(): Promise<void> {
  const bus = createBus();
  bus.subscribe<number>('tick', async (event) => {
    sink += event.data;
  });
  const emittery = new Emittery<{ tick: number }>();
  emittery.on('tick', async ({ data }) => {
    sink += data;
  });
  await bus.start();
  await compare(
    'await publish, in-memory, 1 async subscriber',
    'emittery',
    {
      emittery: () => emittery.emit('tick', 1),
      bus: () => bus.publish('tick', 1),
    },
    '>= 5x emittery',
    'bus',
  );
  await bus.stop();
}

async function middlewareCase(): Promise<void> {
  const plain = createBus();
  const layered = createBus().use(
    definePlugin({
      name: 'three-no-ops',
      setup(kernel) {
        kernel.usePublish('enrich', function noopEnrich(_ctx, next) {
          return next();
        });
        kernel.usePublish('guard', async function noopGuard(_ctx, next) {
          await next();
        });
        kernel.usePublish('encode', function noopEncode(_ctx, next) {
          return next();
        });
      },
    }),
  );
  for (const bus of [plain, layered]) {
    bus.subscribe<number>('tick', (event) => {
      sink += event.data;
    });
    await bus.start();
  }
  await compare('await publish through 3 no-op middlewares', 'no middleware', {
    'no middleware': () => plain.publish('tick', 1),
    bus: () => layered.publish('tick', 1),
  });
  await plain.stop();
  await layered.stop();
}

await emitCase(1);
await emitCase(10);
await publishCase();
await middlewareCase();
print();
if (sink === 42) console.log('');
