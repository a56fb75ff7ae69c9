/**
 * The gauges other plugins declare (`kernel.provideGauges`, e.g. the outbox's
 * pending rows), as OpenTelemetry observable gauges: one batch callback per
 * source, so figures read by one query are observed together at each
 * collection, with the bus's `messaging.system.name`.
 */

import type { GaugeSource } from '@bus/core';
import type { Attributes, BatchObservableCallback, Meter, Observable } from '@opentelemetry/api';

/** Makes the gauges of `sources` on `meter`; returns what stops observing them. */
export function observePluginGauges(
  meter: Meter,
  sources: readonly GaugeSource[],
  attributes: Attributes,
  report: (error: unknown) => void,
): () => void {
  const disposers = sources.map((source) => {
    const gauges = source.gauges.map(
      (gauge) => [gauge.name, meter.createObservableGauge(gauge.name, { description: gauge.description, unit: gauge.unit })] as const,
    );
    const observables: Observable[] = gauges.map(([, gauge]) => gauge);
    const callback: BatchObservableCallback = async (result) => {
      try {
        const values = await source.collect();
        for (const [name, gauge] of gauges) {
          const value = values[name];
          if (typeof value === 'number' && Number.isFinite(value)) result.observe(gauge, value, attributes);
        }
      } catch (error) {
        report(error);
      }
    };
    meter.addBatchObservableCallback(callback, observables);
    return () => meter.removeBatchObservableCallback(callback, observables);
  });
  return () => {
    for (const dispose of disposers) dispose();
  };
}
