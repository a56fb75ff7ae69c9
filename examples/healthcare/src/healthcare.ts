// A hospital's lab-results flow written against the legacy healthcare APIs,
// moved over by changing imports and casing only. The legacy encrypt hook now
// seals each result with @bus/crypto (AES-256-GCM, bound to the event); then
// one step further, the same flow on the plugin itself through `.bus`; then
// the engineer's scopes, schemas and backpressure.
import { randomBytes } from 'node:crypto';
import { BusError, definePlugin, STAGE_ORDER } from '@bus/core';
import { createKeyring, eventAad, fieldEncryption, inspectSealed, type Keyring, openPayload, sealPayload } from '@bus/crypto';
import { architect, engineer } from '@bus/facade-healthcare';

interface LabResult {
  patient: { mrn: string; name: string };
  test: string;
  value: number;
  unit: string;
}

const SOURCE = 'healthcare-architect';

/** The legacy crypto module's shape, with real encryption: each payload sealed and bound to its event's id and routing key. */
function sealingCryptoModule(keyring: Keyring): architect.CryptoModule {
  return {
    encrypt: (payload, event) =>
      sealPayload({
        keyring,
        plaintext: Buffer.from(JSON.stringify(payload)),
        aad: eventAad({ id: event.id, type: event.routingKey, source: SOURCE }),
      }),
  };
}

/** What an authorized reader does with a sealed result. */
async function openResult(keyring: Keyring, event: architect.Event): Promise<LabResult> {
  const aad = eventAad({ id: event.id, type: event.routingKey, source: SOURCE });
  const plaintext = await openPayload({ keyring, sealed: event.payload as Uint8Array, aad });
  return JSON.parse(Buffer.from(plaintext).toString('utf8')) as LabResult;
}

/** Records each event's data as it leaves the publish pipeline: what a broker would store. */
function wireTap(onWire: (data: unknown) => void) {
  return definePlugin({
    name: 'wire-tap',
    setup(kernel) {
      kernel.usePublish(
        'dispatch',
        function tapWire(ctx, next) {
          onWire(ctx.envelope.data);
          return next();
        },
        { order: STAGE_ORDER.compress + 100 },
      );
    },
  });
}

/** Fresh lab results: the crypto module replaces a published event's payload with its ciphertext. */
const labResults = (): architect.Event<LabResult>[] => [
  new architect.Event(
    'lab-1',
    { patient: { mrn: 'MRN-0042', name: 'Ada Lovelace' }, test: 'glucose', value: 7.2, unit: 'mmol/L' },
    'lab.glucose.result',
  ),
  new architect.Event(
    'lab-2',
    { patient: { mrn: 'MRN-0077', name: 'Alan Turing' }, test: 'potassium', value: 6.9, unit: 'mmol/L' },
    'lab.potassium.critical',
  ),
  new architect.Event(
    'lab-3',
    { patient: { mrn: 'MRN-0042', name: 'Ada Lovelace' }, test: 'hba1c', value: 48, unit: 'mmol/mol' },
    'lab.hba1c.result',
  ),
];

/** Runs the demo, writing each line through `log`. */
export async function runHealthcare(log: (line: string) => void): Promise<void> {
  const keyring = createKeyring({ keys: [{ id: 'phi-2026', key: randomBytes(32), status: 'primary' }] });

  log('1. The legacy architect program; its encrypt hook now seals with @bus/crypto:');
  const hospital = new architect.EventBus();
  hospital.registerCryptoModule(sealingCryptoModule(keyring));
  hospital.applyBackpressure(100, 'drop_oldest');
  hospital.subscribeWildcard('lab.*.result', async (ev) => {
    const result = await openResult(keyring, ev);
    log(`   🩺 ${ev.routingKey}: ${result.patient.mrn} ${result.test} = ${result.value} ${result.unit}`);
  });
  hospital.subscribeWildcard('lab.#', (ev) => {
    const sealed = ev.payload as Uint8Array;
    log(`   🗄️  archived ${ev.id}: ${sealed.byteLength} sealed bytes, key ${inspectSealed(sealed).keyId}`);
  });
  hospital.subscribeWildcard('lab.*.critical', () => {
    throw new Error('pager gateway offline');
  });
  await hospital.batchPublish(labResults());
  await hospital.publish(new architect.Event('lab-4', null, 'lab.sodium.result'), 'lab.sodium.result');
  for (const { event, reason, error } of hospital.deadLetterQueue) {
    log(`   ☠️  dead letter ${event.id}: ${reason}${error === undefined ? '' : ` (${error.code}: ${error.message})`}`);
  }
  log(
    `   replay: ${hospital
      .persistAndReplay()
      .map((ev) => ev.id)
      .join(', ')}; queued ${hospital.queue.length}`,
  );
  const archived = hospital.persistAndReplay().map((ev) => Buffer.from(ev.payload as Uint8Array).toString('latin1'));
  log(`   stored payloads name no patient in clear: ${archived.every((text) => !/Ada|Alan|MRN-/.test(text))}`);

  log('\n2. One step on: no crypto module, fieldEncryption from @bus/crypto on .bus; handlers read plaintext:');
  const migrated = new architect.EventBus();
  const wire: unknown[] = [];
  migrated.bus.use(fieldEncryption({ keyring, paths: ['patient.mrn', 'patient.name'] })).use(wireTap((data) => wire.push(data)));
  migrated.subscribeWildcard('lab.*.result', (ev) => {
    const result = ev.payload as LabResult;
    log(`   🩺 ${ev.routingKey}: ${result.patient.name} (${result.patient.mrn}) ${result.test} = ${result.value} ${result.unit}`);
  });
  const [first] = labResults();
  if (first !== undefined) await migrated.publish(first, first.routingKey);
  const onWire = JSON.stringify(wire[0]);
  log(`   on the wire: ${onWire.replace(/bus-sealed:[A-Za-z0-9+/=_-]{12,}/g, (sealed) => `${sealed.slice(0, 16)}…`)}`);

  log('\n3. The engineer API: scopes, schemas and per-topic backpressure:');
  const clinic = new engineer.EventBus();
  clinic.setTopicScopes('lab_results', ['read', 'phi']);
  const nurse = clinic.createToken('nurse-joy', ['read', 'phi']);
  const billing = clinic.createToken('billing', ['read']);
  log(
    `   🔐 nurse-joy may read lab_results: ${clinic.authorizeUser(nurse, 'lab_results')}; billing: ${clinic.authorizeUser(billing, 'lab_results')}`,
  );
  clinic.registerSchema('lab_results', {
    type: 'object',
    required: ['mrn', 'test', 'value'],
    properties: { mrn: { type: 'string' }, value: { type: 'number' } },
  });
  const valid = clinic.validateSchema('lab_results', { mrn: 'MRN-0042', test: 'glucose', value: 7.2 });
  const textValue = clinic.validateSchema('lab_results', { mrn: 'MRN-0042', test: 'glucose', value: '7.2' });
  log(`   📋 valid result: ${valid}; value as text: ${textValue}; validationErrors = ${clinic.exposeMetrics().validationErrors}`);
  clinic.setBackpressure('lab_results', { maxSize: 2 });
  for (let i = 1; i <= 3; i++) {
    try {
      clinic.controlBackpressure('lab_results');
      log(`   ✅ lab_results admitted #${i}`);
    } catch (error) {
      if (!(error instanceof engineer.OverflowError)) throw error;
      log(`   ✋ lab_results #${i}: ${error.name} ${error.code}`);
    }
  }
  await clinic.bus.start();
  await clinic.bus.publish('lab_results', { mrn: 'MRN-0042', test: 'glucose' }).catch((error: unknown) => {
    log(`   ✋ .bus refuses a result without a value: ${BusError.is(error) ? error.code : String(error)}`);
  });

  await Promise.all([hospital.bus.stop(), migrated.bus.stop(), clinic.bus.stop()]);
}
