// One outbox conformance suite, run against every store (the
// @bus/transport-tests idea): the write path, the relay's guarantees, retries
// and dead letters, scheduling, retention, stats and the inbox. The relay
// sends to the in-process transport here; the Kafka tests cover the broker.
import { type Bus, BusError, createBus, type EventEnvelope, memoryTransport, type Transport } from '@bus/core';
import { metrics } from '@bus/metrics';
import { waitFor } from '@bus/transport-tests';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inbox, type OutboxExtension, type OutboxOptions, outbox } from '../../src/index.js';
import { POSTGRES_SCHEMA_VERSION } from '../../src/postgres-schema.js';
import { SQLITE_SCHEMA_VERSION } from '../../src/sqlite-schema.js';
import type { StoreEnv } from './store-env.js';

/** A memory transport that refuses the sends `refuse` picks: a fault injected at the transport seam. */
export function refusingTransport(refuse: (event: EventEnvelope) => boolean): Transport {
  const inner = memoryTransport();
  return {
    name: 'refusing-memory',
    capabilities: inner.capabilities,
    start: (context) => inner.start(context),
    stop: () => inner.stop(),
    subscribe: (spec, handler) => inner.subscribe(spec, handler),
    send: async (messages) => {
      for (const message of messages) if (refuse(message)) throw new Error(`refused ${message.type} ${message.id}`);
      await inner.send(messages);
    },
  };
}

/** A metric reader that collects only when asked. */
class ManualReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

const TYPES = ['orders.created', 'invoices.due', 'flaky', 'poison'] as const;

interface Received {
  readonly event: EventEnvelope;
  readonly at: number;
  readonly by: string;
}

export function describeOutboxConformance(label: string, makeEnv: () => Promise<StoreEnv>): void {
  describe(`outbox conformance: ${label}`, () => {
    let env: StoreEnv;
    const buses: Bus[] = [];
    let tables = 0;
    const fresh = () => `t${++tables}`;

    beforeAll(async () => {
      env = await makeEnv();
    });
    afterAll(async () => {
      for (const bus of buses) await bus.stop();
      await env.cleanup();
    });

    async function startBus(
      table: string,
      options: Partial<OutboxOptions> & { transport?: Transport; name?: string; received?: Received[] } = {},
    ): Promise<{ bus: Bus & OutboxExtension; received: Received[] }> {
      const { transport, name = 'bus', received = [], ...rest } = options;
      const bus = createBus({ source: 'orders', ...(transport === undefined ? {} : { transport }) }).use(
        outbox({ store: env.store(table), pollIntervalMs: 50, retry: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 20 }, ...rest }),
      );
      for (const type of TYPES) bus.subscribe(type, (event) => void received.push({ event, at: Date.now(), by: name }));
      await bus.start();
      buses.push(bus);
      return { bus, received };
    }

    const ids = (received: readonly Received[]) => received.map((r) => r.event.id);

    it('sends what committed, and a rolled-back publish never existed', async () => {
      const table = fresh();
      await env.query(`CREATE TABLE ${table}_orders (id TEXT PRIMARY KEY)`);
      const { bus, received } = await startBus(table);
      const publishIn = async (id: string, end: 'commit' | 'rollback') => {
        const tx = await env.begin();
        await tx.exec(`INSERT INTO ${table}_orders (id) VALUES (?)`, [id]);
        const receipt = await bus.publish('orders.created', { id }, { tx: tx.tx, key: id });
        await tx[end]();
        return receipt.id;
      };
      const a = await publishIn('a', 'commit');
      const b = await publishIn('b', 'rollback');
      const c = await publishIn('c', 'commit');
      await waitFor(() => received.length >= 2, 10_000, { message: () => `2 deliveries, got ${received.length}` });
      await waitFor(async () => (await bus.outbox.stats()).pending === 0, 10_000);
      expect(ids(received).sort()).toEqual([a, c].sort());
      expect(ids(received)).not.toContain(b);
      expect((await env.query(`SELECT id FROM ${table}_orders ORDER BY id`)).map((r) => r.id)).toEqual(['a', 'c']);
      expect(received[0]?.event.data).toEqual({ id: 'a' });
      expect(received[0]?.event.partitionkey).toBe('a');
      expect(received[0]?.event.source).toBe('orders');
    });

    it('keeps rows out of every relay until the transaction commits', async () => {
      const table = fresh();
      const { bus, received } = await startBus(table);
      const probe = env.store(table);
      await probe.open();
      const tx = await env.begin();
      await bus.publish('orders.created', { id: 'x' }, { tx: tx.tx });
      expect((await probe.stats()).pending).toBe(0);
      bus.outbox.wake();
      expect(received).toEqual([]);
      await tx.commit();
      await waitFor(() => received.length === 1, 10_000);
      await probe.close();
    });

    it('writes a publishBatch in the transaction: all of it or none', async () => {
      const table = fresh();
      const { bus, received } = await startBus(table);
      const batch = (tag: string) => [1, 2, 3].map((n) => ({ type: 'orders.created', data: { tag, n }, partitionkey: tag }));
      const rolledBack = await env.begin();
      await bus.publishBatch(batch('gone'), { tx: rolledBack.tx });
      await rolledBack.rollback();
      const committed = await env.begin();
      const receipts = await bus.publishBatch(batch('kept'), { tx: committed.tx });
      await committed.commit();
      await waitFor(() => received.length >= 3, 10_000);
      await waitFor(async () => (await bus.outbox.stats()).pending === 0, 10_000);
      expect(ids(received)).toEqual(receipts.map((r) => r.id));
      expect(received.map((r) => (r.event.data as { tag: string }).tag)).toEqual(['kept', 'kept', 'kept']);
    });

    it('refuses a tx that is not in a transaction or not on the store’s database, with TX_INVALID', async () => {
      const table = fresh();
      const { bus, received } = await startBus(table);
      const idle = await env.idle();
      const foreign = await env.foreign();
      try {
        for (const tx of [idle.tx, foreign.tx, {}, 42]) {
          const failure = await bus.publish('orders.created', { id: 'no' }, { tx, id: 'evt-bad-tx' }).then(
            () => undefined,
            (error: unknown) => error,
          );
          expect(BusError.is(failure) && failure.code).toBe('TX_INVALID');
          expect((failure as BusError).eventId).toBe('evt-bad-tx');
          expect((failure as BusError).message).toMatch(/tx/);
        }
      } finally {
        await idle.close();
        await foreign.close();
      }
      const stats = await bus.outbox.stats();
      expect(stats.pending).toBe(0);
      expect(received).toEqual([]);
    });

    it('refuses bad delivery times with INVALID_EVENT', async () => {
      const { bus } = await startBus(fresh());
      for (const options of [{ deliverAt: new Date('nope') }, { delayMs: -1 }, { delayMs: 5, deliverAt: Date.now() }]) {
        const failure = await bus.publish('orders.created', {}, options).catch((error: unknown) => error);
        expect(BusError.is(failure) && failure.code).toBe('INVALID_EVENT');
      }
    });

    it('keeps per-key order and sends each row once with two relays on one table', async () => {
      const table = fresh();
      const received: Received[] = [];
      const one = await startBus(table, { name: 'one', received, batchSize: 7 });
      await startBus(table, { name: 'two', received, batchSize: 7 });
      const keys = ['k0', 'k1', 'k2', 'k3', 'k4'];
      const writers = env.concurrentWriters ? 3 : 1;
      const perWriter = 20;
      await Promise.all(
        Array.from({ length: writers }, async (_, writer) => {
          for (let t = 0; t < perWriter; t++) {
            const tx = await env.begin();
            for (const key of keys) {
              await one.bus.publish('orders.created', { key, writer, t }, { tx: tx.tx, key });
            }
            await tx.commit();
          }
        }),
      );
      const total = writers * perWriter * keys.length;
      await waitFor(() => received.length >= total, 30_000, { message: () => `${total} deliveries, got ${received.length}` });
      await waitFor(async () => (await one.bus.outbox.stats()).pending === 0, 10_000);
      const unique = new Set(ids(received));
      expect(unique.size).toBe(total);
      expect(received.length).toBe(total);
      // Per key and writer, commits happened in t order, so sends must be in t order.
      for (const key of keys) {
        for (let writer = 0; writer < writers; writer++) {
          const ts = received
            .map((r) => r.event.data as { key: string; writer: number; t: number })
            .filter((d) => d.key === key && d.writer === writer)
            .map((d) => d.t);
          expect(ts).toEqual([...ts].sort((a, b) => a - b));
        }
      }
    });

    it('with key shards, each relay sends only the rows of the shards it owns; a key stays with one shard', async () => {
      const table = fresh();
      const received: Received[] = [];
      let ownedByOne: number[] = [];
      let ownedByTwo: number[] = [];
      const one = await startBus(table, { name: 'one', received, shards: { count: 4, owned: () => ownedByOne } });
      await startBus(table, { name: 'two', received, shards: { count: 4, owned: () => ownedByTwo } });
      const keys = Array.from({ length: 16 }, (_, k) => `customer-${k}`);
      const tx = await env.begin();
      for (let t = 0; t < 5; t++) {
        for (const key of keys) await one.bus.publish('orders.created', { key, t }, { tx: tx.tx, key });
        await one.bus.publish('orders.created', { key: null, t }, { tx: tx.tx }); // no key: shard 0
      }
      await tx.commit();
      const total = 5 * (keys.length + 1);
      // Nobody owns a shard yet: nothing is sent, and the rows wait in their shards.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(received).toEqual([]);
      const before = await one.bus.outbox.statsByShard(4);
      expect(before.map((s) => s.shard)).toEqual([0, 1, 2, 3]);
      expect(before.reduce((sum, s) => sum + s.pending, 0)).toBe(total);
      expect(before[0]?.pending).toBeGreaterThanOrEqual(5);
      expect(before.filter((s) => s.pending > 0).length).toBeGreaterThanOrEqual(2); // 16 keys spread over shards

      // One takes shards 0 and 1: exactly their rows are sent, the others stay.
      ownedByOne = [0, 1];
      one.bus.outbox.wake();
      const ofOne = (before[0]?.pending ?? 0) + (before[1]?.pending ?? 0);
      await waitFor(() => received.length >= ofOne, 10_000, { message: () => `${ofOne} deliveries, got ${received.length}` });
      await waitFor(async () => (await one.bus.outbox.statsByShard(4)).slice(0, 2).every((s) => s.pending === 0), 10_000);
      const middle = await one.bus.outbox.statsByShard(4);
      expect(middle.map((s) => s.pending)).toEqual([0, 0, before[2]?.pending, before[3]?.pending]);
      expect(received.every((r) => r.by === 'one')).toBe(true);

      // Two takes shards 2 and 3: the rest goes, through two.
      ownedByTwo = [2, 3];
      await waitFor(() => received.length >= total, 10_000, { message: () => `${total} deliveries, got ${received.length}` });
      await waitFor(async () => (await one.bus.outbox.stats()).pending === 0, 10_000);
      expect(received.length).toBe(total);
      expect(received.filter((r) => r.by === 'two').length).toBe(total - ofOne);
      const relayOf = new Map<string, Set<string>>();
      for (const { event, by } of received) {
        const { key, t } = event.data as { key: string | null; t: number };
        const name = key ?? '(none)';
        relayOf.set(name, (relayOf.get(name) ?? new Set()).add(by));
        expect(t).toBeGreaterThanOrEqual(0);
      }
      expect([...relayOf.values()].every((relays) => relays.size === 1)).toBe(true);
      expect([...(relayOf.get('(none)') ?? [])]).toEqual(['one']);
      for (const key of keys) {
        const ts = received.filter((r) => (r.event.data as { key: string }).key === key).map((r) => (r.event.data as { t: number }).t);
        expect(ts).toEqual([0, 1, 2, 3, 4]);
      }
    });

    it('refuses bad shards with CONFIG_INVALID: at construction, and when owned() names a shard out of range', async () => {
      for (const count of [0, 1.5, 70_000]) {
        let thrown: unknown;
        try {
          await startBus(fresh(), { shards: { count, owned: () => [0] } });
        } catch (error) {
          thrown = error;
        }
        expect(BusError.is(thrown) && thrown.code).toBe('CONFIG_INVALID');
      }
      const table = fresh();
      const errors: BusError[] = [];
      const { bus, received } = await startBus(table, { always: true, shards: { count: 2, owned: () => [2] } });
      bus.events.on('error', (error) => void errors.push(error));
      await bus.publish('orders.created', { n: 1 }, { key: 'k' });
      await waitFor(() => errors.length > 0, 10_000, { message: 'the relay to report the bad shard' });
      expect(errors[0]?.code).toBe('CONFIG_INVALID');
      expect(received).toEqual([]);
      await expect(bus.outbox.statsByShard(0)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    });

    it('sends a row that commits after a later-inserted one (insert order is not commit order)', async () => {
      if (!env.concurrentWriters) return; // SQLite has one writer: its commit order is its insert order
      const table = fresh();
      const { bus, received } = await startBus(table);
      const early = await env.begin();
      const a = await bus.publish('orders.created', { id: 'inserted-first' }, { tx: early.tx });
      const late = await env.begin();
      const b = await bus.publish('orders.created', { id: 'inserted-second' }, { tx: late.tx });
      await late.commit();
      await waitFor(() => ids(received).includes(b.id), 10_000);
      await early.commit();
      await waitFor(() => ids(received).includes(a.id), 10_000, { message: 'the row that committed late' });
      expect(ids(received)).toEqual([b.id, a.id]);
    });

    it('retries a failing send with backoff until it goes', async () => {
      let refusals = 0;
      const transport = refusingTransport((event) => event.type === 'flaky' && refusals++ < 2);
      const table = fresh();
      const { bus, received } = await startBus(table, { transport, retry: { maxAttempts: 5, initialDelayMs: 5, maxDelayMs: 20 } });
      await bus.publish('flaky', { n: 1 }, { delayMs: 0 });
      await waitFor(() => received.length === 1, 10_000);
      // The memory transport delivers inside send(); the relay counts the row sent once send() returned.
      await waitFor(async () => (await bus.outbox.stats()).relay.sent === 1, 10_000, { message: 'the sent count' });
      const stats = await bus.outbox.stats();
      expect(stats.relay.retried).toBe(2);
      expect(stats.relay.sent).toBe(1);
      expect(stats.dead).toBe(0);
    });

    it('dead-letters a poison row after maxAttempts without stalling the others; list, show, redrive, purge', async () => {
      let poisoned = true;
      const transport = refusingTransport((event) => poisoned && event.type === 'poison');
      const table = fresh();
      const { bus, received } = await startBus(table, { transport, batchSize: 50 });
      const dead: { event: EventEnvelope; attempts: number; code: string }[] = [];
      bus.events.on('deadLettered', ({ event, attempts, error }) => void dead.push({ event, attempts, code: error.code }));
      const tx = await env.begin();
      const poison = await bus.publish('poison', { bad: true }, { tx: tx.tx, key: 'k1' });
      const follower = await bus.publish('orders.created', { after: 'poison' }, { tx: tx.tx, key: 'k1' });
      const others = await bus.publishBatch(
        Array.from({ length: 20 }, (_, n) => ({ type: 'orders.created', data: { n }, partitionkey: `other-${n % 4}` })),
        { tx: tx.tx },
      );
      await tx.commit();
      await waitFor(() => dead.length === 1, 15_000, { message: 'the poison row dead-lettered' });
      await waitFor(() => received.length === 21, 15_000, { message: () => `21 deliveries, got ${received.length}` });
      expect(dead[0]).toMatchObject({ attempts: 3, code: 'TRANSPORT_FAILED' });
      expect(dead[0]?.event.id).toBe(poison.id);
      // The row after the poison on its key waited for it to die, then went.
      expect(ids(received)).toContain(follower.id);
      expect(ids(received)).toEqual(expect.arrayContaining(others.map((r) => r.id)));

      const listed = await bus.outbox.deadLetters.list({ type: 'poison' });
      expect(listed.map((letter) => letter.envelope.id)).toEqual([poison.id]);
      expect(await bus.outbox.deadLetters.list({ type: 'orders.created' })).toEqual([]);
      expect(await bus.outbox.deadLetters.list({ since: Date.now() + 60_000 })).toEqual([]);
      const shown = await bus.outbox.deadLetters.show(poison.id);
      expect(shown).toMatchObject({ attempts: 3 });
      expect(shown?.lastError).toMatch(/refused poison/);
      expect(shown?.envelope.data).toEqual({ bad: true });
      expect((await bus.outbox.stats()).dead).toBe(1);

      poisoned = false;
      expect(await bus.outbox.deadLetters.redrive({ ids: [poison.id] })).toBe(1);
      await waitFor(() => ids(received).includes(poison.id), 10_000, { message: 'the redriven row' });
      expect((await bus.outbox.stats()).dead).toBe(0);

      poisoned = true;
      const second = await bus.publish('poison', { again: true }, { delayMs: 0 });
      await waitFor(async () => (await bus.outbox.stats()).dead === 1, 15_000);
      expect(await bus.outbox.deadLetters.purge({ ids: [second.id] })).toBe(1);
      expect(await bus.outbox.deadLetters.list()).toEqual([]);
      expect(ids(received).filter((id) => id === poison.id)).toHaveLength(1);
    });

    it('lists dead letters newest first and redrives one by its seq', async () => {
      let poisoned = true;
      const transport = refusingTransport((event) => poisoned && event.type === 'poison');
      const { bus, received } = await startBus(fresh(), { transport, retry: { maxAttempts: 1 } });
      const first = await bus.publish('poison', { n: 1 }, { delayMs: 0 });
      await waitFor(async () => (await bus.outbox.stats()).dead === 1, 10_000, { message: 'the first dead letter' });
      const second = await bus.publish('poison', { n: 2 }, { delayMs: 0 });
      await waitFor(async () => (await bus.outbox.stats()).dead === 2, 10_000, { message: 'the second dead letter' });

      const oldestFirst = await bus.outbox.deadLetters.list();
      expect(oldestFirst.map((letter) => letter.envelope.id)).toEqual([first.id, second.id]);
      const newest = await bus.outbox.deadLetters.list({ newestFirst: true });
      expect(newest.map((letter) => letter.envelope.id)).toEqual([second.id, first.id]);
      expect((await bus.outbox.deadLetters.list({ newestFirst: true, limit: 1 })).map((l) => l.envelope.id)).toEqual([second.id]);

      const seqOfFirst = oldestFirst[0]?.seq ?? -1;
      expect(await bus.outbox.deadLetters.list({ seqs: [seqOfFirst] })).toHaveLength(1);
      expect(await bus.outbox.deadLetters.list({ seqs: [] })).toEqual([]);
      poisoned = false;
      expect(await bus.outbox.deadLetters.redrive({ seqs: [seqOfFirst] })).toBe(1);
      expect(await bus.outbox.deadLetters.redrive({ seqs: [seqOfFirst] })).toBe(0);
      await waitFor(() => ids(received).includes(first.id), 10_000, { message: 'the redriven first letter' });
      expect(ids(received)).not.toContain(second.id);
      expect((await bus.outbox.deadLetters.list()).map((letter) => letter.envelope.id)).toEqual([second.id]);
    });

    it('dead-letters at once an error that says it is not worth retrying', async () => {
      const inner = memoryTransport();
      const transport: Transport = {
        ...inner,
        name: 'too-large',
        capabilities: inner.capabilities,
        start: (context) => inner.start(context),
        stop: () => inner.stop(),
        subscribe: (spec, handler) => inner.subscribe(spec, handler),
        send: async () => {
          throw new BusError('PAYLOAD_TOO_LARGE', 'the broker refuses records this large');
        },
      };
      const { bus } = await startBus(fresh(), { transport });
      const receipt = await bus.publish('orders.created', { big: true }, { delayMs: 0 });
      await waitFor(async () => (await bus.outbox.stats()).dead === 1, 10_000);
      expect(await bus.outbox.deadLetters.show(receipt.id)).toMatchObject({ attempts: 1 });
    });

    it('sends a scheduled row no earlier than its time; a past time is now', async () => {
      const { bus, received } = await startBus(fresh());
      const deliverAt = new Date(Date.now() + 400);
      const tx = await env.begin();
      const later = await bus.publish('invoices.due', { when: 'later' }, { tx: tx.tx, deliverAt });
      const past = await bus.publish('invoices.due', { when: 'past' }, { tx: tx.tx, deliverAt: new Date(Date.now() - 60_000) });
      await tx.commit();
      const delayedFrom = Date.now();
      const delayed = await bus.publish('invoices.due', { when: 'delayed' }, { delayMs: 250 });
      expect((await bus.outbox.stats()).scheduled).toBeGreaterThanOrEqual(1);
      await waitFor(() => received.length === 3, 10_000, { message: () => `3 deliveries, got ${received.length}` });
      const at = (id: string) => received.find((r) => r.event.id === id)?.at ?? Number.NaN;
      expect(ids(received)[0]).toBe(past.id);
      expect(at(later.id)).toBeGreaterThanOrEqual(deliverAt.getTime());
      expect(at(delayed.id)).toBeGreaterThanOrEqual(delayedFrom + 250);
    });

    it('sends every publish through the table with `always`, and keeps sent rows for `keepSentMs`', async () => {
      const { bus, received } = await startBus(fresh(), { always: true, keepSentMs: 3_600_000 });
      await bus.publish('orders.created', { n: 1 });
      await bus.publish('orders.created', { n: 2 });
      await waitFor(() => received.length === 2, 10_000);
      await waitFor(async () => (await bus.outbox.stats()).pending === 0, 10_000);
      expect(await bus.outbox.store.cleanup(Date.now() - 3_600_000)).toBe(0);
      expect(await bus.outbox.store.cleanup(Date.now() + 1_000)).toBe(2);
    });

    it('reports pending rows and their age, and drains its round on stop', async () => {
      const table = fresh();
      const writer = await startBus(table, { relay: false });
      const tx = await env.begin();
      await writer.bus.publishBatch(
        Array.from({ length: 60 }, (_, n) => ({ type: 'orders.created', data: { n } })),
        { tx: tx.tx },
      );
      await tx.commit();
      const stats = await writer.bus.outbox.stats();
      expect(stats).toMatchObject({ pending: 60, scheduled: 0, dead: 0, relay: { sent: 0 } });
      expect(stats.oldestPendingAgeMs).toBeGreaterThanOrEqual(0);

      const relay = await startBus(table, { batchSize: 10 });
      await waitFor(() => relay.received.length >= 10, 10_000);
      await relay.bus.stop();
      const left = await writer.bus.outbox.stats();
      // Every row is either sent or back in the table, none held by the stopped relay.
      expect(relay.received.length + left.pending).toBe(60);
      expect(new Set(ids(relay.received)).size).toBe(relay.received.length);
      const relayAgain = await startBus(table);
      await waitFor(() => relay.received.length + relayAgain.received.length === 60, 10_000);
    });

    it('reports pending, scheduled, oldest pending age and dead rows as OpenTelemetry gauges with @bus/metrics', async () => {
      const reader = new ManualReader();
      const meterProvider = new MeterProvider({ readers: [reader] });
      const gauge = async (name: string) => {
        const { resourceMetrics } = await reader.collect();
        const metric = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).find((m) => m.descriptor.name === name);
        return metric?.dataPoints[0]?.value;
      };
      const table = fresh();
      const bus = createBus({ source: 'orders' })
        .use(outbox({ store: env.store(table), relay: false }))
        .use(metrics({ meterProvider, tracing: false }));
      await bus.start();
      buses.push(bus);
      const tx = await env.begin();
      await bus.publishBatch(
        [
          { type: 'orders.created', data: { n: 1 } },
          { type: 'orders.created', data: { n: 2 } },
        ],
        { tx: tx.tx },
      );
      await bus.publish('invoices.due', {}, { tx: tx.tx, delayMs: 60_000 });
      await tx.commit();
      expect(await gauge('bus.outbox.pending')).toBe(3);
      expect(await gauge('bus.outbox.scheduled')).toBe(1);
      expect(await gauge('bus.outbox.dead')).toBe(0);
      expect(await gauge('bus.outbox.oldest_pending_age')).toBeGreaterThanOrEqual(0);
    });

    it('migrates once when several stores open the same new tables at once', async () => {
      const table = fresh();
      const stores = [1, 2, 3, 4].map(() => env.store(table));
      await Promise.all(stores.map((store) => store.open()));
      const rows = await env.query(`SELECT component, version FROM ${table}_version`);
      const current = env.name === 'postgres' ? POSTGRES_SCHEMA_VERSION : SQLITE_SCHEMA_VERSION;
      // Keyed by the outbox table: the suite's tables are not the default ones.
      expect(rows).toEqual([{ component: `outbox:${table}_outbox`, version: current }]);
      await Promise.all(stores.map((store) => store.close()));
    });

    it('keeps the versions of two outboxes that share one version table apart', async () => {
      const table = fresh();
      const shared = `${table}_version`;
      const first = env.store(table, { outbox: `${table}_a`, deadLetters: `${table}_a_dead`, inbox: `${table}_a_inbox`, version: shared });
      const second = env.store(table, { outbox: `${table}_b`, deadLetters: `${table}_b_dead`, inbox: `${table}_b_inbox`, version: shared });
      await first.open();
      await second.open();
      // The second outbox's tables exist although the first marked the shared version table migrated.
      expect(await second.stats()).toMatchObject({ pending: 0, dead: 0 });
      const components = (await env.query(`SELECT component FROM ${shared} ORDER BY component`)).map((row) => row.component);
      expect(components).toEqual([`outbox:${table}_a`, `outbox:${table}_b`]);
      await first.close();
      await second.close();
    });

    it('inbox: handles an event id once per consumer, commits the handler’s writes with it, rolls back on failure', async () => {
      const table = fresh();
      await env.query(`CREATE TABLE ${table}_effects (event_id TEXT NOT NULL, note TEXT NOT NULL)`);
      const store = env.store(table);
      const bus = createBus({ source: 'billing' }).use(inbox({ store }));
      let failNext = false;
      let runs = 0;
      bus.subscribe(
        'orders.created',
        async (event, ctx) => {
          runs++;
          await env.execIn(ctx.tx, `INSERT INTO ${table}_effects (event_id, note) VALUES (?, ?)`, [event.id, 'invoiced']);
          if (failNext) throw new Error('handler failed after its write');
        },
        { group: 'billing' },
      );
      await bus.start();
      buses.push(bus);
      const event = { id: 'evt-1', type: 'orders.created', source: 'orders', data: { id: 'o-1' } };
      const first = await bus.dispatch(event);
      const again = await bus.dispatch(event);
      expect(first.delivered + again.delivered).toBe(2);
      expect(runs).toBe(1);
      expect(bus.inbox.stats()).toMatchObject({ handled: 1, skipped: 1 });

      const [x, y] = await Promise.all([bus.dispatch({ ...event, id: 'evt-2' }), bus.dispatch({ ...event, id: 'evt-2' })]);
      expect(x.failures.length + y.failures.length).toBe(0);
      expect(runs).toBe(2);

      failNext = true;
      const failed = await bus.dispatch({ ...event, id: 'evt-3' });
      expect(failed.failures[0]?.code).toBe('HANDLER_FAILED');
      failNext = false;
      await bus.dispatch({ ...event, id: 'evt-3' });
      expect(runs).toBe(4);
      const effects = await env.query(`SELECT event_id FROM ${table}_effects ORDER BY event_id`);
      expect(effects.map((row) => row.event_id)).toEqual(['evt-1', 'evt-2', 'evt-3']);
      expect(bus.inbox.stats()).toMatchObject({ handled: 3, skipped: 2, failed: 1 });
      expect(await bus.inbox.cleanup()).toBe(0);
    });
  });
}
