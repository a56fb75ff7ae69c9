/**
 * `@bus/metrics`: OpenTelemetry metrics and tracing for the bus, after the
 * messaging semantic conventions. Counters, duration histograms and in-flight
 * deliveries; a producer span per publish whose W3C trace context travels in
 * the envelope to a consumer span per delivery.
 *
 * @packageDocumentation
 */

export type { BusMetrics, MetricsExtension, MetricsOptions } from './metrics-plugin.js';
export { METRICS_ORDER, metrics } from './metrics-plugin.js';
export { MetricsProducer, type MetricsProducerOptions, metricsProducer } from './metrics-producer.js';
export { METRIC_NAMES } from './semantic-conventions.js';
