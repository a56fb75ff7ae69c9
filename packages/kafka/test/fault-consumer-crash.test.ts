// Fault: a consumer process dies (SIGKILL) in the middle of handling a batch.
// Offsets are committed only after handlers finish, so a consumer started
// again in the same group receives everything that was not committed: no
// event is lost; the ones handled but not yet committed come twice, and are
// counted. The consumer runs in a child process (test/support/consumer-child.mjs),
// which imports the built package.
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { createBus, type PublishReceipt } from '@bus/core';
import { afterAll, describe, expect, it } from 'vitest';
import { kafka } from '../src/index.js';
import { jsonTestCodec } from './support/json-test-codec.js';
import { deleteByPrefix, testBrokers, uniquePrefix } from './support/kafka-env.js';
import { waitUntil } from './support/wait.js';

const brokers = testBrokers();
const prefix = uniquePrefix('crash');
const CHILD = path.join(import.meta.dirname, 'support', 'consumer-child.mjs');
const EVENTS = 300;
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await deleteByPrefix(prefix);
}, 60_000);

/** Starts a consumer child; every event it handles is pushed to `handled`. Resolves once it consumes. */
async function startChild(group: string, type: string, handled: string[]): Promise<ChildProcess> {
  const child = fork(CHILD, [brokers.join(','), prefix, group, type, '10'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  const ready = Promise.withResolvers<void>();
  child.on('message', (message: { ready?: boolean; handled?: string }) => {
    if (message.ready) ready.resolve();
    if (message.handled !== undefined) handled.push(message.handled);
  });
  child.once('exit', (code, signal) => ready.reject(new Error(`the consumer child exited before it was ready (${code ?? signal})`)));
  await ready.promise;
  return child;
}

describe('a consumer killed mid-batch', () => {
  it('loses no event: the group re-delivers what the dead consumer had not committed', async () => {
    const type = `${prefix}.orders`;
    const group = `${prefix}.group.billing`;
    const publisher = createBus({ source: 'urn:bus:crash' })
      .use(jsonTestCodec())
      .use(kafka({ brokers, groupId: prefix, ensureTopics: { partitions: 3, replicationFactor: 1 } }));
    await publisher.start();
    await publisher.kafka.ensureTopics([type]);

    const first: string[] = [];
    const victim = await startChild(group, type, first);
    const receipts: PublishReceipt[] = await publisher.publishBatch(
      Array.from({ length: EVENTS }, (_, n) => ({ type, data: { n }, partitionkey: `order-${n % 30}` })),
    );
    await waitUntil(
      () => first.length >= EVENTS / 3,
      60_000,
      () => `a third handled by the first consumer; got ${first.length}`,
    );
    victim.kill('SIGKILL');
    await new Promise((resolve) => victim.once('exit', resolve));
    const handledBeforeKill = first.length;

    const second: string[] = [];
    const survivor = await startChild(group, type, second);
    const all = () => new Set([...first, ...second]);
    await waitUntil(
      () => all().size >= EVENTS,
      60_000,
      () => `all ${EVENTS} events handled; got ${all().size}`,
    );
    survivor.send('stop');
    await new Promise((resolve) => survivor.once('exit', resolve));
    await publisher.stop();

    const published = new Set(receipts.map((receipt) => receipt.id));
    const lost = [...published].filter((id) => !all().has(id));
    const duplicates = first.length + second.length - all().size;
    console.log(
      `[fault: consumer killed] published ${EVENTS}; the first consumer handled ${handledBeforeKill} before SIGKILL; ` +
        `the restarted one handled ${second.length}; distinct ${all().size}, lost ${lost.length}, duplicates ${duplicates}`,
    );
    expect(lost).toEqual([]);
    expect(all().size).toBe(EVENTS);
    expect(duplicates).toBeGreaterThanOrEqual(0);
  });
});
