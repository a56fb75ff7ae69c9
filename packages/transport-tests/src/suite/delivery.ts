/** Delivery every transport owes: envelopes intact, fan-out per type, unsubscribe, batches. */
import type { EventEnvelope, PublishReceipt } from '@bus/core';
import { describe, expect, it } from 'vitest';
import { type ConformanceHarness, idsOf, settle, sortedIds } from '../harness.js';
import { lateDeliverySpy } from '../late-delivery-spy.js';

/**
 * How long to keep listening after unsubscribe, to catch a late delivery. A
 * wait is the only way to observe an absence; it stays short because the test
 * first sees the same event reach a sibling subscription, so the transport
 * has already routed it.
 */
export const UNSUBSCRIBE_SETTLE_MS = 200;

/** JSON-safe data of every JSON type, nested, with non-ASCII text: it must arrive deep-equal. */
const ROUND_TRIP_DATA = {
  text: 'grüße, 世界 ✓ "quoted" \\ back\nline',
  integer: 42,
  fraction: 0.25,
  negative: -7,
  flag: true,
  off: false,
  nothing: null,
  list: [1, 'two', { three: 3 }, [4]],
  nested: { deeper: { deepest: ['x', { y: 'z' }] } },
  empty: {},
  emptyList: [],
};

/** Registers the delivery tests. */
export function deliveryTests(h: ConformanceHarness): void {
  describe('delivery', () => {
    it('delivers the envelope with its attributes, extensions and data intact', async () => {
      const type = h.uniqueType('round-trip');
      const consumer = await h.startedBus('conformance-consumer');
      // Across the wire when there is one: a second transport publishes.
      const publisher = h.capabilities.inProcess ? consumer : await h.startedBus('conformance-publisher');
      const seen: EventEnvelope[] = [];
      const handle = consumer.subscribe(type, (event) => void seen.push(event));
      await h.ready([consumer, handle]);

      const time = '2024-02-29T12:34:56.789Z';
      const receipt = await publisher.publish(type, ROUND_TRIP_DATA, {
        source: 'urn:bus:conformance:publisher',
        subject: 'order-1',
        key: 'order-1',
        time,
        correlationId: 'correlation-1',
        causationId: 'causation-1',
        tenantId: 'tenant-1',
        extensions: { conformancecheck: 'kept' },
      });

      await h.waitFor(() => seen.length >= 1, 'the event to be delivered');
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({
        id: receipt.id,
        type,
        source: 'urn:bus:conformance:publisher',
        specversion: '1.0',
        time,
        subject: 'order-1',
        partitionkey: 'order-1',
        correlationid: 'correlation-1',
        causationid: 'causation-1',
        tenantid: 'tenant-1',
        conformancecheck: 'kept',
      });
      expect(seen[0]?.data).toEqual(ROUND_TRIP_DATA);
    });

    it('delivers every event to each subscription of its type, and none of another type', async () => {
      const typeA = h.uniqueType('fan-out-a');
      const typeB = h.uniqueType('fan-out-b');
      const bus = await h.startedBus();
      const firstOfA: EventEnvelope[] = [];
      const secondOfA: EventEnvelope[] = [];
      const onlyOfB: EventEnvelope[] = [];
      const handles = [
        bus.subscribe(typeA, (event) => void firstOfA.push(event)),
        bus.subscribe(typeA, (event) => void secondOfA.push(event)),
        bus.subscribe(typeB, (event) => void onlyOfB.push(event)),
      ];
      await h.ready(...handles.map((handle) => [bus, handle] as const));

      // Interleaved, so a transport that mixes types up has every chance to.
      const receiptsOfA: PublishReceipt[] = [];
      const receiptsOfB: PublishReceipt[] = [];
      receiptsOfA.push(await bus.publish(typeA, { n: 1 }));
      receiptsOfB.push(await bus.publish(typeB, { n: 1 }));
      receiptsOfA.push(await bus.publish(typeA, { n: 2 }));
      receiptsOfB.push(await bus.publish(typeB, { n: 2 }));
      receiptsOfA.push(await bus.publish(typeA, { n: 3 }));

      await h.waitFor(
        () => firstOfA.length >= 3 && secondOfA.length >= 3 && onlyOfB.length >= 2,
        () => `3, 3 and 2 deliveries; got ${firstOfA.length}, ${secondOfA.length} and ${onlyOfB.length}`,
      );
      expect(sortedIds(firstOfA)).toEqual(sortedIds(receiptsOfA));
      expect(sortedIds(secondOfA)).toEqual(sortedIds(receiptsOfA));
      expect(sortedIds(onlyOfB)).toEqual(sortedIds(receiptsOfB));
    });

    it('stops delivering to a subscription once unsubscribe() resolves', async () => {
      const type = h.uniqueType('unsubscribe');
      const spy = lateDeliverySpy();
      const bus = await h.startedBus('conformance', spy.wrap);
      const leaving: EventEnvelope[] = [];
      const staying: EventEnvelope[] = [];
      const leavingHandle = bus.subscribe(type, (event) => void leaving.push(event));
      const stayingHandle = bus.subscribe(type, (event) => void staying.push(event));
      await h.ready([bus, leavingHandle], [bus, stayingHandle]);

      const before = await bus.publish(type, { n: 1 });
      await h.waitFor(() => leaving.length >= 1 && staying.length >= 1, 'the first event to reach both subscriptions');
      await leavingHandle.unsubscribe();
      const after = await bus.publish(type, { n: 2 });
      await h.waitFor(() => idsOf(staying).includes(after.id), 'the second event to reach the subscription that stayed');
      await settle(UNSUBSCRIBE_SETTLE_MS);

      expect(idsOf(leaving)).toEqual([before.id]);
      expect(idsOf(staying)).toEqual([before.id, after.id]);
      expect(spy.late, 'messages the transport handed over after unsubscribe() resolved').toEqual([]);
    });

    it('delivers every event of publishBatch, across types', async () => {
      const typeA = h.uniqueType('batch-a');
      const typeB = h.uniqueType('batch-b');
      const bus = await h.startedBus();
      const ofA: EventEnvelope[] = [];
      const ofB: EventEnvelope[] = [];
      const handleA = bus.subscribe(typeA, (event) => void ofA.push(event));
      const handleB = bus.subscribe(typeB, (event) => void ofB.push(event));
      await h.ready([bus, handleA], [bus, handleB]);

      const batch = Array.from({ length: 10 }, (_, n) => ({ type: n % 2 === 0 ? typeA : typeB, data: { n } }));
      const receipts = await bus.publishBatch(batch);

      expect(receipts.map((receipt) => receipt.type)).toEqual(batch.map((event) => event.type));
      await h.waitFor(
        () => ofA.length >= 5 && ofB.length >= 5,
        () => `5 + 5 deliveries; got ${ofA.length} + ${ofB.length}`,
      );
      expect(sortedIds(ofA)).toEqual(sortedIds(receipts.filter((receipt) => receipt.type === typeA)));
      expect(sortedIds(ofB)).toEqual(sortedIds(receipts.filter((receipt) => receipt.type === typeB)));
      expect(ofA.map((event) => event.data).sort(byN)).toEqual([0, 2, 4, 6, 8].map((n) => ({ n })));
      expect(ofB.map((event) => event.data).sort(byN)).toEqual([1, 3, 5, 7, 9].map((n) => ({ n })));
    });
  });
}

function byN(left: unknown, right: unknown): number {
  return (left as { n: number }).n - (right as { n: number }).n;
}
