// What the web-view tests look at: a running in-process bus with resilience (its handler fails while `broken`),
// a flow monitor, a SQLite outbox with buried rows, and a SQLite event store with two streams — all real.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createBus, type EventEnvelope } from '@bus/core';
import { createEventStore, sqliteBackend } from '@bus/persistence';
import { memoryDeadLetterSink, resilience } from '@bus/resilience';
import { createUiApp, FlowMonitor, outboxDeadLetterSource, resilienceDeadLetterSource } from '../../src/index.js';
import { bury, encodedEnvelope, sqliteTestOutbox } from './outboxes.js';

export async function uiFixture(options: { allowWrites: boolean }) {
  const dir = mkdtempSync(path.join(tmpdir(), 'bus-ui-'));
  const bus = createBus({ source: 'urn:test:ui' }).use(
    resilience({ retry: { maxAttempts: 2, initialDelayMs: 1 }, deadLetter: memoryDeadLetterSink() }),
  );
  const flow = new FlowMonitor(bus);
  let broken = true;
  const handled: EventEnvelope[] = [];
  bus.subscribe<{ id: string }>(
    'orders.created',
    (event) => {
      if (broken && event.data.id === 'o-2') throw new Error('the billing service refused o-2');
      handled.push(event);
    },
    { name: 'billing' },
  );
  await bus.start();
  for (const id of ['o-1', 'o-2', 'o-3']) await bus.publish('orders.created', { id }, { key: id });

  const outbox = await sqliteTestOutbox();
  await bury(outbox.store, [encodedEnvelope('invoices.due', { invoice: 'i-9' }, 'i-9')], 'broker said no');
  await outbox.store.writeNow([{ envelope: encodedEnvelope('invoices.due', { invoice: 'i-10' }, 'i-10'), availableAt: undefined }]);

  const eventStore = createEventStore({ backend: sqliteBackend({ path: path.join(dir, 'events.db') }) });
  await eventStore.append('account-1', [
    { type: 'account.opened', data: { owner: 'ada' } },
    { type: 'account.credited', data: { amount: 10 } },
  ]);
  await eventStore.append('account-2', { type: 'account.opened', data: { owner: 'grace' } });

  const app = createUiApp(
    {
      flow,
      deadLetters: [resilienceDeadLetterSource(bus), outboxDeadLetterSource(outbox.store)],
      outbox: outbox.store,
      outboxShards: 4,
      eventStore,
    },
    { allowWrites: options.allowWrites },
  );
  return {
    app,
    bus,
    handled,
    outbox: outbox.store,
    fix: () => {
      broken = false;
    },
    async close() {
      flow.stop();
      await bus.stop();
      await eventStore.close();
      await outbox.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
