// The operations side: a lab-results handler that chokes on one malformed
// result, retries it with backoff, dead-letters it after the last attempt,
// is fixed, and redrives it — with OpenTelemetry metrics collected throughout.
import { createBus } from '@bus/core';
import { METRIC_NAMES, metrics } from '@bus/metrics';
import { memoryDeadLetterSink, resilience } from '@bus/resilience';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';

interface LabResult {
  patient: string;
  test: string;
  value: number | string;
}

/** Collects when asked; in production a PeriodicExportingMetricReader sends to your backend. */
class OnDemandReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/** Runs the demo, writing each line through `print`. */
export async function runOperations(print: (line: string) => void = console.log): Promise<void> {
  const reader = new OnDemandReader();
  const sink = memoryDeadLetterSink();
  const bus = createBus({ source: 'clinic/lab' })
    .use(metrics({ meterProvider: new MeterProvider({ readers: [reader] }), tracing: false }))
    .use(resilience({ retry: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 20 }, deadLetter: sink }));

  let parserFixed = false;
  const charted: string[] = [];
  bus.subscribe<LabResult>(
    'lab.result.received',
    (event, ctx) => {
      const { patient, test, value } = event.data;
      if (typeof value !== 'number' && !parserFixed) {
        print(`   attempt ${ctx.attempt}: cannot chart ${test}=${JSON.stringify(value)} for ${patient}`);
        throw new Error(`non-numeric ${test} value`);
      }
      const numeric = typeof value === 'number' ? value : Number.parseFloat(value);
      charted.push(`${patient}/${test}`);
      print(`   📈 charted ${test} = ${numeric} for ${patient}${ctx.attempt > 1 ? ` (attempt ${ctx.attempt})` : ''}`);
    },
    { name: 'charting' },
  );
  bus.events.on('deadLettered', ({ event, error, attempts }) =>
    print(`   ☠️  dead-lettered ${event.id.slice(0, 8)}… after ${attempts} attempts: ${error.code}`),
  );

  await bus.start();
  print('5. Lab results arrive; one has a value with a unit glued on ("7.2 mmol/L"):');
  const results: LabResult[] = [
    { patient: 'p-1', test: 'glucose', value: 5.4 },
    { patient: 'p-2', test: 'glucose', value: '7.2 mmol/L' },
    { patient: 'p-3', test: 'potassium', value: 4.1 },
  ];
  for (const result of results) await bus.publish('lab.result.received', result, { key: result.patient });

  const parked = await bus.deadLetters.list();
  print(`\n6. ${parked.length} dead letter parked; the parser is fixed and it is redriven:`);
  parserFixed = true;
  const { redriven } = await bus.deadLetters.redrive({ subscription: 'charting' });
  print(`   redriven ${redriven.length}, left in the sink: ${(await bus.deadLetters.list()).length}`);
  await bus.stop();

  const { resourceMetrics } = await reader.collect();
  const byName = new Map(resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).map((metric) => [metric.descriptor.name, metric]));
  const total = (name: string): number =>
    (byName.get(name)?.dataPoints ?? []).reduce((sum, point) => sum + (typeof point.value === 'number' ? point.value : 0), 0);
  print('\n7. OpenTelemetry metrics, as collected from the SDK:');
  for (const name of [METRIC_NAMES.sentMessages, METRIC_NAMES.consumedMessages, METRIC_NAMES.deadLetteredMessages]) {
    print(`   ${name} = ${total(name)}`);
  }
  const durations = byName.get(METRIC_NAMES.processDuration)?.dataPoints[0]?.value as { count: number } | undefined;
  print(`   ${METRIC_NAMES.processDuration}: ${durations?.count ?? 0} deliveries measured`);
  print(`\ncharted: ${charted.join(', ')}`);
}
