// What metrics() costs: `await publish` → async handler throughput of a bus
// with the plugin (an OpenTelemetry SDK installed, spans batched to an exporter
// that discards them, metrics aggregated in memory) against the same bus
// without it. Run with `pnpm bench` at the root (builds first; measures the
// built package).
import { createBus } from '@bus/core';
import { createBenchReport, measure } from '@bus/scripts/bench';
import { context, type TracerProvider } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode } from '@opentelemetry/core';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { type MetricsOptions, metrics } from '../dist/index.js';

type Bus = ReturnType<typeof createBus>;

const { results, print } = createBenchReport('@bus/metrics');
let sink = 0;

/** Collects only when asked: metrics are aggregated, never exported. */
class IdleReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/** Drops every span it is given, as fast as an exporter can. */
class DiscardingExporter implements SpanExporter {
  export(spans: ReadableSpan[], done: (result: { code: ExportResultCode }) => void): void {
    sink += spans.length;
    done({ code: ExportResultCode.SUCCESS });
  }
  async shutdown(): Promise<void> {}
}

// What the Node SDK registers: handlers run inside their span's context.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const tracerProvider: TracerProvider = new BasicTracerProvider({
  spanProcessors: [new BatchSpanProcessor(new DiscardingExporter(), { maxQueueSize: 65_536, maxExportBatchSize: 4096 })],
});
const meterProvider = new MeterProvider({ readers: [new IdleReader()] });

async function subscribed(options: MetricsOptions | undefined): Promise<Bus> {
  const bus = options === undefined ? createBus() : createBus().use(metrics(options));
  bus.subscribe<number>('orders.created', async (event) => {
    sink += event.data;
  });
  await bus.start();
  return bus;
}

async function publishCase(): Promise<void> {
  const variants: Record<string, MetricsOptions | undefined> = {
    'no plugin': undefined,
    'metrics + tracing': { meterProvider, tracerProvider },
    'metrics only': { meterProvider, tracing: false },
    'tracing only': { tracerProvider, metrics: false },
    'no SDK registered (API no-ops)': {},
  };
  const buses = new Map<string, Bus>();
  for (const [name, options] of Object.entries(variants)) buses.set(name, await subscribed(options));
  const tasks = Object.fromEntries([...buses].map(([name, bus]) => [name, () => bus.publish('orders.created', 1)]));
  const hz = await measure(tasks);
  const baseline = hz.get('no plugin') as number;
  for (const name of Object.keys(variants)) {
    if (name === 'no plugin') continue;
    const ops = hz.get(name) as number;
    results.push({
      name: `await publish → async handler, ${name}`,
      opsPerSec: Math.round(ops),
      baseline: 'no plugin',
      baselineOpsPerSec: Math.round(baseline),
      ratio: Number((ops / baseline).toFixed(3)),
    });
  }
  for (const bus of buses.values()) await bus.stop();
}

await publishCase();
await (tracerProvider as BasicTracerProvider).shutdown();
print();
if (sink === 42) console.log('');
