/** Durability, where the backend claims it: everything survives closing and reopening. */
import { describe, expect, it } from 'vitest';
import { type ConformanceHarness, events, idsOf } from '../harness.js';

const DAY = 86_400_000;

/** Registers the durability tests when the backend claims `durable`. */
export function durabilityTests(h: ConformanceHarness): void {
  if (!h.capabilities.durable) return;
  describe('durability', () => {
    it('keeps events, versions, positions, ids and snapshots across a reopen', async () => {
      const name = h.unique('durable');
      const before = await h.store(name);
      await before.append('a', events('e', 3));
      await before.append('b', [{ id: 'kept-id', type: 'e', data: 'b' }]);
      await before.saveSnapshot({ stream: 'a', version: 2, state: { total: 3 } });
      const log = await before.readAll();
      await before.close();

      const after = await h.store(name);
      const reread = await after.readAll();
      expect(reread).toEqual(log);
      expect(await after.streamVersion('a')).toBe(2);
      expect(await after.loadSnapshot('a')).toMatchObject({ version: 2, state: { total: 3 } });
      expect((await after.append('b', [{ id: 'kept-id', type: 'e', data: 'b' }])).appended).toBe(0);
      await expect(after.append('a', events('e', 1), { expectedVersion: 1 })).rejects.toMatchObject({ code: 'CONCURRENCY_CONFLICT' });
      const next = await after.append('a', events('e', 1), { expectedVersion: 2 });
      expect(next.position).toBeGreaterThan(Math.max(...log.map((record) => record.position)));
      expect(idsOf(await after.readAll()).slice(0, 4)).toEqual(idsOf(log));
    });

    it('keeps purged streams at their version across a reopen', async () => {
      const name = h.unique('purged');
      const before = await h.store(name);
      const { position } = await before.append('s', events('e', 2));
      h.now += 2 * DAY;
      await before.purge({ olderThanMs: DAY });
      await before.close();
      const after = await h.store(name);
      expect(await after.streamVersion('s')).toBe(1);
      const next = await after.append('s', events('e', 1), { expectedVersion: 1 });
      expect(next.version).toBe(2);
      expect(next.position).toBeGreaterThan(position);
    });
  });
}
