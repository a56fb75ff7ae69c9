// A clinic's admissions flow in one process, with the routing and payload
// plugins: wildcard topics with an ACL, JSON Schemas with an upcaster,
// field-level encryption of patient data, and correlation ids that follow
// the flow from event to event.
import { randomBytes } from 'node:crypto';
import { context } from '@bus/context';
import { BusError, createBus, definePlugin, type EventEnvelope, STAGE_ORDER } from '@bus/core';
import { createKeyring, fieldEncryption } from '@bus/crypto';
import { createSchemaRegistry, schema } from '@bus/schema';
import { serialization } from '@bus/serialization';
import { topics } from '@bus/topics';

interface Admission {
  ward: string;
  patient: { name: string; ssn: string };
  triage: 'green' | 'amber' | 'red';
}

/** v1 of `clinic.<ward>.admitted` had a free-text priority instead of a triage colour. */
interface AdmissionV1 {
  ward: string;
  patient: { name: string; ssn: string };
  priority: 'low' | 'high';
}

const admission = {
  type: 'object',
  required: ['ward', 'patient', 'triage'],
  properties: {
    ward: { type: 'string' },
    patient: { type: 'object', required: ['name', 'ssn'] },
    triage: { enum: ['green', 'amber', 'red'] },
  },
} as const;
const admissionV1 = {
  type: 'object',
  required: ['ward', 'patient', 'priority'],
  properties: { priority: { enum: ['low', 'high'] } },
} as const;

/** Records what leaves the process: the envelope after encoding, as a broker would store it. */
function wireTap(onWire: (envelope: EventEnvelope) => void) {
  return definePlugin({
    name: 'wire-tap',
    setup(kernel) {
      kernel.usePublish(
        'dispatch',
        function tapWire(ctx, next) {
          onWire(ctx.envelope);
          return next();
        },
        { order: STAGE_ORDER.compress + 100 },
      );
    },
  });
}

/** Runs the demo, writing each line through `print`. */
export async function runInProcess(print: (line: string) => void = console.log): Promise<void> {
  const registry = createSchemaRegistry()
    .register('clinic.icu.admitted', admissionV1, { version: '1' })
    .register('clinic.icu.admitted', admission, { version: '2' })
    .register('clinic.er.admitted', admission, { version: '2' });
  const upcastTriage = {
    from: '1',
    to: '2',
    upcast: (data: AdmissionV1): Admission => ({
      ward: data.ward,
      patient: data.patient,
      triage: data.priority === 'high' ? 'red' : 'green',
    }),
  };
  const keyring = createKeyring({ keys: [{ id: 'phi-2026', key: randomBytes(32), status: 'primary' }] });
  const wire: string[] = [];

  const bus = createBus({ source: 'clinic/admissions' })
    .use(topics({ acl: [{ principal: 'intern', pattern: 'clinic.#', action: 'publish', effect: 'deny' }] }))
    .use(schema({ registry, upcasters: { 'clinic.icu.admitted': [upcastTriage] } }))
    .use(context())
    .use(serialization())
    .use(fieldEncryption({ keyring, paths: ['patient.name', 'patient.ssn'] }))
    .use(wireTap((envelope) => wire.push(new TextDecoder().decode(envelope.data as Uint8Array))));
  print(`plugins: ${bus.plugins.join(' → ')}`);

  bus.subscribe<Admission>(
    'clinic.*.admitted',
    async (event) => {
      const { ward, patient, triage } = event.data;
      print(
        `🏥 ${ward}: admitted ${patient.name} (ssn ${patient.ssn.slice(-4).padStart(11, '•')}), triage ${triage}, schema v${event.schemaversion}`,
      );
      await bus.publish('audit.admission.recorded', { admission: event.id, ward });
    },
    { name: 'admissions-desk' },
  );
  bus.subscribe<{ admission: string; ward: string }>(
    'audit.#',
    (event) => {
      const causedByAdmission = event.causationid === event.data.admission;
      const sameFlow = event.correlationid === event.data.admission;
      print(
        `   📝 ${event.type} for ${event.data.ward}: causationid = the admission's id ${causedByAdmission}, correlationid too ${sameFlow}`,
      );
    },
    { name: 'audit-log' },
  );
  bus.events.on('failed', (error: BusError, event, subscription) => print(`⚠️  ${subscription.name} failed ${event.type}: ${error.code}`));

  await bus.start();

  print('\n1. A wildcard subscription gets an ER admission; the PHI fields are sealed on the wire:');
  await bus.publish<Admission>('clinic.er.admitted', {
    ward: 'er',
    patient: { name: 'Ada Lovelace', ssn: '123-45-6789' },
    triage: 'amber',
  });
  print(`   on the wire: ${wire.at(0)?.replace(/bus-sealed:[A-Za-z0-9+/=_-]{12,}/g, (sealed) => `${sealed.slice(0, 18)}…`)}`);

  print('\n2. An old (v1) ICU event is upcast to v2 before the handler sees it:');
  await bus.publish({
    type: 'clinic.icu.admitted',
    schemaversion: '1',
    data: { ward: 'icu', patient: { name: 'Grace Hopper', ssn: '987-65-4321' }, priority: 'high' } satisfies AdmissionV1,
  });

  print('\n3. An intern may not publish admissions (ACL):');
  await bus
    .publish('clinic.er.admitted', { ward: 'er', patient: { name: 'X', ssn: '0' }, triage: 'green' }, { principal: 'intern' })
    .catch((error: unknown) => print(`   ✋ ${BusError.is(error) ? `${error.code}: ${error.message}` : String(error)}`));

  print('\n4. An admission without a triage colour fails its schema:');
  await bus.publish('clinic.er.admitted', { ward: 'er', patient: { name: 'Y', ssn: '1' } }).catch((error: unknown) => {
    if (!BusError.is(error)) throw error;
    const details = error.details as { errors?: { message?: string }[] } | undefined;
    print(`   ✋ ${error.code}: ${details?.errors?.map((e) => e.message).join('; ')}`);
  });

  await bus.stop();
  print(
    `\n${wire.length} events left the process; none of them carried a patient's name in clear: ${wire.every((w) => !/Ada Lovelace|Grace Hopper|123-45-6789|987-65-4321/.test(w))}`,
  );
}
