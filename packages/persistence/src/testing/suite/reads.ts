/** Reading one stream and the global log, and the envelope round trip. */
import type { EventEnvelope } from '@bus/core';
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../event-store.js';
import { type ConformanceHarness, events } from '../harness.js';

/** JSON-safe data of every JSON type, nested, with non-ASCII text: it must come back deep-equal. */
const ROUND_TRIP_DATA = {
  text: 'grüße, 世界 ✓ "quoted" \\ back\nline \u2028',
  integer: 42,
  fraction: 0.25,
  negative: -7,
  big: 9_007_199_254_740_991,
  flag: true,
  off: false,
  nothing: null,
  list: [1, 'two', { three: 3 }, [4]],
  nested: { deeper: { deepest: ['x', { y: 'z' }] } },
  empty: {},
  emptyList: [],
};

/** Registers the read tests. */
export function readTests(h: ConformanceHarness): void {
  describe('reading', () => {
    it('returns every envelope attribute, extension and the data as appended', async () => {
      const store = await h.store();
      const envelope: EventEnvelope = {
        id: 'round-trip-1',
        source: 'urn:bus:conformance',
        type: 'trade.executed',
        specversion: '1.0',
        time: '2024-02-29T12:34:56.789Z',
        subject: 'trader-1',
        datacontenttype: 'application/json',
        dataschema: 'https://example.com/trade.json',
        correlationid: 'correlation-1',
        causationid: 'causation-1',
        partitionkey: 'trader-1',
        tenantid: 'tenant-1',
        priority: 3,
        schemaversion: '1.1.0',
        conformancecheck: 'kept',
        data: ROUND_TRIP_DATA,
      };
      await store.append('trader-1', envelope);
      const [fromStream] = await store.readStream('trader-1');
      const [fromLog] = await store.readAll();
      expect(fromStream?.event).toEqual(envelope);
      expect(fromLog?.event).toEqual(envelope);
    });

    it('reads a stream forward with inclusive from/to bounds and a limit', async () => {
      const store = await h.store();
      await store.append('trader-1', events('trade.executed', 5));
      await store.append('trader-2', events('trade.executed', 2));
      const versions = (records: StoredEvent[]) => records.map((record) => record.version);
      expect(versions(await store.readStream('trader-1'))).toEqual([0, 1, 2, 3, 4]);
      expect(versions(await store.readStream('trader-1', { from: 2, to: 3 }))).toEqual([2, 3]);
      expect(versions(await store.readStream('trader-1', { from: 1, to: 3 }))).toEqual([1, 2, 3]);
      expect(versions(await store.readStream('trader-1', { from: 3 }))).toEqual([3, 4]);
      expect(versions(await store.readStream('trader-1', { to: 0 }))).toEqual([0]);
      expect(versions(await store.readStream('trader-1', { from: 1, limit: 2 }))).toEqual([1, 2]);
      expect(versions(await store.readStream('trader-1', { from: 9 }))).toEqual([]);
      expect(versions(await store.readStream('trader-1', { from: 3, to: 1 }))).toEqual([]);
      const data = (await store.readStream<{ n: number }>('trader-1', { from: 4 })).map((record) => record.event.data.n);
      expect(data).toEqual([4]);
    });

    it('reads a stream backward: from the end by default, or from a version down to another', async () => {
      const store = await h.store();
      await store.append('s', events('e', 5));
      const versions = (records: StoredEvent[]) => records.map((record) => record.version);
      expect(versions(await store.readStream('s', { direction: 'backward' }))).toEqual([4, 3, 2, 1, 0]);
      expect(versions(await store.readStream('s', { direction: 'backward', limit: 1 }))).toEqual([4]);
      expect(versions(await store.readStream('s', { direction: 'backward', from: 3, to: 1 }))).toEqual([3, 2, 1]);
      expect(versions(await store.readStream('s', { direction: 'backward', from: 2, limit: 2 }))).toEqual([2, 1]);
    });

    it('reads an unknown stream as empty, at version -1', async () => {
      const store = await h.store();
      expect(await store.readStream('nobody')).toEqual([]);
      expect(await store.streamVersion('nobody')).toBe(-1);
    });

    it('reads the log in global position order across streams, from an inclusive position, to an inclusive one, with a limit', async () => {
      const store = await h.store();
      await store.append('a', events('e', 2, 0));
      await store.append('b', events('e', 2, 2));
      await store.append('a', events('e', 2, 4));
      const all = await store.readAll<{ n: number }>();
      expect(all.map((record) => record.event.data.n)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(all.map((record) => record.stream)).toEqual(['a', 'a', 'b', 'b', 'a', 'a']);
      const positions = all.map((record) => record.position);
      expect(positions).toEqual([...positions].sort((x, y) => x - y));
      const third = positions[2] as number;
      expect((await store.readAll({ fromPosition: third })).map((record) => record.position)).toEqual(positions.slice(2));
      expect((await store.readAll({ fromPosition: third, limit: 2 })).map((record) => record.position)).toEqual(positions.slice(2, 4));
      expect((await store.readAll({ toPosition: third })).map((record) => record.position)).toEqual(positions.slice(0, 3));
      expect(await store.readAll({ fromPosition: (positions[5] as number) + 1 })).toEqual([]);
    });

    it('filters the log by exact types, by patterns and by a predicate; the limit counts what matches', async () => {
      const store = await h.store();
      await store.append('o-1', [
        { type: 'orders.eu.created', data: 1 },
        { type: 'orders.us.created', data: 2 },
        { type: 'payments.card.failed', data: 3 },
        { type: 'orders.eu.shipped', data: 4 },
        { type: 'orders.eu.created', data: 5 },
      ]);
      const data = (records: StoredEvent[]) => records.map((record) => record.event.data);
      expect(data(await store.readAll({ types: ['orders.eu.created'] }))).toEqual([1, 5]);
      expect(data(await store.readAll({ types: ['orders.eu.created', 'payments.card.failed'] }))).toEqual([1, 3, 5]);
      expect(data(await store.readAll({ types: ['orders.*.created'] }))).toEqual([1, 2, 5]);
      expect(data(await store.readAll({ types: ['orders.#'] }))).toEqual([1, 2, 4, 5]);
      expect(data(await store.readAll({ types: ['#.failed'] }))).toEqual([3]);
      expect(data(await store.readAll({ types: ['orders.eu.created'], limit: 1 }))).toEqual([1]);
      expect(data(await store.readAll({ filter: (record) => (record.event.data as number) % 2 === 0 }))).toEqual([2, 4]);
      expect(data(await store.readAll({ types: ['orders.#'], filter: (record) => (record.event.data as number) > 1, limit: 2 }))).toEqual([
        2, 4,
      ]);
      expect(await store.readAll({ types: [] })).toEqual([]);
    });

    it('runs the upcast hook on every read', async () => {
      const name = h.unique('upcast');
      const writer = await h.store(name);
      await writer.append('s', { type: 'user.registered', schemaversion: '1', data: { name: 'Ada Lovelace' } });
      await writer.close();
      const store = await h.store(h.capabilities.durable ? name : h.unique('upcast'), {
        upcast: (event) =>
          event.schemaversion === '1' ? { ...event, schemaversion: '2', data: { fullName: (event.data as { name: string }).name } } : event,
      });
      if (!h.capabilities.durable) await store.append('s', { type: 'user.registered', schemaversion: '1', data: { name: 'Ada Lovelace' } });
      const upcast = { schemaversion: '2', data: { fullName: 'Ada Lovelace' } };
      expect((await store.readStream('s'))[0]?.event).toMatchObject(upcast);
      expect((await store.readAll())[0]?.event).toMatchObject(upcast);
      const seen: EventEnvelope[] = [];
      const subscription = store.subscribe({}, (record) => void seen.push(record.event));
      await subscription.caughtUp;
      await subscription.close();
      expect(seen[0]).toMatchObject(upcast);
    });
  });
}
