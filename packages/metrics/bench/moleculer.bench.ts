// The bus against Moleculer doing the same work: one event emitted to one
// local handler, validated, first bare, then with metrics and tracing on.
// Moleculer: a ServiceBroker with no transporter and the logger off, the
// event's `params` checked by its fastest-validator, `metrics: true` (its
// in-memory registry, no reporter) and tracing of events to an exporter that
// drops the spans. The bus: @bus/schema with the equivalent JSON Schema, and
// @bus/metrics with the OpenTelemetry SDK (metrics in process, read by a
// reader's producer; every span sampled and batched to an exporter that drops
// them). See the README's "Against Moleculer" for what each side does per event.
import { createBus } from '@bus/core';
import { createSchemaRegistry, schema } from '@bus/schema';
import { createBenchReport, measure } from '@bus/scripts/bench';
import { context } from '@opentelemetry/api';
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
import { ServiceBroker, TracerExporters } from 'moleculer';
import { metrics, metricsProducer } from '../dist/index.js';

const { results, print } = createBenchReport('@bus/metrics');
let sink = 0;

interface Order {
  readonly id: string;
  readonly total: number;
}
const order: Order = { id: 'o-1', total: 1 };

// ── the bus ──────────────────────────────────────────────────────────────

class IdleReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}
class DiscardingExporter implements SpanExporter {
  export(spans: ReadableSpan[], done: (result: { code: ExportResultCode }) => void): void {
    sink += spans.length;
    done({ code: ExportResultCode.SUCCESS });
  }
  async shutdown(): Promise<void> {}
}
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const spanProcessor = () => new BatchSpanProcessor(new DiscardingExporter(), { maxQueueSize: 65_536, maxExportBatchSize: 4096 });
const tracerProvider = new BasicTracerProvider({ spanProcessors: [spanProcessor()] });
const sampledTracerProvider = new BasicTracerProvider({
  spanProcessors: [spanProcessor()],
  sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.01) }),
});
const producer = metricsProducer();
const meterProvider = new MeterProvider({ readers: [new IdleReader({ metricProducers: [producer] })] });

// The JSON Schema equivalent of Moleculer's `{ id: 'string', total: 'number' }` (both required, extra keys allowed).
const orderSchema = {
  type: 'object',
  required: ['id', 'total'],
  properties: { id: { type: 'string' }, total: { type: 'number' } },
};

type Instrumentation = 'bare' | 'all traces' | '1% of traces';

async function busOf(instrumentation: Instrumentation) {
  const registry = createSchemaRegistry().register('orders.created', orderSchema);
  const bus = createBus().use(schema({ registry }));
  const used =
    instrumentation === 'bare'
      ? bus
      : bus.use(
          metrics({ meterProvider, producer, tracerProvider: instrumentation === 'all traces' ? tracerProvider : sampledTracerProvider }),
        );
  used.subscribe<Order>('orders.created', async (event) => {
    sink += event.data.total;
  });
  await used.start();
  return used;
}

// ── Moleculer ────────────────────────────────────────────────────────────

/** Drops every finished span, as the bus's exporter does. */
class DiscardingTraceExporter extends TracerExporters.Base {
  override spanFinished(): void {
    sink++;
  }
}

async function brokerOf(instrumentation: Instrumentation) {
  const instrumented = instrumentation !== 'bare';
  const broker = new ServiceBroker({
    nodeID: instrumentation,
    transporter: null,
    logger: false,
    metrics: instrumented,
    tracing: instrumented
      ? {
          enabled: true,
          events: true,
          sampling: { rate: instrumentation === 'all traces' ? 1 : 0.01 },
          // An exporter instance is accepted at run time (Exporters.resolve), though the typings list only named ones.
          exporter: [new DiscardingTraceExporter({}) as never],
        }
      : false,
  });
  broker.createService({
    name: 'orders',
    events: {
      'orders.created': {
        params: { id: 'string', total: 'number' },
        async handler(ctx: { params: Order }) {
          sink += ctx.params.total;
        },
      },
    },
  });
  await broker.start();
  return broker;
}

// ── run ──────────────────────────────────────────────────────────────────

const bare = await busOf('bare');
const instrumented = await busOf('all traces');
const sampled = await busOf('1% of traces');
const moleculerBare = await brokerOf('bare');
const moleculerInstrumented = await brokerOf('all traces');
const moleculerSampled = await brokerOf('1% of traces');

// Both sides reject what their validator refuses: checked once, so neither bench measures a no-op.
await bare.publish('orders.created', { id: 1 }).then(
  () => {
    throw new Error('the bus accepted an invalid order');
  },
  () => undefined,
);
const before = sink;
await moleculerBare.emit('orders.created', { id: 1 });
if (sink !== before) throw new Error('Moleculer handled an invalid order');

const hz = await measure({
  'bus, bare': () => bare.publish('orders.created', order),
  'bus, instrumented': () => instrumented.publish('orders.created', order),
  'Moleculer, bare': () => moleculerBare.emit('orders.created', order),
  'Moleculer, instrumented': () => moleculerInstrumented.emit('orders.created', order),
  'bus, instrumented, 1% sampled': () => sampled.publish('orders.created', order),
  'Moleculer, instrumented, 1% sampled': () => moleculerSampled.emit('orders.created', order),
});
const ops = (name: string) => hz.get(name) as number;
const row = (name: string, task: string, baseline: string, goal?: string) =>
  results.push({
    name,
    opsPerSec: Math.round(ops(task)),
    baseline,
    baselineOpsPerSec: Math.round(ops(baseline)),
    ratio: Number((ops(task) / ops(baseline)).toFixed(3)),
    ...(goal === undefined ? {} : { goal }),
  });
row('vs Moleculer, bare (emit → validated async handler): bus', 'bus, bare', 'Moleculer, bare');
row('vs Moleculer, instrumented (+ metrics + tracing, all sampled): bus', 'bus, instrumented', 'Moleculer, instrumented', '≥ 3x');
row('vs Moleculer: bus instrumented', 'bus, instrumented', 'bus, bare');
row('vs Moleculer: Moleculer instrumented', 'Moleculer, instrumented', 'Moleculer, bare');
row(
  'vs Moleculer, instrumented, 1% of traces sampled on both sides: bus',
  'bus, instrumented, 1% sampled',
  'Moleculer, instrumented, 1% sampled',
);

for (const bus of [bare, instrumented, sampled]) await bus.stop();
for (const broker of [moleculerBare, moleculerInstrumented, moleculerSampled]) await broker.stop();
await tracerProvider.shutdown();
await sampledTracerProvider.shutdown();
print();
if (sink === 42) console.log('');
