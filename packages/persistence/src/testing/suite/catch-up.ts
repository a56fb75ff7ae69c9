/** Catch-up subscriptions: history, then live, each event once and in order. */
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../event-store.js';
import { type ConformanceHarness, events, idsOf, sleep, waitUntil } from '../harness.js';

/** Registers the catch-up subscription tests. */
export function catchUpTests(h: ConformanceHarness): void {
  describe('catch-up subscriptions', () => {
    it('delivers history then live events in position order, each once, while appends race the catch-up', async () => {
      const store = await h.store();
      for (let batch = 0; batch < 10; batch++) await store.append(`s-${batch % 3}`, events('e', 20, batch * 20));
      const seen: StoredEvent[] = [];
      const subscription = store.subscribe({ batchSize: 16 }, async (record) => {
        seen.push(record);
        if (seen.length % 7 === 0) await sleep(0); // a handler that yields, so appends interleave
      });
      // Appends from two writers while the subscription is still reading history, and after.
      const writers = [0, 1].map(async (writer) => {
        for (let n = 0; n < 50; n++) {
          await store.append(`live-${writer}`, events('e', 2, 1000 + writer * 1000 + n * 2));
          if (n % 10 === 0) await sleep(1);
        }
      });
      await Promise.all(writers);
      await waitUntil(
        () => seen.length >= 400,
        () => `400 events; got ${seen.length}`,
      );
      await sleep(50); // anything more would be a duplicate
      await subscription.close();
      const log = await store.readAll();
      expect(log).toHaveLength(400);
      expect(idsOf(seen)).toEqual(idsOf(log));
      const positions = seen.map((record) => record.position);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      expect(subscription.live).toBe(true);
      expect(subscription.position).toBe(positions.at(-1));
    });

    it('resumes after a checkpoint and keeps delivering new events live, filtered by type', async () => {
      const store = await h.store();
      await store.append('s', [
        { type: 'account.opened', data: 0 },
        { type: 'account.deposited', data: 1 },
        { type: 'audit.viewed', data: 2 },
        { type: 'account.deposited', data: 3 },
      ]);
      const all = await store.readAll();
      const checkpoint = (all[1] as StoredEvent).position;
      const seen: unknown[] = [];
      const subscription = store.subscribe(
        { fromPosition: checkpoint + 1, types: ['account.*'] },
        (record) => void seen.push(record.event.data),
      );
      await subscription.caughtUp;
      expect(seen).toEqual([3]);
      await store.append('s', [
        { type: 'audit.viewed', data: 4 },
        { type: 'account.withdrawn', data: 5 },
      ]);
      await waitUntil(
        () => seen.length >= 2,
        () => `the live event; got ${JSON.stringify(seen)}`,
      );
      expect(seen).toEqual([3, 5]);
      await subscription.close();
    });

    if (h.capabilities.multiWriter) {
      it('sees events appended through another store over the same data, by polling', async () => {
        const name = h.unique('shared');
        const reader = await h.store(name);
        const seen: unknown[] = [];
        const subscription = reader.subscribe({ pollIntervalMs: 10 }, (record) => void seen.push(record.event.data));
        await subscription.caughtUp;
        const writer = await h.store(name);
        await writer.append('s', { type: 'e', data: 'elsewhere' });
        await waitUntil(
          () => seen.length >= 1,
          () => 'the event appended through the other store',
        );
        expect(seen).toEqual(['elsewhere']);
        await subscription.close();
      });
    }

    it('ends with HANDLER_FAILED when the handler throws, and delivers nothing after', async () => {
      const store = await h.store();
      await store.append('s', events('e', 3));
      const seen: number[] = [];
      const failures: string[] = [];
      const subscription = store.subscribe({ onError: (error) => void failures.push(error.code) }, (record) => {
        const n = (record.event.data as { n: number }).n;
        if (n === 1) throw new Error('projection broke');
        seen.push(n);
      });
      await expect(subscription.done).rejects.toMatchObject({ code: 'HANDLER_FAILED', message: 'projection broke' });
      expect(seen).toEqual([0]);
      expect(failures).toEqual(['HANDLER_FAILED']);
      expect(subscription.position).toBe((await store.readAll())[0]?.position);
      await subscription.close();
    });

    it('stops delivering once closed', async () => {
      const store = await h.store();
      const seen: unknown[] = [];
      const subscription = store.subscribe({}, (record) => void seen.push(record.event.data));
      await subscription.caughtUp;
      await subscription.close();
      await subscription.done;
      await store.append('s', events('e', 2));
      await sleep(60);
      expect(seen).toEqual([]);
    });

    it('refuses a position below 1 with INVALID_SUBSCRIPTION', async () => {
      const store = await h.store();
      expect(() => store.subscribe({ fromPosition: 0 }, () => undefined)).toThrowError(
        expect.objectContaining({ code: 'INVALID_SUBSCRIPTION' }),
      );
    });
  });
}
