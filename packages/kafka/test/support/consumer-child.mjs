// A consumer in a process of its own, for the crash test: it joins a consumer
// group and handles each event slowly, telling the parent over IPC what it
// handled (before the handler resolves, so before the offset is committed).
// The parent kills it with SIGKILL mid-way, as a crash would.
// Plain ESM importing the built package (`@bus/kafka` refers to this package's dist).
import { createBus, definePlugin, STAGE_ORDER } from '@bus/core';
import { kafka } from '@bus/kafka';

const [brokers, groupPrefix, group, type, handleMs] = process.argv.slice(2);
const decoder = new TextDecoder();

const jsonDecode = definePlugin({
  name: 'json-decode',
  setup(kernel) {
    kernel.useDeliver(
      'decode',
      (ctx, next) => {
        if (ctx.event.data instanceof Uint8Array) ctx.event = { ...ctx.event, data: JSON.parse(decoder.decode(ctx.event.data)) };
        return next();
      },
      { order: STAGE_ORDER.serialize },
    );
  },
});

const bus = createBus({ source: 'urn:bus:crash-child' })
  .use(jsonDecode)
  .use(kafka({ brokers, groupId: groupPrefix, sessionTimeoutMs: 4_000, heartbeatIntervalMs: 500 }));
bus.subscribe(
  type,
  async (event) => {
    await new Promise((resolve) => setTimeout(resolve, Number(handleMs)));
    await new Promise((resolve) => process.send({ handled: event.id, n: event.data.n }, resolve));
  },
  { group },
);
await bus.start();
process.send({ ready: true });
process.on('message', async (message) => {
  if (message === 'stop') {
    await bus.stop();
    process.exit(0);
  }
});
