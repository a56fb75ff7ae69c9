import { createBus, type Plugin } from '@bus/core';
import { type MetricProducer, type MetricReaderOptions, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { describe, expectTypeOf, it } from 'vitest';
import { type MetricsExtension, type MetricsProducer, metrics, metricsProducer } from '../src/index.js';

describe('metrics() types', () => {
  it('adds bus.metrics to the bus it is used on', () => {
    expectTypeOf(metrics()).toEqualTypeOf<Plugin<MetricsExtension>>();
    const bus = createBus().use(metrics());
    expectTypeOf(bus.metrics.inFlight()).toEqualTypeOf<ReadonlyMap<string, number>>();
  });

  it('accepts only known processParent values', () => {
    // @ts-expect-error: 'parent' is not a processParent
    metrics({ processParent: 'parent' });
  });

  it("gives a producer the SDK's readers take, and the plugin too", () => {
    const producer = metricsProducer();
    expectTypeOf(producer).toExtend<MetricProducer>();
    expectTypeOf(producer.forReader()).toEqualTypeOf<MetricsProducer>();
    expectTypeOf({ metricProducers: [producer] }).toExtend<MetricReaderOptions>();
    new PeriodicExportingMetricReader({ exporter: null as never, metricProducers: [producer] });
    metrics({ producer });
    // @ts-expect-error: a producer is made by metricsProducer(), not a boolean
    metrics({ producer: true });
  });
});
