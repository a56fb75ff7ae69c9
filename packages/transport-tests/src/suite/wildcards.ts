/**
 * Wildcard subscriptions, where the transport claims `wildcards` and the
 * caller gives a wildcard router (`wildcardPlugins`, e.g. `@bus/topics`): the
 * transport matches patterns with the bus's router, whatever its rules are.
 * The patterns here use `*` (one word) and `#` (zero or more words), as
 * `@bus/topics` defines them.
 */
import type { EventEnvelope, PublishReceipt } from '@bus/core';
import { describe, expect, it } from 'vitest';
import { type ConformanceHarness, settle, sortedIds } from '../harness.js';

/** How long to keep listening after the expected deliveries, to catch one matched wrongly. */
export const WILDCARD_SETTLE_MS = 200;

/** Registers the wildcard test when the transport claims `wildcards` and `wildcardPlugins` is given. */
export function wildcardTests(h: ConformanceHarness): void {
  const wildcardPlugins = h.settings.wildcardPlugins;
  if (!h.capabilities.wildcards || wildcardPlugins === undefined) return;
  describe('wildcards', () => {
    it('delivers to a wildcard subscription the events whose type its pattern matches, and none other', async () => {
      const base = h.uniqueType('wildcards');
      const bus = await h.startedBus('conformance', undefined, wildcardPlugins());
      const byOneWord: EventEnvelope[] = [];
      const byAnyWords: EventEnvelope[] = [];
      const byExact: EventEnvelope[] = [];
      // The types need not exist anywhere yet: a transport must find what appears after the subscription.
      const handles = [
        bus.subscribe(`${base}.*.created`, (event) => void byOneWord.push(event)),
        bus.subscribe(`${base}.audit.#`, (event) => void byAnyWords.push(event)),
        bus.subscribe(`${base}.eu.created`, (event) => void byExact.push(event)),
      ];
      await h.ready(...handles.map((handle) => [bus, handle] as const));

      // One batch: a transport that makes a topic per type creates them all at once.
      const types = ['eu.created', 'eu.shipped', 'audit', 'us.created', 'auditor', 'audit.login.failed', 'eu.created.late'];
      const sent = await bus.publishBatch(types.map((type) => ({ type: `${base}.${type}`, data: { type } })));
      const receipts = new Map<string, PublishReceipt>(types.map((type, index) => [type, sent[index] as PublishReceipt]));
      const of = (...named: string[]) => sortedIds(named.map((type) => receipts.get(type) as PublishReceipt));

      await h.waitFor(
        () => byOneWord.length >= 2 && byAnyWords.length >= 2 && byExact.length >= 1,
        () => `2, 2 and 1 deliveries; got ${byOneWord.length}, ${byAnyWords.length} and ${byExact.length}`,
      );
      await settle(WILDCARD_SETTLE_MS); // anything matched wrongly has had its chance to arrive
      expect(sortedIds(byOneWord), '*.created: exactly one word in place of *').toEqual(of('eu.created', 'us.created'));
      expect(sortedIds(byAnyWords), 'audit.#: zero or more words after audit').toEqual(of('audit', 'audit.login.failed'));
      expect(sortedIds(byExact), 'an exact pattern beside the wildcards').toEqual(of('eu.created'));
    });
  });
}
