// The standard in-process stack, one plugin at a time: await publish → one
// async handler, in memory. Each row is the stack so far against the bare bus
// in the same run; the per-plugin cost is the difference in ns/event.

import { context } from '@bus/context';
import { type Bus, createBus, type Plugin } from '@bus/core';
import { metrics, metricsProducer } from '@bus/metrics';
import { resilience } from '@bus/resilience';
import { createSchemaRegistry, schema } from '@bus/schema';
import { benchResult, createBenchReport, measure } from '@bus/scripts/bench';
import { topics } from '@bus/topics';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';

class OnDemandReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

const registry = createSchemaRegistry().register(
  'orders.eu.created',
  { type: 'object', required: ['id', 'total'], properties: { id: { type: 'string' }, total: { type: 'number' } } },
  { version: '1' },
);
// The metrics plugin aggregates in process and hands the aggregates to the reader at collection (its producer).
const producer = metricsProducer();
const meterProvider = new MeterProvider({ readers: [new OnDemandReader({ metricProducers: [producer] })] });
const tracerProvider = new BasicTracerProvider();

const layers: [string, () => Plugin<object>][] = [
  ['+ topics', () => topics()],
  ['+ schema', () => schema({ registry })],
  ['+ context', () => context()],
  ['+ metrics (OTel SDK reader, in-process aggregation)', () => metrics({ meterProvider, producer, tracing: false })],
  ['+ resilience (retry, dead letters)', () => resilience()],
];

let handled = 0;
async function stack(count: number, withTracing = false): Promise<Bus> {
  let bus: Bus = createBus({ source: 'bench' });
  for (const [name, plugin] of layers.slice(0, count)) {
    // The tracing variant swaps the metrics layer for metrics + producer/consumer spans.
    bus = bus.use(withTracing && name.startsWith('+ metrics') ? metrics({ meterProvider, producer, tracerProvider }) : plugin());
  }
  bus.subscribe<{ total: number }>(count >= 1 ? 'orders.*.created' : 'orders.eu.created', async (event) => {
    handled += event.data.total;
  });
  await bus.start();
  return bus;
}

const buses: [string, Bus][] = [['bare bus', await stack(0)]];
for (let i = 1; i <= layers.length; i++)
  buses.push([
    `bare ${layers
      .slice(0, i)
      .map(([name]) => name)
      .join(' ')}`,
    await stack(i),
  ]);
const tracingName = 'full stack, metrics with tracing on (producer and consumer spans)';
buses.push([tracingName, await stack(layers.length, true)]);

const opsPerSec = await measure(
  Object.fromEntries(buses.map(([name, bus]) => [name, () => bus.publish('orders.eu.created', { id: 'o-1', total: 1 })])),
);
for (const [, bus] of buses) await bus.stop();

const hz = (name: string): number => opsPerSec.get(name) ?? Number.NaN;
const { results, print } = createBenchReport('@bus/example-in-process');
const bare = hz('bare bus');
let previous = bare;
for (const [name] of buses.slice(1)) {
  const ops = hz(name);
  const layerCostNs = name === tracingName ? 1e9 / ops - 1e9 / hz(buses[layers.length]?.[0] ?? '') : 1e9 / ops - 1e9 / previous;
  if (name !== tracingName) previous = ops;
  const goal = name === buses[layers.length]?.[0] ? { goal: '>= 1,000,000 events/s' } : {};
  results.push(
    benchResult(`await publish → async handler: ${name}`, 'bare bus', bare, ops, { addedNsPerEvent: Math.round(layerCostNs), ...goal }),
  );
}
print();
if (handled < 0) console.log('');
