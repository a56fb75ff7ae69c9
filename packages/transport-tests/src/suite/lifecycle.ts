/** The bus lifecycle over the transport: draining at stop, and publishing outside start..stop. */
import { describe, expect, it } from 'vitest';
import type { ConformanceHarness } from '../harness.js';

/** How long the handler of the drain test works after it started. */
export const SLOW_HANDLER_MS = 200;

/** Registers the lifecycle tests. */
export function lifecycleTests(h: ConformanceHarness): void {
  describe('lifecycle', () => {
    it('stop() waits for a handler in flight to finish before it resolves', async () => {
      const type = h.uniqueType('drain');
      const bus = await h.startedBus();
      let started = false;
      let finished = false;
      const handle = bus.subscribe(type, async () => {
        started = true;
        await new Promise((resolve) => setTimeout(resolve, SLOW_HANDLER_MS));
        finished = true;
      });
      await h.ready([bus, handle]);

      // Not awaited: an in-process transport resolves publish only once handlers settle.
      const publishing = bus.publish(type, { n: 1 });
      await h.waitFor(() => started, 'the slow handler to start');
      expect(finished).toBe(false);
      await bus.stop();

      expect(finished).toBe(true);
      expect(bus.status).toBe('stopped');
      await expect(publishing).resolves.toMatchObject({ type });
    });

    it('rejects publishing before start() with BUS_NOT_STARTED and after stop() with BUS_STOPPED', async () => {
      const type = h.uniqueType('not-running');
      const bus = await h.createBus();
      await expect(bus.publish(type, { n: 1 })).rejects.toMatchObject({ code: 'BUS_NOT_STARTED' });
      await expect(bus.publishBatch([{ type, data: { n: 1 } }])).rejects.toMatchObject({ code: 'BUS_NOT_STARTED' });
      await bus.start();
      await bus.stop();
      await expect(bus.publish(type, { n: 2 })).rejects.toMatchObject({ code: 'BUS_STOPPED' });
      await expect(bus.publishBatch([{ type, data: { n: 2 } }])).rejects.toMatchObject({ code: 'BUS_STOPPED' });
    });
  });
}
