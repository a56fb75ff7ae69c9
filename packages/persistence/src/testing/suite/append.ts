/** Appending: versions, positions, expected versions, atomic batches, input checks. */
import { BusError } from '@bus/core';
import { describe, expect, it } from 'vitest';
import { type ConformanceHarness, events } from '../harness.js';

/** Registers the append tests. */
export function appendTests(h: ConformanceHarness): void {
  describe('append', () => {
    it("numbers a new stream's events from version 0 and gives each a growing global position", async () => {
      const store = await h.store();
      const first = await store.append('account-1', events('account.deposited', 3), { expectedVersion: 'no-stream' });
      expect(first.appended).toBe(3);
      expect(first.version).toBe(2);
      expect(first.records.map((record) => record.version)).toEqual([0, 1, 2]);
      const positions = first.records.map((record) => record.position);
      expect(positions[0]).toBeGreaterThanOrEqual(1);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      expect(new Set(positions).size).toBe(3);
      expect(first.position).toBe(positions[2]);

      const second = await store.append('account-2', events('account.deposited', 1));
      expect(second.version).toBe(0);
      expect(second.position).toBeGreaterThan(first.position);
      expect(await store.streamVersion('account-1')).toBe(2);
      expect(await store.streamVersion('account-2')).toBe(0);
    });

    it('completes partial envelopes: id, source, specversion and time are filled, given ones are kept', async () => {
      const store = await h.store();
      const { records } = await store.append('s', [
        { type: 'thing.made', data: 1 },
        { type: 'thing.made', id: 'mine', source: 'urn:me', data: 2 },
      ]);
      const [made, mine] = records;
      expect(made?.event).toMatchObject({ type: 'thing.made', specversion: '1.0', source: 'event-store', data: 1 });
      expect(typeof made?.event.id).toBe('string');
      expect(Number.isNaN(Date.parse(made?.event.time as string))).toBe(false);
      expect(mine?.event).toMatchObject({ id: 'mine', source: 'urn:me' });
      expect(Number.isNaN(Date.parse(made?.storedAt as string))).toBe(false);
    });

    it('accepts a numeric expectedVersion equal to the current version; any other is CONCURRENCY_CONFLICT with {stream, expected, actual} and writes nothing', async () => {
      const store = await h.store();
      const { version } = await store.append('cart', events('cart.added', 2), { expectedVersion: -1 });
      expect(version).toBe(1);
      await store.append('cart', events('cart.added', 1), { expectedVersion: 1 });

      const error = await store.append('cart', events('cart.added', 2), { expectedVersion: 1 }).catch((caught: unknown) => caught);
      expect(BusError.is(error)).toBe(true);
      expect(error).toMatchObject({ code: 'CONCURRENCY_CONFLICT', retryable: false, details: { stream: 'cart', expected: 1, actual: 2 } });
      await expect(store.append('cart', events('cart.added', 1), { expectedVersion: 7 })).rejects.toMatchObject({
        code: 'CONCURRENCY_CONFLICT',
        details: { stream: 'cart', expected: 7, actual: 2 },
      });
      expect(await store.streamVersion('cart')).toBe(2);
      expect(await store.readStream('cart')).toHaveLength(3);
      expect(await store.readAll()).toHaveLength(3);
    });

    it("accepts 'no-stream' (and -1) only for an empty stream, 'exists' only for a stream with events, 'any' always", async () => {
      const store = await h.store();
      await expect(store.append('s', events('e', 1), { expectedVersion: 'exists' })).rejects.toMatchObject({
        code: 'CONCURRENCY_CONFLICT',
        details: { stream: 's', expected: 'exists', actual: -1 },
      });
      await store.append('s', events('e', 1), { expectedVersion: 'no-stream' });
      await expect(store.append('s', events('e', 1), { expectedVersion: 'no-stream' })).rejects.toMatchObject({
        code: 'CONCURRENCY_CONFLICT',
        details: { stream: 's', expected: 'no-stream', actual: 0 },
      });
      await expect(store.append('s', events('e', 1), { expectedVersion: -1 })).rejects.toMatchObject({ code: 'CONCURRENCY_CONFLICT' });
      await store.append('s', events('e', 1), { expectedVersion: 'exists' });
      await store.append('s', events('e', 1), { expectedVersion: 'any' });
      await store.append('s', events('e', 1));
      expect(await store.streamVersion('s')).toBe(3);
    });

    it('writes a batch atomically: when the check fails, none of its events is stored', async () => {
      const store = await h.store();
      await store.append('batch', events('e', 2));
      const batch = events('e', 5);
      await expect(store.append('batch', batch, { expectedVersion: 0 })).rejects.toMatchObject({ code: 'CONCURRENCY_CONFLICT' });
      expect((await store.readAll()).map((record) => record.event.type)).toHaveLength(2);
      // The same events (fresh ids) go in once the version is right.
      const result = await store.append('batch', batch, { expectedVersion: 1 });
      expect(result.records.map((record) => record.version)).toEqual([2, 3, 4, 5, 6]);
    });

    it('checks the expected version of an empty append and writes nothing', async () => {
      const store = await h.store();
      await store.append('s', events('e', 1));
      expect(await store.append('s', [], { expectedVersion: 0 })).toMatchObject({ version: 0, appended: 0, records: [] });
      await expect(store.append('s', [], { expectedVersion: 'no-stream' })).rejects.toMatchObject({ code: 'CONCURRENCY_CONFLICT' });
    });

    it('refuses bad input with typed errors, before writing', async () => {
      const store = await h.store();
      await expect(store.append('', events('e', 1))).rejects.toMatchObject({ code: 'INVALID_EVENT' });
      await expect(store.append('s', events('e', 1), { expectedVersion: -2 })).rejects.toMatchObject({ code: 'INVALID_EVENT' });
      await expect(store.append('s', events('e', 1), { expectedVersion: 'latest' as never })).rejects.toMatchObject({
        code: 'INVALID_EVENT',
      });
      await expect(store.append('s', [{ data: 1 } as never])).rejects.toMatchObject({ code: 'INVALID_EVENT' });
      expect(await store.readAll()).toEqual([]);
    });
  });
}
