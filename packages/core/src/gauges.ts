/**
 * Gauges a plugin declares for a metrics plugin to report: a plugin with
 * state worth watching (the outbox's pending rows, a queue's depth) says
 * what it measures and how to read it, without depending on a metrics
 * package; `@bus/metrics` turns each into an OpenTelemetry observable gauge
 * read at every collection.
 */

/**
 * One gauge: its metric name, description and unit (UCUM, as OpenTelemetry uses).
 *
 * @example
 * ```ts
 * const pending: GaugeDefinition = { name: 'bus.outbox.pending', description: 'Rows waiting to be sent', unit: '{row}' };
 * ```
 */
export interface GaugeDefinition {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
}

/**
 * Gauges read together (one query for several figures). `collect` returns
 * each gauge's value by name; a gauge it leaves out is not reported that
 * time, and a rejection is reported on `bus.events` `'error'`.
 *
 * @example
 * ```ts
 * kernel.provideGauges({
 *   gauges: [{ name: 'bus.queue.depth', description: 'Events queued', unit: '{event}' }],
 *   collect: () => ({ 'bus.queue.depth': queue.length }),
 * });
 * ```
 */
export interface GaugeSource {
  readonly gauges: readonly GaugeDefinition[];
  collect(): Readonly<Record<string, number>> | Promise<Readonly<Record<string, number>>>;
}
