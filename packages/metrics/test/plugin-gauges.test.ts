// Gauges other plugins declare with kernel.provideGauges become observable
// gauges, read together at each collection; a failing read is reported, and
// the gauges stop with the bus.
import { BusError, createBus, definePlugin } from '@bus/core';
import { afterEach, describe, expect, it } from 'vitest';
import { metrics } from '../src/index.js';
import { busesToStop, inMemoryTelemetry } from './telemetry.js';

const { started, stopAll } = busesToStop();
afterEach(stopAll);

/** A plugin with a queue depth and an age, read by one (counted) call. */
function queuePlugin(read: () => Record<string, number> | Promise<Record<string, number>>) {
  let reads = 0;
  const plugin = definePlugin({
    name: 'queue',
    setup(kernel) {
      kernel.provideGauges({
        gauges: [
          { name: 'test.queue.depth', description: 'Events queued', unit: '{event}' },
          { name: 'test.queue.oldest_age', description: 'Age of the oldest', unit: 's' },
        ],
        collect: () => {
          reads++;
          return read();
        },
      });
    },
  });
  return { plugin, reads: () => reads };
}

async function gaugePoints(telemetry: ReturnType<typeof inMemoryTelemetry>, name: string) {
  const metric = (await telemetry.collect()).find((m) => m.descriptor.name === name);
  return { unit: metric?.descriptor.unit, points: (metric?.dataPoints ?? []).map((p) => ({ value: p.value, attributes: p.attributes })) };
}

describe('gauges declared by plugins', () => {
  it('are observable gauges with their unit and description, read once per collection, with messaging.system.name', async () => {
    const telemetry = inMemoryTelemetry();
    let depth = 3;
    const queue = queuePlugin(() => ({ 'test.queue.depth': depth, 'test.queue.oldest_age': 1.5 }));
    const bus = createBus()
      .use(queue.plugin)
      .use(metrics({ meterProvider: telemetry.meterProvider, tracing: false }));
    await started(bus);
    const first = await gaugePoints(telemetry, 'test.queue.depth');
    expect(first).toEqual({
      unit: '{event}',
      points: [{ value: 3, attributes: { 'messaging.system.name': 'bus', 'messaging.system': 'bus' } }],
    });
    depth = 7;
    expect((await gaugePoints(telemetry, 'test.queue.depth')).points[0]?.value).toBe(7);
    expect((await gaugePoints(telemetry, 'test.queue.oldest_age')).points[0]?.value).toBe(1.5);
    expect(queue.reads()).toBe(3); // one read per collection, for both gauges
  });

  it('reports a failing read on events error as GAUGE_FAILED (or its own code), and skips values that are not numbers', async () => {
    const telemetry = inMemoryTelemetry();
    let fail: Error | undefined = new Error('database down');
    const queue = queuePlugin(async () => {
      if (fail) throw fail;
      return { 'test.queue.depth': Number.NaN, 'test.queue.oldest_age': 2 };
    });
    const bus = createBus()
      .use(queue.plugin)
      .use(metrics({ meterProvider: telemetry.meterProvider, tracing: false }));
    const errors: string[] = [];
    bus.events.on('error', (error) => void errors.push(error.code));
    await started(bus);
    expect((await gaugePoints(telemetry, 'test.queue.depth')).points).toEqual([]);
    expect(errors).toEqual(['GAUGE_FAILED']);
    fail = new BusError('STORE_FAILED', 'no connection');
    await telemetry.collect();
    expect(errors).toEqual(['GAUGE_FAILED', 'STORE_FAILED']);
    fail = undefined;
    expect((await gaugePoints(telemetry, 'test.queue.depth')).points).toEqual([]);
    expect((await gaugePoints(telemetry, 'test.queue.oldest_age')).points[0]?.value).toBe(2);
  });

  it('are no longer read once the bus stopped', async () => {
    const telemetry = inMemoryTelemetry();
    const queue = queuePlugin(() => ({ 'test.queue.depth': 1, 'test.queue.oldest_age': 0 }));
    const bus = createBus()
      .use(metrics({ meterProvider: telemetry.meterProvider, tracing: false }))
      .use(queue.plugin);
    await bus.start();
    await telemetry.collect();
    await bus.stop();
    await telemetry.collect();
    expect(queue.reads()).toBe(1);
  });

  it('refuse a malformed declaration with PLUGIN_INVALID', () => {
    const bad = definePlugin({ name: 'bad', setup: (kernel) => kernel.provideGauges({} as never) });
    expect(() => createBus().use(bad)).toThrow(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
  });
});
