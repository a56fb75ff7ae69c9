// A nightly orders ETL job written against the legacy data-engineer ETLPipeline, moved over by
// changing imports and casing. One migration step is already taken: the warehouse loader and the
// on-call pager now subscribe on the real bus underneath (`pipeline.bus`), where a plugin seals
// the customer's e-mail (and the raw row) with AES-256-GCM before anything leaves the pipeline.
import { randomBytes } from 'node:crypto';
import { definePlugin, STAGE_ORDER } from '@bus/core';
import { createKeyring, fieldEncryption } from '@bus/crypto';
import { DEAD_LETTER_EVENT_TYPE, type DeadLetterEntry, ETLPipeline, jsonSerializer, PERSISTED_EVENT_TYPE } from '@bus/facade-data-engineer';

interface Row {
  id: string;
  email: string;
  amount: string | bigint;
}

interface Order {
  id: string;
  email: string;
  cents: number;
}

/** Records each event as it leaves the publish pipeline, as a broker would store it. */
function wireTap(onWire: (line: string) => void) {
  return definePlugin({
    name: 'wire-tap',
    setup(kernel) {
      kernel.usePublish(
        'dispatch',
        function tapWire(ctx, next) {
          onWire(JSON.stringify(ctx.envelope.data));
          return next();
        },
        { order: STAGE_ORDER.compress + 100 },
      );
    },
  });
}

/** Runs the nightly job, writing each line through `log`. */
export async function runDataEngineer(log: (line: string) => void): Promise<void> {
  const keyring = createKeyring({ keys: [{ id: 'pii-2025', key: randomBytes(32), status: 'primary' }] });
  const wire: string[] = [];

  const pipeline = new ETLPipeline();
  // Migration step: consumers and plugins on the real bus, before the first event.
  pipeline.bus.use(fieldEncryption({ keyring, paths: ['raw', 'processed.email'] })).use(wireTap((line) => wire.push(line)));
  pipeline.bus.subscribe<{ raw: string; processed: Order }>(PERSISTED_EVENT_TYPE, (event) => {
    log(`🏬 warehouse loaded ${event.data.processed.id}: ${event.data.processed.cents} cents for ${event.data.processed.email}`);
  });
  pipeline.bus.subscribe<DeadLetterEntry>(DEAD_LETTER_EVENT_TYPE, (event) => {
    log(`📟 on-call paged: ${event.data.func}(${JSON.stringify(event.data.args)}) gave up`);
  });
  log(`plugins on pipeline.bus: ${pipeline.bus.plugins.join(' → ')}`);

  // ── legacy job from here on: only imports and casing changed ──
  pipeline.addToken('nightly-secret');
  log(`authenticated: ${pipeline.authenticate('nightly-secret')}, stranger: ${pipeline.authenticate('guess')}`);
  pipeline.registerSerializer('json', jsonSerializer());
  pipeline.registerExtension('normalizeEmail', (email: string) => email.trim().toLowerCase());

  const rows: Row[] = [
    { id: 'r-1', email: ' Ada@Example.com ', amount: '12.50' },
    { id: 'r-2', email: 'grace@example.com', amount: '7' },
    { id: 'r-3', email: 'bad@example.com', amount: 10n }, // JSON cannot hold a BigInt: skipped, as before
  ];
  const normalize = pipeline.extensionRegistry.normalizeEmail;
  const transform = (row: Row): Order => ({
    id: row.id,
    email: String(normalize?.(row.email)),
    cents: Math.round(Number(row.amount) * 100),
  });
  pipeline.publishSync(rows, transform, { serializer: pipeline.serializerRegistry.json });
  log(`stored ${pipeline.eventStore.raw.length} of ${rows.length} rows; first raw row: ${String(pipeline.eventStore.raw[0])}`);

  pipeline.updateConfig({ parallelism: 2, timeout: 30 });
  const orders = pipeline.eventStore.processed as Order[];
  function sumCents(...cents: number[]): number {
    return cents.reduce((total, value) => total + value, 0);
  }
  function countOrders(...ids: string[]): number {
    return ids.length;
  }
  const [total, count] = await Promise.all(
    pipeline.balanceLoad([
      [sumCents, orders.map((order) => order.cents)],
      [countOrders, orders.map((order) => order.id)],
    ]),
  );
  log(`totals: ${String(count)} orders, ${String(total)} cents (parallelism ${pipeline.executor.maxWorkers})`);

  let uploads = 0;
  const uploadReport = pipeline.handleErrors(
    async function uploadReport(day: string, options: { bucket: string }) {
      uploads++;
      if (uploads < 3) throw new Error('S3 503');
      return `s3://${options.bucket}/${day}.json`;
    },
    { retries: 5, initialDelay: 0.01 },
  );
  log(`report uploaded to ${await uploadReport('2025-01-01', { bucket: 'reports' })} after ${uploads} attempts`);

  const notifyFinance = pipeline.handleErrors(
    function notifyFinance(day: string, _options: { channel: string }): never {
      throw new Error(`SMTP down, ${day} not sent`);
    },
    { retries: 2, initialDelay: 0.01 },
  );
  await notifyFinance('2025-01-01', { channel: 'email' }).catch((error: Error) => log(`✋ ${error.message}`));
  log(`dead letters: ${JSON.stringify(pipeline.deadLetter)}`);

  const tagged = pipeline.propagateContext(
    ({ context, args, kwargs }) => `${context.job}: ${JSON.stringify(args)} ${JSON.stringify(kwargs)}`,
    { job: 'nightly-orders', correlationId: 'job-2025-01-01' },
  );
  log(tagged('batch-1', { dryRun: false }));

  log(`health: ${JSON.stringify(pipeline.reportHealth())}`);
  await pipeline.stop(); // drains the deliveries still sealing and opening
  log(`${wire.length} events left the pipeline; e-mails in clear: ${wire.some((line) => line.includes('@'))}`);
}
