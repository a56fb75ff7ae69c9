/** Retention: purging by age, per type or stream, without ever reusing a version. */
import { describe, expect, it } from 'vitest';
import { type ConformanceHarness, events } from '../harness.js';

const DAY = 86_400_000;

/** Registers the retention tests. */
export function retentionTests(h: ConformanceHarness): void {
  describe('retention', () => {
    it('purges events stored before a moment, of given types or streams only, and keeps the rest readable', async () => {
      const store = await h.store();
      const start = h.now;
      await store.append('ticks', events('market.tick', 3));
      await store.append('trades', events('trade.executed', 2));
      h.now = start + 10 * DAY;
      await store.append('ticks', events('market.tick', 1, 3));
      await store.append('trades', events('trade.executed', 1, 2));

      expect(await store.purge({ olderThanMs: 5 * DAY, types: ['market.tick'] })).toBe(3);
      expect((await store.readStream('ticks')).map((record) => record.version)).toEqual([3]);
      expect(await store.readStream('trades')).toHaveLength(3);

      expect(await store.purge({ before: new Date(start + DAY), streams: ['trades'] })).toBe(2);
      expect((await store.readStream('trades')).map((record) => record.version)).toEqual([2]);
      expect((await store.readAll()).map((record) => record.stream)).toEqual(['ticks', 'trades']);
      expect(await store.purge({ olderThanMs: 5 * DAY })).toBe(0);
    });

    it('applies retention rules in order and counts what they removed', async () => {
      const store = await h.store();
      const start = h.now;
      await store.append('a', events('market.tick', 2));
      await store.append('b', events('audit.viewed', 2));
      h.now = start + 3 * DAY;
      expect(
        await store.applyRetention([
          { maxAgeMs: DAY, types: ['market.tick'] },
          { maxAgeMs: 30 * DAY, streams: ['b'] },
        ]),
      ).toBe(2);
      expect((await store.readAll()).map((record) => record.stream)).toEqual(['b', 'b']);
    });

    it("never reuses a stream's versions or the log's positions after its events were purged", async () => {
      const store = await h.store();
      const first = await store.append('s', events('e', 3));
      h.now += 2 * DAY;
      expect(await store.purge({ olderThanMs: DAY })).toBe(3);
      expect(await store.readStream('s')).toEqual([]);
      expect(await store.streamVersion('s')).toBe(2);
      await expect(store.append('s', events('e', 1), { expectedVersion: 'no-stream' })).rejects.toMatchObject({
        code: 'CONCURRENCY_CONFLICT',
      });
      const next = await store.append('s', events('e', 1), { expectedVersion: 2 });
      expect(next.version).toBe(3);
      expect(next.position).toBeGreaterThan(first.position);
    });

    it('refuses a purge without a moment', async () => {
      const store = await h.store();
      await expect(store.purge({ types: ['e'] })).rejects.toMatchObject({ code: 'INVALID_EVENT' });
    });
  });
}
