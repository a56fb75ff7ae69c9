/** Order per partition key, where the transport claims `orderedPerKey`. */
import type { EventEnvelope, PublishReceipt } from '@bus/core';
import { describe, expect, it } from 'vitest';
import { type ConformanceHarness, idsOf } from '../harness.js';

/** How many events the ordering test publishes with one key. */
export const ORDERED_EVENT_COUNT = 50;

/** Registers the ordering test when the transport claims `orderedPerKey`. */
export function orderingTests(h: ConformanceHarness): void {
  if (!h.capabilities.orderedPerKey) return;
  describe('order per partition key', () => {
    it(`delivers ${ORDERED_EVENT_COUNT} events with one partition key in the order they were published`, async () => {
      const type = h.uniqueType('ordered');
      const bus = await h.startedBus();
      const seen: EventEnvelope[] = [];
      const handle = bus.subscribe(type, (event) => void seen.push(event));
      await h.ready([bus, handle]);

      const receipts: PublishReceipt[] = [];
      for (let n = 0; n < ORDERED_EVENT_COUNT; n++) receipts.push(await bus.publish(type, { n }, { key: 'one-key' }));

      await h.waitFor(
        () => seen.length >= ORDERED_EVENT_COUNT,
        () => `${ORDERED_EVENT_COUNT} deliveries; got ${seen.length}`,
      );
      expect(idsOf(seen)).toEqual(receipts.map((receipt) => receipt.id));
      expect(seen.map((event) => event.data)).toEqual(receipts.map((_, n) => ({ n })));
    });
  });
}
