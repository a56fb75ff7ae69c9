// The in-process path against the SDK's own: one event stream through each,
// exported by the same kind of reader and exporter, must give the same data.
import { type Bus, BusError, createBus, definePlugin, type EventEnvelope } from '@bus/core';
import {
  AggregationTemporality,
  DataPointType,
  type Histogram,
  InMemoryMetricExporter,
  InstrumentType,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { METRIC_NAMES, type MetricsOptions, metrics, metricsProducer } from '../src/index.js';
import { SDK_ENUM_VALUES } from '../src/metrics-producer.js';
import { ManualReader } from './telemetry.js';

type Selector = (type: InstrumentType) => AggregationTemporality;

const { CUMULATIVE, DELTA } = AggregationTemporality;
const TEMPORALITIES: Record<string, Selector> = {
  cumulative: () => CUMULATIVE,
  delta: () => DELTA,
  // What OTLP exporters choose for a delta preference: up-down counters stay cumulative.
  'delta, up-down counters cumulative': (type) =>
    type === InstrumentType.UP_DOWN_COUNTER || type === InstrumentType.OBSERVABLE_UP_DOWN_COUNTER ? CUMULATIVE : DELTA,
};

/** An in-memory exporter that asks for `select`'s temporality per instrument, as OTLP exporters do. */
class SelectingExporter extends InMemoryMetricExporter {
  constructor(private readonly select: Selector) {
    super(CUMULATIVE);
  }
  override selectAggregationTemporality(type: InstrumentType): AggregationTemporality {
    return this.select(type);
  }
}

/** A reader exporting to memory on `forceFlush()`; with a producer for the in-process path. */
function exportPath(path: 'sdk' | 'producer', select: Selector) {
  const exporter = new SelectingExporter(select);
  const producer = path === 'producer' ? metricsProducer({ aggregationTemporalitySelector: select }) : undefined;
  const reader = new PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: 3_600_000,
    ...(producer === undefined ? {} : { metricProducers: [producer] }),
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const options: MetricsOptions = { meterProvider, tracing: false, ...(producer === undefined ? {} : { producer }) };
  return { exporter, reader, meterProvider, options };
}

/** An export as compared: the plugin's metrics by name, their points by attributes; no timestamps. */
function comparable(exported: ResourceMetrics): unknown[] {
  const all: MetricData[] = exported.scopeMetrics.filter((scope) => scope.scope.name === '@bus/metrics').flatMap((scope) => scope.metrics);
  return all
    .map((metric) => ({
      ...metric,
      dataPoints: metric.dataPoints
        .map((point) => ({ attributes: point.attributes, value: point.value }))
        .sort((a, b) => JSON.stringify(a.attributes).localeCompare(JSON.stringify(b.attributes))),
    }))
    .sort((a, b) => a.descriptor.name.localeCompare(b.descriptor.name));
}

/** Runs the same events through `buses` (a `bus` system one and a `kafka` one), exporting between phases; durations come from the fake clock. */
async function eventStream(options: MetricsOptions, flush: () => Promise<void>): Promise<void> {
  const deny = definePlugin({
    name: 'deny-secrets',
    setup: (kernel) =>
      kernel.usePublish('guard', function denySecrets(ctx, next) {
        if (ctx.envelope.type === 'secrets.read') throw new BusError('ACL_DENIED', 'no', { eventId: ctx.envelope.id });
        return next();
      }),
  });
  const bus = createBus()
    .use(metrics({ ...options, durationBuckets: [0.005, 0.02, 0.05, 0.1] }))
    .use(deny);
  const kafka = createBus().use(metrics({ ...options, system: 'kafka' }));
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const billing = bus.subscribe<{ ms: number; fail?: string }>(
    'orders.created',
    async (event) => {
      vi.advanceTimersByTime(event.data.ms);
      if (event.data.fail === 'bus') throw new BusError('SCHEMA_INVALID', 'bad order');
      if (event.data.fail === 'other') throw new Error('boom');
    },
    { name: 'billing', group: 'finance' },
  );
  bus.subscribe<{ ms: number }>('orders.created', (event) => void vi.advanceTimersByTime(event.data.ms / 3), { name: 'audit' });
  bus.subscribe('orders.held', () => gate, { name: 'holds' });
  kafka.subscribe<{ ms: number }>('payments.settled', (event) => void vi.advanceTimersByTime(event.data.ms), { name: 'ledger' });
  await bus.start();
  await kafka.start();

  for (let i = 0; i < 40; i++) {
    const fail = i % 9 === 0 ? 'bus' : i % 13 === 0 ? 'other' : undefined;
    await bus.publish('orders.created', { ms: (i * 7) % 130, ...(fail ? { fail } : {}) }).catch(() => undefined);
    if (i % 3 === 0) await kafka.publish('payments.settled', { ms: i % 17 });
  }
  await flush();
  // A batch (create durations, sent once sent), an emit, a denied publish, and a delivery still running at export.
  await bus.publishBatch([
    { type: 'orders.created', data: { ms: 4 } },
    { type: 'orders.created', data: { ms: 260 } },
  ]);
  bus.emit('orders.created', { ms: 11 });
  await expect(bus.publish('secrets.read', {})).rejects.toMatchObject({ code: 'ACL_DENIED' });
  const held = bus.publish('orders.held', {});
  const event: EventEnvelope = { id: 'e-1', type: 'orders.created', source: 'test', specversion: '1.0', data: {} };
  bus.events.emit('dropped', { event, error: new BusError('BACKPRESSURE_REJECTED', 'full'), subscription: billing });
  bus.events.emit('deadLettered', { event, error: new BusError('HANDLER_FAILED', 'boom'), attempts: 3, subscription: billing });
  await flush();
  release();
  await held;
  await flush();
  // Nothing new: delta exports report no histogram points, counters report zero increments.
  await flush();
  await bus.stop();
  await kafka.stop();
  // After stop: the counts stay; the in-flight series keep their last value (cumulative), as the SDK does.
  await flush();
}

describe('the in-process producer', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  for (const [temporality, select] of Object.entries(TEMPORALITIES)) {
    it(`exports what the SDK's instruments export for the same events (${temporality}): names, descriptions, units, attributes, temporality, buckets, counts, sums, min, max`, async () => {
      const exports: unknown[][][] = [];
      for (const path of ['sdk', 'producer'] as const) {
        // The same clock readings on both paths: durations are differences of absolute readings.
        vi.useRealTimers();
        vi.useFakeTimers({ toFake: ['performance'] });
        const { exporter, reader, meterProvider, options } = exportPath(path, select);
        await eventStream(options, () => reader.forceFlush());
        exports.push(exporter.getMetrics().map(comparable));
        await meterProvider.shutdown();
      }
      const [sdk, producer] = exports as [unknown[][], unknown[][]];
      expect(sdk).toHaveLength(5);
      expect(producer).toEqual(sdk);
      // The comparison saw real data: both histograms, failures, both systems, the signals and in-flight deliveries.
      const names = new Set(sdk.flat().map((metric) => (metric as MetricData).descriptor.name));
      expect([...names].sort()).toEqual(Object.values(METRIC_NAMES).sort());
      const second = sdk[1] as MetricData[];
      const inFlight = second.find((metric) => metric.descriptor.name === METRIC_NAMES.inFlightDeliveries);
      expect(inFlight?.dataPoints.some((point) => point.value === 1)).toBe(true);
      const durations = (sdk[0] as MetricData[]).find((metric) => metric.descriptor.name === METRIC_NAMES.processDuration);
      expect(durations?.dataPointType).toBe(DataPointType.HISTOGRAM);
      expect(durations?.dataPoints.length).toBeGreaterThan(3);
    });
  }

  it('writes the SDK enum values it copies', () => {
    expect(SDK_ENUM_VALUES).toEqual({
      DELTA: AggregationTemporality.DELTA,
      CUMULATIVE: AggregationTemporality.CUMULATIVE,
      HISTOGRAM: DataPointType.HISTOGRAM,
      SUM: DataPointType.SUM,
    });
  });
});

describe('two readers and collection while publishing', () => {
  it('give each reader every publish and delivery once: no count lost or doubled', async () => {
    const producer = metricsProducer();
    const cumulative = new ManualReader({ metricProducers: [producer] });
    const delta = new ManualReader({
      aggregationTemporalitySelector: () => DELTA,
      metricProducers: [producer.forReader({ aggregationTemporalitySelector: () => DELTA })],
    });
    const meterProvider = new MeterProvider({ readers: [cumulative, delta] });
    const bus: Bus = createBus().use(metrics({ meterProvider, producer, tracing: false }));
    bus.subscribe('jobs.queued', async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
    });
    await bus.start();

    const deltas: MetricData[][] = [];
    const collectDelta = async () => {
      deltas.push((await delta.collect()).resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics));
    };
    const total = 3000;
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < total; i++) {
      work.push(bus.publish('jobs.queued', i));
      // Collections land between publishes, while deliveries are still running, and between each other.
      if (i % 101 === 0) work.push(collectDelta(), cumulative.collect());
      if (i % 500 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await Promise.all(work);
    await bus.stop();
    await collectDelta();
    const final = (await cumulative.collect()).resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);

    const valuesOf = (metrics: MetricData[], name: string): unknown[] =>
      metrics.filter((metric) => metric.descriptor.name === name).flatMap((metric) => metric.dataPoints.map((point) => point.value));
    // A counter's value, or a histogram's count.
    const sumOf = (metrics: MetricData[], name: string) =>
      valuesOf(metrics, name).reduce<number>((sum, value) => sum + (typeof value === 'number' ? value : (value as Histogram).count), 0);
    const bucketTotal = (metrics: MetricData[], name: string) =>
      valuesOf(metrics, name).reduce<number>((sum, value) => sum + (value as Histogram).buckets.counts.reduce((a, b) => a + b, 0), 0);
    expect(deltas.length).toBeGreaterThan(20);
    for (const name of [
      METRIC_NAMES.sentMessages,
      METRIC_NAMES.consumedMessages,
      METRIC_NAMES.operationDuration,
      METRIC_NAMES.processDuration,
    ]) {
      expect(sumOf(final, name)).toBe(total);
      expect(deltas.reduce((sum, metrics) => sum + sumOf(metrics, name), 0)).toBe(total);
    }
    expect(deltas.reduce((sum, metrics) => sum + bucketTotal(metrics, METRIC_NAMES.processDuration), 0)).toBe(total);
    expect(bucketTotal(final, METRIC_NAMES.operationDuration)).toBe(total);
    await meterProvider.shutdown();
  });

  it('lets PeriodicExportingMetricReader export the aggregates, next to the SDK instruments of the same provider', async () => {
    const producer = metricsProducer();
    const exporter = new InMemoryMetricExporter(CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000, metricProducers: [producer] });
    const meterProvider = new MeterProvider({ readers: [reader] });
    meterProvider.getMeter('app').createCounter('app.requests').add(2);
    const bus = createBus().use(metrics({ meterProvider, producer, tracing: false }));
    await bus.start();
    await bus.publish('orders.created', {});
    await reader.forceFlush();
    const [exported] = exporter.getMetrics();
    const names = exported?.scopeMetrics.flatMap((scope) => scope.metrics.map((metric) => `${scope.scope.name} ${metric.descriptor.name}`));
    expect(names).toEqual([
      'app app.requests',
      `@bus/metrics ${METRIC_NAMES.sentMessages}`,
      `@bus/metrics ${METRIC_NAMES.operationDuration}`,
    ]);
    await bus.stop();
    await meterProvider.shutdown();
  });

  it('rejects a producer that metricsProducer() did not make', () => {
    expect(() => metrics({ producer: {} as never })).toThrowError(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
  });
});
