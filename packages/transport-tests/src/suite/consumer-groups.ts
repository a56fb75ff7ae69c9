/** Consumer groups, where the transport claims `consumerGroups`. */
import type { Bus, EventEnvelope, PublishReceipt, SubscriptionHandle } from '@bus/core';
import { describe, expect, it } from 'vitest';
import { type ConformanceHarness, sortedIds } from '../harness.js';
import { lateDeliverySpy } from '../late-delivery-spy.js';

/** How many events the consumer-group test publishes. */
export const GROUP_EVENT_COUNT = 20;

/** Registers the consumer-group test when the transport claims `consumerGroups`. */
export function consumerGroupTests(h: ConformanceHarness): void {
  if (!h.capabilities.consumerGroups) return;
  describe('consumer groups', () => {
    it('hands each event to exactly one member of a group, and every event to another group', async () => {
      const type = h.uniqueType('groups');
      const workers = h.uniqueGroup('workers');
      const auditors = h.uniqueGroup('auditors');
      // Members on two buses over two transports, as two processes would be;
      // an in-process transport connects only its own bus, so there one bus holds both.
      const busOfA = await h.startedBus('conformance-member-a');
      const busOfB = h.capabilities.inProcess ? busOfA : await h.startedBus('conformance-member-b');
      const byA: EventEnvelope[] = [];
      const byB: EventEnvelope[] = [];
      const byAuditor: EventEnvelope[] = [];
      const subscriptions: [Bus, SubscriptionHandle][] = [
        [busOfA, busOfA.subscribe(type, (event) => void byA.push(event), { group: workers, name: 'member-a' })],
        [busOfB, busOfB.subscribe(type, (event) => void byB.push(event), { group: workers, name: 'member-b' })],
        [busOfA, busOfA.subscribe(type, (event) => void byAuditor.push(event), { group: auditors, name: 'auditor' })],
      ];
      await h.ready(...subscriptions);

      const receipts: PublishReceipt[] = [];
      for (let n = 0; n < GROUP_EVENT_COUNT; n++) receipts.push(await busOfA.publish(type, { n }, { key: `key-${n}` }));

      await h.waitFor(
        () => byA.length + byB.length >= GROUP_EVENT_COUNT && byAuditor.length >= GROUP_EVENT_COUNT,
        () => `${GROUP_EVENT_COUNT} deliveries in each group; got ${byA.length} + ${byB.length} and ${byAuditor.length}`,
      );
      // Exactly once across the group: no event missing, none twice. How the
      // events are split (one member may get all of them) is the transport's choice.
      expect(sortedIds([...byA, ...byB])).toEqual(sortedIds(receipts));
      expect(sortedIds(byAuditor)).toEqual(sortedIds(receipts));
    });

    it('hands every event to the remaining members once a member unsubscribed', async () => {
      const type = h.uniqueType('group-leave');
      const workers = h.uniqueGroup('workers');
      const spy = lateDeliverySpy();
      const busOfStaying = await h.startedBus('conformance-member-staying', spy.wrap);
      const busOfLeaving = h.capabilities.inProcess ? busOfStaying : await h.startedBus('conformance-member-leaving', spy.wrap);
      const byStaying: EventEnvelope[] = [];
      const byLeaving: EventEnvelope[] = [];
      const staying = busOfStaying.subscribe(type, (event) => void byStaying.push(event), { group: workers, name: 'staying' });
      const leaving = busOfLeaving.subscribe(type, (event) => void byLeaving.push(event), { group: workers, name: 'leaving' });
      await h.ready([busOfStaying, staying], [busOfLeaving, leaving]);

      await leaving.unsubscribe();
      // The group is smaller now: let the transport settle it (a rebalance) before expecting deliveries.
      await h.ready([busOfStaying, staying]);
      const receipts: PublishReceipt[] = [];
      for (let n = 0; n < GROUP_EVENT_COUNT; n++) receipts.push(await busOfStaying.publish(type, { n }, { key: `key-${n}` }));

      await h.waitFor(
        () => byStaying.length >= GROUP_EVENT_COUNT,
        () => `${GROUP_EVENT_COUNT} deliveries to the member that stayed; got ${byStaying.length}`,
      );
      expect(sortedIds(byStaying)).toEqual(sortedIds(receipts));
      expect(byLeaving).toEqual([]);
      expect(spy.late, 'messages the transport handed over after unsubscribe() resolved').toEqual([]);
    });
  });
}
