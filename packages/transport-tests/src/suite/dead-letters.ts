/**
 * One retry policy and one dead-letter record on every transport: with
 * `@bus/resilience` on the bus, a poison event is tried exactly its
 * `maxAttempts` times (a transport with redelivery adds no budget of its
 * own), lands once in the sink with the same record whatever the transport,
 * and does not hold back the events after it.
 */
import type { EventEnvelope } from '@bus/core';
import { type DeadLetter, memoryDeadLetterSink, resilience } from '@bus/resilience';
import { describe, expect, it } from 'vitest';
import type { ConformanceHarness } from '../harness.js';

interface Numbered {
  readonly n: number;
}

/** Registers the dead-letter tests: every transport runs them. */
export function deadLetterTests(h: ConformanceHarness): void {
  describe('dead letters (with @bus/resilience)', () => {
    it("tries a poison event maxAttempts times, no more, keeps one dead letter of it in resilience's sink, and delivers the rest", async () => {
      const type = h.uniqueType('poison');
      const sink = memoryDeadLetterSink();
      const plugin = resilience({ retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 5 }, deadLetter: sink });
      const bus = await h.startedBus(undefined, undefined, [plugin]);
      let deadLettered = 0;
      bus.events.on('deadLettered', () => void deadLettered++);
      const attempts: number[] = [];
      const handled: EventEnvelope<Numbered>[] = [];
      const handle = bus.subscribe<Numbered>(
        type,
        (event, ctx) => {
          if (event.data.n === 2) {
            attempts.push(ctx.attempt);
            throw new Error('conformance: event 2 is poison');
          }
          handled.push(event);
        },
        { name: 'billing' },
      );
      await h.ready([bus, handle]);
      const receipts = [];
      for (const n of [1, 2, 3]) receipts.push(await bus.publish(type, { n }, { key: 'one-key', subject: 'order-2' }));

      await h.waitFor(
        () => handled.length === 2 && deadLettered === 1,
        () => `events 1 and 3 handled (${handled.length}) and event 2 dead-lettered (${deadLettered})`,
      );
      // Late redeliveries, if the transport added any, would show here.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(attempts).toEqual([1, 2, 3]);
      expect(handled.map((event) => event.data.n).sort()).toEqual([1, 3]);
      const letters = (await sink.list()) as DeadLetter[];
      expect(letters).toHaveLength(1);
      const [letter] = letters as [DeadLetter];
      expect(letter).toMatchObject({
        attempts: 3,
        error: { code: 'HANDLER_FAILED', eventId: receipts[1]?.id, retryable: true },
        subscription: { id: handle.id, name: 'billing', pattern: type },
        event: { id: receipts[1]?.id, type, data: { n: 2 }, partitionkey: 'one-key', subject: 'order-2' },
      });
      expect(letter.error.cause).toMatchObject({ message: 'conformance: event 2 is poison' });
      expect(letter.raw).toBeUndefined();
      expect(Number.isNaN(Date.parse(letter.time))).toBe(false);
    });
  });
}
