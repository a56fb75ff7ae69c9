/** Snapshots and aggregates rebuilt from them. */

import type { EventEnvelope } from '@bus/core';
import { describe, expect, it } from 'vitest';
import { type ConformanceHarness, events } from '../harness.js';

interface Account {
  balance: number;
  trades: number[];
}

const deposit = (account: Account, event: EventEnvelope<unknown>): Account => {
  const { n } = event.data as { n: number };
  return { balance: account.balance + n, trades: [...account.trades, n] };
};

/** Registers the snapshot and aggregate tests. */
export function snapshotTests(h: ConformanceHarness): void {
  describe('snapshots and aggregates', () => {
    it('loads the snapshot with the highest version, whatever the order they were saved in; none for an unknown stream', async () => {
      const store = await h.store();
      expect(await store.loadSnapshot('trader-1')).toBeUndefined();
      await store.saveSnapshot({ stream: 'trader-1', version: 9, state: { balance: 1000 } });
      await store.saveSnapshot({ stream: 'trader-1', version: 4, state: { balance: 500 } });
      await store.saveSnapshot({ stream: 'trader-2', version: 20, state: { balance: 1 } });
      const latest = await store.loadSnapshot<{ balance: number }>('trader-1');
      expect(latest).toMatchObject({ stream: 'trader-1', version: 9, state: { balance: 1000 } });
      expect(Number.isNaN(Date.parse(latest?.takenAt as string))).toBe(false);
      // Saving at the same version replaces it.
      await store.saveSnapshot({ stream: 'trader-1', version: 9, state: { balance: 999 } });
      expect((await store.loadSnapshot<{ balance: number }>('trader-1'))?.state.balance).toBe(999);
    });

    it('rebuilds state from the latest snapshot plus the events after it, saving a snapshot every N events', async () => {
      const store = await h.store();
      await store.append('acct', events('deposited', 5, 1)); // versions 0..4, n = 1..5
      const initial = (): Account => ({ balance: 0, trades: [] });
      const first = await store.aggregate('acct', deposit, { initial, snapshot: { every: 3 } });
      expect(first).toMatchObject({
        state: { balance: 15, trades: [1, 2, 3, 4, 5] },
        version: 4,
        fromSnapshot: -1,
        eventsFolded: 5,
        snapshotSaved: true,
      });
      expect(await store.loadSnapshot('acct')).toMatchObject({ version: 4, state: { balance: 15 } });

      await store.append('acct', events('deposited', 2, 6)); // versions 5, 6
      const second = await store.aggregate('acct', deposit, { initial, snapshot: { every: 3 } });
      expect(second).toMatchObject({ state: { balance: 28 }, version: 6, fromSnapshot: 4, eventsFolded: 2, snapshotSaved: false });

      await store.append('acct', events('deposited', 1, 8)); // version 7: 3 since the snapshot
      const third = await store.aggregate('acct', deposit, { initial, snapshot: { every: 3 } });
      expect(third).toMatchObject({ state: { balance: 36 }, version: 7, fromSnapshot: 4, eventsFolded: 3, snapshotSaved: true });
      expect((await store.loadSnapshot('acct'))?.version).toBe(7);
    });

    it('starts from the snapshot, not from the events before it', async () => {
      const store = await h.store();
      await store.append('acct', events('deposited', 3, 1));
      // A snapshot whose state does not follow from the events proves it was used.
      await store.saveSnapshot({ stream: 'acct', version: 1, state: { balance: 1000, trades: [] } });
      const rebuilt = await store.aggregate('acct', deposit, { initial: { balance: 0, trades: [] } });
      expect(rebuilt.state).toEqual({ balance: 1003, trades: [3] });
    });

    it('rebuilds to a target version, using only a snapshot at or before it', async () => {
      const store = await h.store();
      await store.append('acct', events('deposited', 6, 1));
      await store.saveSnapshot({ stream: 'acct', version: 4, state: { balance: 15, trades: [] } });
      const early = await store.aggregate('acct', deposit, { initial: { balance: 0, trades: [] }, toVersion: 2 });
      expect(early).toMatchObject({ state: { balance: 6 }, version: 2, fromSnapshot: -1 });
      const later = await store.aggregate('acct', deposit, { initial: { balance: 0, trades: [] }, toVersion: 5 });
      expect(later).toMatchObject({ state: { balance: 21 }, version: 5, fromSnapshot: 4 });
    });

    it('gives an empty stream the initial state at version -1', async () => {
      const store = await h.store();
      expect(await store.aggregate('nobody', deposit, { initial: { balance: 7, trades: [] } })).toMatchObject({
        state: { balance: 7 },
        version: -1,
        eventsFolded: 0,
      });
    });
  });
}
