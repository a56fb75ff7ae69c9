/** Optimistic concurrency under contention: many writers, few streams, retry loops. */
import { BusError } from '@bus/core';
import { describe, expect, it } from 'vitest';
import type { EventStore } from '../../event-store.js';
import { type ConformanceHarness, sleep } from '../harness.js';

const STREAMS = 5;
const APPENDS_PER_WRITER = 3;
const MAX_ATTEMPTS = 2000;

interface Deposit {
  writer: number;
  n: number;
  /** The balance after this deposit, computed from the state the writer read: a lost update shows as a wrong balance. */
  balance: number;
}

/** Registers the concurrency test. */
export function concurrencyTests(h: ConformanceHarness): void {
  const writers = h.settings.concurrentWriters;
  describe('concurrency', () => {
    it(`keeps every update of ${writers} concurrent writers on ${STREAMS} streams: contiguous versions, every conflict typed`, async () => {
      const name = h.unique('contended');
      // Writers share one store, or are spread over two stores of the same data when several writers may share it.
      const stores: EventStore[] = [await h.store(name)];
      if (h.capabilities.multiWriter) stores.push(await h.store(name));
      const conflicts: string[] = [];
      const unexpected: unknown[] = [];

      const writer = async (id: number): Promise<void> => {
        const store = stores[id % stores.length] as EventStore;
        const stream = `account-${id % STREAMS}`;
        for (let n = 0; n < APPENDS_PER_WRITER; n++) {
          for (let attempt = 1; ; attempt++) {
            if (attempt > MAX_ATTEMPTS) throw new Error(`writer ${id} gave up after ${MAX_ATTEMPTS} conflicts`);
            const { state, version } = await store.aggregate<number, Deposit>(stream, (_, event) => event.data.balance, { initial: 0 });
            try {
              await store.append(
                stream,
                { type: 'account.deposited', data: { writer: id, n, balance: state + 1 } },
                { expectedVersion: version },
              );
              break;
            } catch (error) {
              if (BusError.is(error) && error.code === 'CONCURRENCY_CONFLICT') {
                conflicts.push(error.code);
                await sleep(Math.random() * 3);
                continue;
              }
              unexpected.push(error);
              throw error;
            }
          }
        }
      };
      await Promise.all(Array.from({ length: writers }, (_, id) => writer(id)));

      expect(unexpected).toEqual([]);
      const reader = stores[0] as EventStore;
      const seen = new Set<string>();
      let total = 0;
      for (let s = 0; s < STREAMS; s++) {
        const records = await reader.readStream<Deposit>(`account-${s}`);
        expect(records.map((record) => record.version)).toEqual(records.map((_, index) => index));
        // Each deposit saw the one before it: no update was lost.
        expect(records.map((record) => record.event.data.balance)).toEqual(records.map((_, index) => index + 1));
        for (const record of records) seen.add(`${record.event.data.writer}/${record.event.data.n}`);
        total += records.length;
      }
      expect(total).toBe(writers * APPENDS_PER_WRITER);
      expect(seen.size).toBe(writers * APPENDS_PER_WRITER);
      // Writers did collide (so the check was exercised), and every collision was the typed conflict.
      expect(conflicts.length).toBeGreaterThan(0);
      expect(conflicts.every((code) => code === 'CONCURRENCY_CONFLICT')).toBe(true);
      expect(await reader.readAll()).toHaveLength(total);
    });

    it(`lands every append of ${writers} concurrent writers expecting 'any' on one stream, numbered without gaps`, async () => {
      const name = h.unique('any');
      const stores: EventStore[] = [await h.store(name)];
      if (h.capabilities.multiWriter) stores.push(await h.store(name));
      await Promise.all(
        Array.from({ length: writers }, (_, id) =>
          (stores[id % stores.length] as EventStore).append('hot', [
            { type: 'e', data: { id, part: 0 } },
            { type: 'e', data: { id, part: 1 } },
          ]),
        ),
      );
      const records = await (stores[0] as EventStore).readStream<{ id: number; part: number }>('hot');
      expect(records.map((record) => record.version)).toEqual(records.map((_, index) => index));
      expect(records).toHaveLength(writers * 2);
      // Each append stayed in one piece.
      for (let index = 0; index < records.length; index += 2) {
        expect(records[index]?.event.data.id).toBe(records[index + 1]?.event.data.id);
      }
    });
  });
}
