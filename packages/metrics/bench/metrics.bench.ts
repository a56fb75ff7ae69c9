// What metrics() costs: `await publish` → async handler throughput of a bus
// with the plugin (an OpenTelemetry SDK installed, spans batched to an exporter
// that discards them, metrics aggregated in memory — in process and read by a
// reader's producer, or by the SDK's own instruments) against the same bus
// without it. Run with `pnpm bench` at the root (builds first; measures the
// built package).
import { createBus, definePlugin } from '@bus/core';
import { createBenchReport, measure } from '@bus/scripts/bench';
import { context, ROOT_CONTEXT, TraceFlags, type TracerProvider, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode } from '@opentelemetry/core';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  type ReadableSpan,
  type SpanExporter,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { type MetricsOptions, metrics, metricsProducer } from '../dist/index.js';

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
const spanProcessor = () => new BatchSpanProcessor(new DiscardingExporter(), { maxQueueSize: 65_536, maxExportBatchSize: 4096 });
const tracerProvider: TracerProvider = new BasicTracerProvider({ spanProcessors: [spanProcessor()] });
// The SDK's default sampler is parent-based (always on at the root); this one keeps 1% of root traces.
const sampledTracerProvider: TracerProvider = new BasicTracerProvider({
  spanProcessors: [spanProcessor()],
  sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.01) }),
});
const sdkMeterProvider = new MeterProvider({ readers: [new IdleReader()] });
const producer = metricsProducer();
const meterProvider = new MeterProvider({ readers: [new IdleReader({ metricProducers: [producer] })] });

/** A plugin with one publish and one deliver middleware that only call next(): what any such plugin costs in the kernel. */
const passThrough = definePlugin({
  name: 'pass-through',
  setup(kernel) {
    kernel.usePublish('enrich', function passPublish(_ctx, next) {
      return next();
    });
    kernel.useDeliver('handle', function passDelivery(_ctx, next) {
      return next();
    });
  },
});

async function subscribed(options: MetricsOptions | 'pass-through' | undefined): Promise<Bus> {
  const bus =
    options === undefined ? createBus() : options === 'pass-through' ? createBus().use(passThrough) : createBus().use(metrics(options));
  bus.subscribe<number>('orders.created', async (event) => {
    sink += event.data;
  });
  await bus.start();
  return bus;
}

const GOALS: Record<string, string> = { 'metrics only': '≥ 0.6x', 'tracing 1% sampled': '≥ 0.5x' };

async function publishCase(): Promise<void> {
  const variants: Record<string, MetricsOptions | 'pass-through' | undefined> = {
    'no plugin': undefined,
    'metrics + tracing': { meterProvider, producer, tracerProvider },
    'metrics only': { meterProvider, producer, tracing: false },
    'metrics only, SDK instruments (no producer)': { meterProvider: sdkMeterProvider, tracing: false },
    'tracing only': { tracerProvider, metrics: false },
    'tracing 1% sampled': { tracerProvider: sampledTracerProvider, metrics: false },
    'metrics + tracing 1% sampled': { meterProvider, producer, tracerProvider: sampledTracerProvider },
    'no SDK registered (API no-ops)': {},
    'a pass-through plugin (kernel floor, not metrics)': 'pass-through',
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
      ...(GOALS[name] === undefined ? {} : { goal: GOALS[name] }),
    });
  }
  for (const bus of buses.values()) await bus.stop();
}

/**
 * Publishing inside a request whose trace was not sampled (the 99% at 1%):
 * no publish is a root, so no span is even started. The whole run goes on in
 * that request's context, the bare bus's too.
 */
async function unsampledRequestCase(): Promise<void> {
  const bare = await subscribed(undefined);
  const traced = await subscribed({ tracerProvider: sampledTracerProvider, metrics: false });
  const request = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    traceFlags: TraceFlags.NONE,
    isRemote: true,
  });
  const hz = await context.with(request, () =>
    measure({ 'no plugin': () => bare.publish('orders.created', 1), traced: () => traced.publish('orders.created', 1) }),
  );
  const baseline = hz.get('no plugin') as number;
  const ops = hz.get('traced') as number;
  results.push({
    name: 'await publish → async handler, tracing 1% sampled, inside an unsampled request (no root: no span started)',
    opsPerSec: Math.round(ops),
    baseline: 'no plugin',
    baselineOpsPerSec: Math.round(baseline),
    ratio: Number((ops / baseline).toFixed(3)),
  });
  await bare.stop();
  await traced.stop();
}

await publishCase();
await unsampledRequestCase();
await (tracerProvider as BasicTracerProvider).shutdown();
await (sampledTracerProvider as BasicTracerProvider).shutdown();
print();
if (sink === 42) console.log('');
