/** What a failing handler may and may not do to delivery, and redelivery where it is claimed. */
import { BusError, type EventEnvelope, type PublishReceipt, type Subscription } from '@bus/core';
import { describe, expect, it } from 'vitest';
import { type ConformanceHarness, idsOf, sortedIds } from '../harness.js';

interface Numbered {
  readonly n: number;
}

/** Registers the handler-failure tests, and the redelivery test when the transport claims `redelivery`. */
export function handlerFailureTests(h: ConformanceHarness): void {
  describe('a failing handler', () => {
    it('does not stop later deliveries to it or to others, and is reported on "failed" as HANDLER_FAILED with the event id', async () => {
      const type = h.uniqueType('handler-fails');
      const bus = await h.startedBus();
      const failures: [BusError, EventEnvelope, Subscription][] = [];
      bus.events.on('failed', (error, event, subscription) => void failures.push([error, event, subscription]));
      const handledByFlaky: EventEnvelope<Numbered>[] = [];
      const handledBySteady: EventEnvelope<Numbered>[] = [];
      let failedOnce = false;
      // Fails only the first sight of event 2: a transport with redelivery then
      // sees it succeed instead of retrying it for ever.
      const flaky = bus.subscribe<Numbered>(
        type,
        (event) => {
          if (event.data.n === 2 && !failedOnce) {
            failedOnce = true;
            throw new Error('conformance: this handler fails on purpose');
          }
          handledByFlaky.push(event);
        },
        { name: 'flaky' },
      );
      const steady = bus.subscribe<Numbered>(type, (event) => void handledBySteady.push(event), { name: 'steady' });
      await h.ready([bus, flaky], [bus, steady]);

      const receipts: PublishReceipt[] = [];
      for (const n of [1, 2, 3]) receipts.push(await bus.publish(type, { n }));
      const [first, failing, third] = receipts as [PublishReceipt, PublishReceipt, PublishReceipt];

      await h.waitFor(
        () => idsOf(handledByFlaky).includes(third.id) && handledBySteady.length >= 3 && failures.length >= 1,
        () =>
          `event 3 to reach the failing subscription (${handledByFlaky.length} handled), 3 to reach the other (${handledBySteady.length}), and a "failed" signal (${failures.length})`,
      );
      expect(sortedIds(handledBySteady)).toEqual(sortedIds(receipts));
      expect(idsOf(handledByFlaky)).toEqual(expect.arrayContaining([first.id, third.id]));
      if (!h.capabilities.redelivery) expect(idsOf(handledByFlaky)).not.toContain(failing.id);

      expect(failures).toHaveLength(1);
      const [error, event, subscription] = failures[0] as [BusError, EventEnvelope, Subscription];
      expect(error).toBeInstanceOf(BusError);
      expect(error).toMatchObject({ code: 'HANDLER_FAILED', eventId: failing.id });
      expect(error.cause).toMatchObject({ message: 'conformance: this handler fails on purpose' });
      expect(event.id).toBe(failing.id);
      expect(subscription.id).toBe(flaky.id);
    });
  });

  if (h.capabilities.redelivery) {
    describe('redelivery', () => {
      it('delivers an event again, with the same id and data, after its handler failed', async () => {
        const type = h.uniqueType('redelivery');
        const bus = await h.startedBus();
        bus.events.on('failed', () => undefined); // expected once; keeps stderr quiet
        const attempts: EventEnvelope<Numbered>[] = [];
        const handle = bus.subscribe<Numbered>(type, (event) => {
          attempts.push(event);
          if (attempts.length === 1) throw new Error('conformance: fails the first delivery');
        });
        await h.ready([bus, handle]);

        const receipt = await bus.publish(type, { n: 7 });

        await h.waitFor(
          () => attempts.length >= 2,
          () => `a second delivery; got ${attempts.length}`,
        );
        expect(idsOf(attempts.slice(0, 2))).toEqual([receipt.id, receipt.id]);
        expect(attempts[1]?.data).toEqual({ n: 7 });
      });
    });
  }
}
