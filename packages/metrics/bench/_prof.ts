import { createBus } from '@bus/core';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import { metrics, metricsProducer } from '../dist/index.js';
class IdleReader extends MetricReader { protected override async onShutdown() {} protected override async onForceFlush() {} }
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const producer = metricsProducer();
const meterProvider = new MeterProvider({ readers: [new IdleReader({ metricProducers: [producer] })] });
const tracerProvider = new BasicTracerProvider({ sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.01) }) });
const mode = process.argv[2];
const bus = createBus().use(metrics(mode === 'm' ? { meterProvider, producer, tracing: false } : { tracerProvider, metrics: false }));
let sink = 0;
bus.subscribe<number>('orders.created', async (e) => { sink += e.data; });
await bus.start();
const t = performance.now();
for (let i = 0; i < 2_000_000; i++) await bus.publish('orders.created', 1);
console.log(mode, ((performance.now() - t) / 2e6 * 1000).toFixed(3), 'µs/op', sink);
