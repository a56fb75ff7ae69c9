import { context, trace, ROOT_CONTEXT, isSpanContextValid } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const tp = new BasicTracerProvider({ sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.01) }) });
const tracer = tp.getTracer('x');
function time(name: string, n: number, f: () => unknown) { for (let i = 0; i < 1e5; i++) f(); const t = performance.now(); for (let i = 0; i < n; i++) f(); console.log(name, ((performance.now() - t) / n * 1e3).toFixed(1), 'ns'); }
time('startSpan root unsampled', 1e6, () => tracer.startSpan('send x', { attributes: { a: 'b', c: 'd' } }, ROOT_CONTEXT));
const sc = tracer.startSpan('x').spanContext();
time('isSpanContextValid', 1e6, () => isSpanContextValid(sc));
const ctx = trace.setSpanContext(ROOT_CONTEXT, sc);
time('context.with', 1e6, () => context.with(ctx, () => 1));
time('context.active', 1e6, () => context.active());
time('setSpanContext', 1e6, () => trace.setSpanContext(ROOT_CONTEXT, sc));
let p = Promise.resolve();
time('context.with async fn', 1e5, () => context.with(ctx, async () => 1));
