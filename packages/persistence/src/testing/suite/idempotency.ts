/** Idempotent appends: an event id is stored once. */
import { describe, expect, it } from 'vitest';
import { type ConformanceHarness, events, idsOf } from '../harness.js';

/** Registers the idempotency tests. */
export function idempotencyTests(h: ConformanceHarness): void {
  describe('idempotency', () => {
    it('stores an event id once: appending it again writes nothing and returns the stored record, even with a stale expectedVersion', async () => {
      const store = await h.store();
      const event = { id: 'order-1-placed', type: 'order.placed', data: { total: 42 } };
      const first = await store.append('order-1', event, { expectedVersion: 'no-stream' });
      await store.append('order-1', events('order.paid', 1));
      // A retry of the first append (say, after a timeout): same id, now-stale expectation.
      const retry = await store.append('order-1', event, { expectedVersion: 'no-stream' });
      expect(retry.appended).toBe(0);
      expect(retry.records).toHaveLength(1);
      expect(retry.records[0]).toMatchObject({ stream: 'order-1', version: 0, position: first.position });
      expect(retry.records[0]?.event).toMatchObject({ id: 'order-1-placed', data: { total: 42 } });
      expect(retry.version).toBe(1);
      expect(retry.position).toBe(first.position);
      expect(idsOf(await store.readAll()).filter((id) => id === 'order-1-placed')).toHaveLength(1);
    });

    it('writes only the new events of a batch that repeats stored ids, numbered without gaps', async () => {
      const store = await h.store();
      const [a, b, c] = [
        { id: 'a', type: 'e', data: 1 },
        { id: 'b', type: 'e', data: 2 },
        { id: 'c', type: 'e', data: 3 },
      ];
      await store.append('s', [a, b]);
      const result = await store.append('s', [a, c, b], { expectedVersion: 1 });
      expect(result.appended).toBe(1);
      expect(result.records.map((record) => [record.event.id, record.version])).toEqual([
        ['a', 0],
        ['c', 2],
        ['b', 1],
      ]);
      expect(result.version).toBe(2);
      expect((await store.readStream('s')).map((record) => [record.event.id, record.version])).toEqual([
        ['a', 0],
        ['b', 1],
        ['c', 2],
      ]);
    });

    it('checks the expected version when a batch has new events besides stored ones', async () => {
      const store = await h.store();
      await store.append('s', [{ id: 'x', type: 'e', data: 1 }]);
      await expect(
        store.append(
          's',
          [
            { id: 'x', type: 'e', data: 1 },
            { id: 'y', type: 'e', data: 2 },
          ],
          { expectedVersion: 5 },
        ),
      ).rejects.toMatchObject({
        code: 'CONCURRENCY_CONFLICT',
      });
      expect(idsOf(await store.readAll())).toEqual(['x']);
    });

    it('stores an id named twice in one batch once', async () => {
      const store = await h.store();
      const result = await store.append('s', [
        { id: 'twice', type: 'e', data: 1 },
        { id: 'twice', type: 'e', data: 2 },
      ]);
      expect(result.appended).toBe(1);
      expect((await store.readStream('s')).map((record) => record.event.data)).toEqual([1]);
    });

    it('treats an id stored in another stream as stored', async () => {
      const store = await h.store();
      await store.append('one', [{ id: 'shared', type: 'e', data: 1 }]);
      const result = await store.append('two', [{ id: 'shared', type: 'e', data: 1 }]);
      expect(result.appended).toBe(0);
      expect(result.records[0]?.stream).toBe('one');
      expect(await store.readStream('two')).toEqual([]);
    });
  });
}
