// What the context plugin costs: publish → deliver throughput of a bus with
// context() against the same bus without it, and what AsyncLocalStorage costs
// plain awaits elsewhere in the process. Run with `pnpm bench` at the root
// (builds first; measures the built package).
//
// Node 24 implements AsyncLocalStorage with AsyncContextFrame; Node 22 with
// async_hooks, whose promise hooks slow every await in the process. On a Node
// with AsyncContextFrame, this script runs itself again with
// --no-async-context-frame and reports the await tax and one publish case
// there too, labelled.
import { spawnSync } from 'node:child_process';
import { createBus, definePlugin } from '@bus/core';
import { createBenchReport, measure } from '@bus/scripts/bench';
import { context, withContext } from '../dist/index.js';

type Bus = ReturnType<typeof createBus>;

const CHILD = process.env.BUS_CONTEXT_BENCH_LEGACY === '1';
const { results, report } = createBenchReport('@bus/context');
let sink = 0;

/** Ten awaits: the shape of ordinary async application code, which never touches the bus. */
async function tenAwaits(): Promise<void> {
  for (let i = 0; i < 10; i++) sink += await Promise.resolve(i);
}

async function awaitTax(): Promise<void> {
  await measure({ warmup: tenAwaits }); // the first run of a task is faster than any later one: discard it
  // Before this process has made an AsyncLocalStorage (@bus/context makes its own on first use).
  const before = (await measure({ 'no AsyncLocalStorage yet': tenAwaits })).get('no AsyncLocalStorage yet') as number;
  const inside = await withContext({ correlationId: 'bench' }, () => measure({ 'inside a context': tenAwaits }));
  const outside = await measure({ 'outside, after a context was used': tenAwaits });
  report('10 awaits, unrelated code, inside a context', 'no AsyncLocalStorage yet', before, inside.get('inside a context') as number);
  report(
    '10 awaits, unrelated code, outside any context once one was used',
    'no AsyncLocalStorage yet',
    before,
    outside.get('outside, after a context was used') as number,
  );
}

/** Three buses with the same subscriptions: none, a no-op plugin in the same phases, and context(). */
async function buses(setup: (bus: Bus) => void): Promise<Bus[]> {
  const noop = definePlugin({
    name: 'no-op',
    setup(kernel) {
      kernel.usePublish('enrich', function noopEnrich(_ctx, next) {
        return next();
      });
      kernel.useDeliver('handle', function noopHandle(_ctx, next) {
        return next();
      });
    },
  });
  const all = [createBus(), createBus().use(noop), createBus().use(context())];
  for (const bus of all) {
    setup(bus);
    await bus.start();
  }
  return all;
}

async function compare(name: string, [plain, noop, withContextPlugin]: Bus[], run: (bus: Bus) => unknown): Promise<void> {
  const hz = await measure({
    'no context': () => run(plain as Bus),
    'no-op middleware': () => run(noop as Bus),
    'context()': () => run(withContextPlugin as Bus),
  });
  const ops = hz.get('context()') as number;
  report(`${name}: context()`, 'no context', hz.get('no context') as number, ops);
  report(`${name}: context()`, 'no-op middleware in the same phases', hz.get('no-op middleware') as number, ops);
}

async function publishCases(): Promise<void> {
  const all = await buses((bus) =>
    bus.subscribe<number>('tick', async (event) => {
      sink += event.data;
    }),
  );
  await compare('await publish, 1 async subscriber', all, (bus) => bus.publish('tick', 1));
  if (!CHILD) {
    await compare('await publish inside withContext({ correlationId, tenantId })', all, (bus) =>
      withContext({ correlationId: 'c-1', tenantId: 'acme' }, () => bus.publish('tick', 1)),
    );
  }
  await Promise.all(all.map((bus) => bus.stop()));
}

async function childCase(): Promise<void> {
  const all = await buses((bus) => {
    bus.subscribe('orders.created', async () => {
      await bus.publish('invoices.opened', 1);
    });
    bus.subscribe<number>('invoices.opened', async (event) => {
      sink += event.data;
    });
  });
  await compare('await publish, the handler publishes a child', all, (bus) => bus.publish('orders.created', 1));
  await Promise.all(all.map((bus) => bus.stop()));
}

async function emitCase(): Promise<void> {
  const all = await buses((bus) =>
    bus.subscribe<number>('tick', (event) => {
      sink += event.data;
    }),
  );
  await compare('emit, 1 sync subscriber', all, (bus) => bus.emit('tick', 1));
  await Promise.all(all.map((bus) => bus.stop()));
}

await awaitTax();
await publishCases();
// The legacy run only repeats what tells the two implementations apart: the await tax and one publish case.
if (!CHILD) {
  await childCase();
  await emitCase();
}
const label = CHILD ? ' [async_hooks AsyncLocalStorage, as on Node 22]' : '';
for (const result of results) {
  console.log(`BENCH_RESULT ${JSON.stringify({ package: '@bus/context', ...result, name: result.name + label })}`);
}
if (!CHILD && process.execArgv.every((arg) => arg !== '--no-async-context-frame') && Number(process.versions.node.split('.')[0]) >= 24) {
  const legacy = spawnSync(process.execPath, ['--no-async-context-frame', import.meta.filename], {
    env: { ...process.env, BUS_CONTEXT_BENCH_LEGACY: '1' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.stdout.write(legacy.stdout);
  if (legacy.status !== 0) process.exitCode = legacy.status ?? 1;
}
if (sink === 42) console.log('');
