// Sampled tracing: under a parent-based ratio sampler an unsampled event gets
// no span (none is even started), yet its W3C trace context travels.
import { createBus, type EventEnvelope } from '@bus/core';
import { context, INVALID_SPAN_CONTEXT, ROOT_CONTEXT, type Tracer, type TracerProvider, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { type MetricsOptions, metrics } from '../src/index.js';
import { parseTraceparent } from '../src/trace-context.js';
import { busesToStop, remoteTransport } from './telemetry.js';

const { started, stopAll } = busesToStop();
afterEach(stopAll);

/** A tracer provider keeping `ratio` of root traces (the SDK's parent-based default otherwise), counting the spans started. */
function sampledTelemetry(ratio: number) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }),
  });
  const started: string[] = [];
  const counting: TracerProvider = {
    getTracer(name, version, options) {
      const tracer = provider.getTracer(name, version, options);
      return {
        startSpan(spanName, spanOptions, spanContext) {
          started.push(spanName);
          return tracer.startSpan(spanName, spanOptions, spanContext);
        },
        startActiveSpan: tracer.startActiveSpan.bind(tracer),
      } as Tracer;
    },
  };
  return { exporter, tracerProvider: counting, started };
}

const W3C = /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/;

/**
 * `orders.created` published `count` times from no trace (a root each); its
 * handler publishes `invoices.opened`, which another subscriber gets. Over a
 * transport that delivers a JSON copy later, so all a consumer knows of the
 * trace came in the envelope.
 */
async function orderFlow(tracerProvider: TracerProvider, count: number, options: MetricsOptions = {}, inProcess = false) {
  const bus = createBus(inProcess ? {} : { transport: remoteTransport() }).use(metrics({ tracerProvider, metrics: false, ...options }));
  const orders: EventEnvelope[] = [];
  const invoices: EventEnvelope[] = [];
  bus.subscribe('orders.created', async (event) => {
    orders.push(event);
    await bus.publish('invoices.opened', { order: event.data });
  });
  bus.subscribe('invoices.opened', (event) => {
    invoices.push(event);
  });
  await started(bus);
  for (let i = 0; i < count; i++) await bus.publish('orders.created', i);
  // Each invoice's delivery runs on a later tick than the order's handler.
  while (invoices.length < count) await new Promise<void>((resolve) => setImmediate(resolve));
  return { orders, invoices };
}

const traceIdOf = (event: EventEnvelope) => parseTraceparent(event.traceparent, undefined)?.traceId;

describe('parent-based sampling', () => {
  it.each([
    ['a transport that copies events', false],
    ['the in-process transport', true],
  ])(
    'at 0%%, over %s: no span reaches the exporter, none is started below a root, and every delivered event carries a valid traceparent',
    async (_transport, inProcess) => {
      const { exporter, tracerProvider, started: spansStarted } = sampledTelemetry(0);
      const { orders, invoices } = await orderFlow(tracerProvider, 50, {}, inProcess);
      expect(exporter.getFinishedSpans()).toEqual([]);
      for (const event of [...orders, ...invoices]) {
        expect(event.traceparent).toMatch(W3C);
        const spanContext = parseTraceparent(event.traceparent, undefined);
        expect(spanContext).toBeDefined();
        expect(spanContext?.traceFlags).toBe(0);
      }
      // Each invoice continues its order's trace: the handler ran in the (unsampled) trace the order carried.
      for (let i = 0; i < orders.length; i++) expect(traceIdOf(invoices[i] as EventEnvelope)).toBe(traceIdOf(orders[i] as EventEnvelope));
      expect(new Set(orders.map(traceIdOf)).size).toBe(50);
      // Only the 50 root publishes asked the tracer (its sampler decides a root); deliveries and the invoices' publishes did not.
      expect(spansStarted).toEqual(Array.from({ length: 50 }, () => 'send orders.created'));
    },
  );

  it.each([
    ['a transport that copies events', false],
    ['the in-process transport', true],
  ])('at 100%%, over %s: every event has its send and process spans, in one trace per order', async (_transport, inProcess) => {
    const { exporter, tracerProvider } = sampledTelemetry(1);
    const { orders, invoices } = await orderFlow(tracerProvider, 20, {}, inProcess);
    const spans = exporter.getFinishedSpans();
    const names = spans.map((span) => span.name);
    for (const name of ['send orders.created', 'process orders.created', 'send invoices.opened', 'process invoices.opened']) {
      expect(names.filter((each) => each === name)).toHaveLength(20);
    }
    for (const event of [...orders, ...invoices]) {
      const spanContext = parseTraceparent(event.traceparent, undefined);
      expect(spanContext?.traceFlags).toBe(1);
      // The event's traceparent is its send span's context.
      expect(spans.some((span) => span.name === `send ${event.type}` && span.spanContext().spanId === spanContext?.spanId)).toBe(true);
    }
    for (let i = 0; i < orders.length; i++) expect(traceIdOf(invoices[i] as EventEnvelope)).toBe(traceIdOf(orders[i] as EventEnvelope));
  });

  it('keeps the unsampled traceparent an event was published with, and starts no span for it', async () => {
    const { exporter, tracerProvider, started: spansStarted } = sampledTelemetry(1);
    const bus = createBus({ transport: remoteTransport() }).use(metrics({ tracerProvider, metrics: false }));
    const received: EventEnvelope[] = [];
    bus.subscribe('orders.created', (event) => void received.push(event));
    await started(bus);
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00';
    await bus.publish({ type: 'orders.created', data: {}, traceparent });
    while (received.length === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    expect(received[0]?.traceparent).toBe(traceparent);
    expect(spansStarted).toEqual([]);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('takes an active context with the all-zero ids (no trace) for no parent: the publish is a root the sampler decides', async () => {
    const { exporter, tracerProvider } = sampledTelemetry(1);
    const bus = createBus().use(metrics({ tracerProvider, metrics: false }));
    const received: EventEnvelope[] = [];
    bus.subscribe('orders.created', (event) => void received.push(event));
    await started(bus);
    await context.with(trace.setSpanContext(ROOT_CONTEXT, INVALID_SPAN_CONTEXT), () => bus.publish('orders.created', {}));
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['process orders.created', 'send orders.created']);
    expect(parseTraceparent(received[0]?.traceparent, undefined)?.traceFlags).toBe(1);
  });

  it('with followParentSampling: false, asks the tracer for every span, and its sampler still follows the parent', async () => {
    const { exporter, tracerProvider, started: spansStarted } = sampledTelemetry(0);
    await orderFlow(tracerProvider, 5, { followParentSampling: false });
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(spansStarted).toHaveLength(20);
  });
});
