// An in-memory OpenTelemetry SDK for the tests: spans land in an array,
// metrics are collected on demand. Importing this module registers the
// AsyncLocalStorage context manager, as the Node SDK would.
import { type Bus, type EventEnvelope, memoryTransport, type Transport } from '@bus/core';
import { type Attributes, context, ROOT_CONTEXT } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { type DataPoint, type Histogram, MeterProvider, type MetricData, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { type MetricsProducer, metricsProducer } from '../src/index.js';

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

/** A reader that collects only when asked. */
export class ManualReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/** A counter's or up-down counter's points, or a histogram's. */
export type Points<V> = readonly DataPoint<V>[];

/** How the plugin's metrics reach the reader: the SDK's instruments, or aggregated in process and read through a producer. */
export type Aggregation = 'sdk' | 'producer';

let defaultAggregation: Aggregation = 'sdk';

/** The aggregation {@link inMemoryTelemetry} uses when not told: for suites that run under both. */
export function useAggregation(aggregation: Aggregation): void {
  defaultAggregation = aggregation;
}

export interface InMemoryTelemetry {
  readonly tracerProvider: BasicTracerProvider;
  readonly meterProvider: MeterProvider;
  /** The producer the reader was given, with the `producer` aggregation. */
  readonly producer: MetricsProducer | undefined;
  /** What to give `metrics()`: the meter provider, and the producer if any. */
  readonly metricsOptions: { readonly meterProvider: MeterProvider; readonly producer?: MetricsProducer };
  /** Finished spans, in the order they ended. */
  spans(): ReadableSpan[];
  /** The finished span named `name`; throws unless there is exactly one. */
  span(name: string): ReadableSpan;
  /** Every metric collected now. */
  collect(): Promise<MetricData[]>;
  /** The points of the counter `name`. */
  counter(name: string): Promise<Points<number>>;
  /** The points of the histogram `name`. */
  histogram(name: string): Promise<Points<Histogram>>;
}

export function inMemoryTelemetry(aggregation: Aggregation = defaultAggregation): InMemoryTelemetry {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const producer = aggregation === 'producer' ? metricsProducer() : undefined;
  const reader = new ManualReader(producer === undefined ? {} : { metricProducers: [producer] });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const collect = async (): Promise<MetricData[]> => {
    const { resourceMetrics } = await reader.collect();
    return resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
  };
  const points = async (name: string): Promise<DataPoint<unknown>[]> =>
    ((await collect()).find((metric) => metric.descriptor.name === name)?.dataPoints ?? []) as DataPoint<unknown>[];
  return {
    tracerProvider,
    meterProvider,
    producer,
    metricsOptions: producer === undefined ? { meterProvider } : { meterProvider, producer },
    spans: () => exporter.getFinishedSpans(),
    span(name) {
      const found = exporter.getFinishedSpans().filter((span) => span.name === name);
      if (found.length !== 1) throw new Error(`expected one span '${name}', found ${found.length}`);
      return found[0] as ReadableSpan;
    },
    collect,
    counter: async (name) => (await points(name)) as DataPoint<number>[],
    histogram: async (name) => (await points(name)) as DataPoint<Histogram>[],
  };
}

/** The value of the point whose attributes include `attributes`, or 0. */
export function valueAt(points: Points<number>, attributes: Attributes): number {
  return points.filter((point) => includes(point.attributes, attributes)).reduce((sum, point) => sum + point.value, 0);
}

export function includes(actual: Attributes, expected: Attributes): boolean {
  return Object.entries(expected).every(([key, value]) => actual[key] === value);
}

/**
 * A transport that behaves like a network: it delivers a JSON copy of each
 * event on a later tick, outside the publisher's context. Whatever a consumer
 * knows of the producer's trace then came in the envelope.
 */
export function remoteTransport(): Transport {
  const inner = memoryTransport();
  return {
    ...wrapTransport(inner, 'remote'),
    capabilities: { ...inner.capabilities, inProcess: false },
    send(messages) {
      const copies = JSON.parse(JSON.stringify(messages)) as EventEnvelope[];
      return new Promise<void>((resolve) => {
        context.with(ROOT_CONTEXT, () => setImmediate(() => void Promise.resolve(inner.send(copies)).then(() => resolve())));
      });
    },
  };
}

/** `inner` under another name, as a plain object whose methods can be replaced. */
export function wrapTransport(inner: Transport, name: string): Transport {
  return {
    name,
    capabilities: inner.capabilities,
    start: (ctx) => inner.start(ctx),
    stop: () => inner.stop(),
    subscribe: (spec, onMessage) => inner.subscribe(spec, onMessage),
    send: (messages) => inner.send(messages),
  };
}

/** Stops every bus given to it after each test. */
export function busesToStop(): { started<B extends Bus>(bus: B): Promise<B>; stopAll(): Promise<void> } {
  const buses: Bus[] = [];
  return {
    async started(bus) {
      buses.push(bus);
      await bus.start();
      return bus;
    },
    async stopAll() {
      await Promise.all(buses.splice(0).map((bus) => bus.stop()));
    },
  };
}
