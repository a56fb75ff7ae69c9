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
async function startChild(group: string, type: string, handled: string[], onHandled?: (n: number) => void): Promise<ChildProcess> {
  const child = fork(CHILD, [brokers.join(','), prefix, group, type, onHandled === undefined ? '10' : '3'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  const ready = Promise.withResolvers<void>();
  child.on('message', (message: { ready?: boolean; handled?: string; n?: number }) => {
    if (message.ready) ready.resolve();
    if (message.handled !== undefined) {
      handled.push(message.handled);
      if (message.n !== undefined) onHandled?.(message.n);
    }
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

  it('in a group of 3, one member killed (SIGKILL) ×10 while events keep coming: 0 lost, each key in order', async () => {
    const MEMBERS = 3;
    const KILLS = 10;
    const TOTAL = 3_000;
    const KEYS = 30;
    const type = `${prefix}.group-of-three`;
    const group = `${prefix}.group.three`;
    const publisher = createBus({ source: 'urn:bus:crash' })
      .use(jsonTestCodec())
      .use(kafka({ brokers, groupId: prefix, ensureTopics: { partitions: 6, replicationFactor: 1 } }));
    await publisher.start();
    await publisher.kafka.ensureTopics([type]);

    const handled: string[] = [];
    /** Per key, the n of every handling, in the order they happened. */
    const byKey = new Map<number, number[]>();
    const onHandled = (n: number) => {
      const seen = byKey.get(n % KEYS) ?? [];
      seen.push(n);
      byKey.set(n % KEYS, seen);
    };
    const members = await Promise.all(Array.from({ length: MEMBERS }, () => startChild(group, type, handled, onHandled)));
    const receipts: PublishReceipt[] = [];
    const publishing = (async () => {
      for (let from = 0; from < TOTAL; from += 100) {
        receipts.push(
          ...(await publisher.publishBatch(
            Array.from({ length: 100 }, (_, i) => ({ type, data: { n: from + i }, partitionkey: `order-${(from + i) % KEYS}` })),
          )),
        );
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    })();
    let kills = 0;
    for (; kills < KILLS; kills++) {
      const target = Math.min(TOTAL, ((kills + 1) * TOTAL) / (KILLS + 2));
      await waitUntil(
        () => new Set(handled).size >= target,
        120_000,
        () => `${target} handled before kill ${kills + 1}; got ${new Set(handled).size}`,
      );
      const victim = members.splice(Math.floor(Math.random() * members.length), 1)[0] as ChildProcess;
      victim.kill('SIGKILL');
      await new Promise((resolve) => victim.once('exit', resolve));
      members.push(await startChild(group, type, handled, onHandled));
    }
    await publishing;
    await waitUntil(
      () => new Set(handled).size >= TOTAL,
      180_000,
      () => `all ${TOTAL} handled; got ${new Set(handled).size}`,
    );
    for (const member of members) member.send('stop');
    await Promise.all(members.map((member) => new Promise((resolve) => member.once('exit', resolve))));
    await publisher.stop();

    const distinct = new Set(handled);
    const lost = receipts.filter((receipt) => !distinct.has(receipt.id));
    const duplicates = handled.length - distinct.size;
    // Per key: the first handling of each n comes in n order, and a redelivery only goes back (to the last
    // commit) and then on again, never skipping one: every step forward is to the key's next event.
    let keysOutOfOrder = 0;
    let skips = 0;
    for (const [key, ns] of byKey) {
      const firsts: number[] = [];
      const seen = new Set<number>();
      for (const n of ns) if (!seen.has(n) && seen.add(n)) firsts.push(n);
      if (firsts.some((n, i) => i > 0 && n < (firsts[i - 1] as number))) keysOutOfOrder++;
      for (let i = 1; i < ns.length; i++) {
        const step = (ns[i] as number) - (ns[i - 1] as number);
        if (step > 0 && step !== KEYS) skips++;
      }
      expect(firsts[0]).toBe(key);
    }
    console.log(
      `[fault: group of 3, member killed] published ${receipts.length} on 6 partitions, ${KEYS} keys; ${kills} SIGKILLs; ` +
        `handled ${handled.length} (distinct ${distinct.size}), lost ${lost.length}, duplicates ${duplicates}; keys out of order ${keysOutOfOrder}, forward skips ${skips}`,
    );
    expect(kills).toBe(KILLS);
    expect(lost).toEqual([]);
    expect(keysOutOfOrder).toBe(0);
    expect(skips).toBe(0);
  }, 600_000);
});
