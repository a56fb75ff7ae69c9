/** Durability, where the transport claims `durable`: a group's events wait for it across restarts. */
import type { EventEnvelope } from '@bus/core';
import { describe, expect, it } from 'vitest';
import { type ConformanceHarness, idsOf } from '../harness.js';

/** Registers the durability test when the transport claims `durable`. */
export function durabilityTests(h: ConformanceHarness): void {
  if (!h.capabilities.durable) return;
  describe('durability', () => {
    it('delivers an event published while its group was stopped once the group starts again, resuming after the last handled event', async () => {
      const type = h.uniqueType('durable');
      const group = h.uniqueGroup('durable');
      // One key: on a transport ordered per key, an event wrongly delivered again
      // would arrive before the awaited one, so the last check below is exact.
      const key = 'durable-key';
      const publisher = await h.startedBus('conformance-publisher');

      // The group's first life: it consumes one event, so the transport knows its position.
      const firstLife = await h.createBus('conformance-consumer-1');
      const seenInFirstLife: EventEnvelope[] = [];
      const firstHandle = firstLife.subscribe(type, (event) => void seenInFirstLife.push(event), { group });
      await firstLife.start();
      await h.ready([firstLife, firstHandle]);
      const handledBefore = await publisher.publish(type, { n: 1 }, { key });
      await h.waitFor(() => idsOf(seenInFirstLife).includes(handledBefore.id), 'the group to handle the event published while it ran');
      await firstLife.stop();

      const publishedWhileStopped = await publisher.publish(type, { n: 2 }, { key });

      // The group's second life, on a new bus and transport.
      const secondLife = await h.createBus('conformance-consumer-2');
      const seenInSecondLife: EventEnvelope[] = [];
      const secondHandle = secondLife.subscribe(type, (event) => void seenInSecondLife.push(event), { group });
      await secondLife.start();
      await h.ready([secondLife, secondHandle]);
      await h.waitFor(
        () => idsOf(seenInSecondLife).includes(publishedWhileStopped.id),
        'the restarted group to receive the event published while it was stopped',
      );

      expect(idsOf(seenInFirstLife)).toEqual([handledBefore.id]);
      expect(idsOf(seenInSecondLife), 'the restarted group resumes after the last event it handled').toEqual([publishedWhileStopped.id]);
      expect(seenInSecondLife[0]?.data).toEqual({ n: 2 });
    });
  });
}
