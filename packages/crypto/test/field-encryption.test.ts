import { type Bus, type BusError, createBus, type EventEnvelope } from '@bus/core';
import { afterEach, describe, expect, it } from 'vitest';
import { crypto, type FieldEncryptionOptions, fieldEncryption, inspectSealed, type Keyring, SEALED_FIELD_PREFIX } from '../src/index.js';
import { freshKeyring, inlineJson, wireTap } from './helpers.js';

const buses: Bus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.stop()));
});

interface Admission {
  ward: number;
  patient: { ssn: string; name: string; age: number };
}
const admission = (): Admission => ({ ward: 7, patient: { ssn: '123-45-6789', name: 'Ada', age: 36 } });

async function fieldBus(options: Partial<FieldEncryptionOptions> & { keyring?: Keyring; serialize?: boolean } = {}) {
  const { serialize = true, ...rest } = options;
  const tap = wireTap();
  const plugin = fieldEncryption({
    keyring: rest.keyring ?? freshKeyring(),
    paths: rest.paths ?? ['patient.ssn', 'patient.name'],
    ...rest,
  } as FieldEncryptionOptions);
  const bus = createBus({ source: 'ward-7' }).use(plugin).use(tap.plugin);
  if (serialize) bus.use(inlineJson());
  buses.push(bus);
  const failures: BusError[] = [];
  const received: EventEnvelope[] = [];
  bus.events.on('failed', (error) => void failures.push(error));
  bus.subscribe('patients.admitted', (event) => void received.push(event));
  await bus.start();
  const wire = (index = 0): Record<string, unknown> => JSON.parse(new TextDecoder().decode(tap.sent[index]?.data as Uint8Array));
  return { bus, sent: tap.sent, failures, received, wire };
}

describe('fieldEncryption()', () => {
  it('seals only the chosen fields, leaves the rest readable, and gives subscribers the original values', async () => {
    const { bus, received, wire } = await fieldBus();
    await bus.publish('patients.admitted', admission());
    const onTheWire = wire() as { ward: number; patient: Record<string, unknown> };
    expect(onTheWire.ward).toBe(7);
    expect(onTheWire.patient.age).toBe(36);
    for (const field of ['ssn', 'name'] as const) {
      const value = onTheWire.patient[field] as string;
      expect(value.startsWith(SEALED_FIELD_PREFIX)).toBe(true);
      expect(inspectSealed(Buffer.from(value.slice(SEALED_FIELD_PREFIX.length), 'base64')).keyId).toBe('k1');
    }
    expect(JSON.stringify(onTheWire)).not.toContain('Ada');
    expect(received[0]?.data).toEqual(admission());
  });

  it('never mutates the caller’s data', async () => {
    const { bus, received } = await fieldBus({ serialize: false });
    const data = admission();
    await bus.publish('patients.admitted', data);
    expect(data).toEqual(admission());
    expect(received[0]?.data).toEqual(admission());
    expect(received[0]?.data).not.toBe(data);
  });

  it('seals values of any JSON type and brings them back with their type', async () => {
    const { bus, received, wire } = await fieldBus({ paths: ['secret'] });
    for (const secret of [42, null, true, ['a', 1], { nested: { deep: 'x' } }]) await bus.publish('patients.admitted', { secret });
    expect(received.map((event) => (event.data as { secret: unknown }).secret)).toEqual([
      42,
      null,
      true,
      ['a', 1],
      { nested: { deep: 'x' } },
    ]);
    expect(typeof wire(4).secret).toBe('string');
  });

  it('selects every element with *, and array elements by index', async () => {
    const { bus, received, wire } = await fieldBus({ paths: ['visits.*.diagnosis', 'cards.1'] });
    const data = { visits: [{ diagnosis: 'flu', day: 1 }, { diagnosis: 'cold', day: 2 }, { day: 3 }], cards: ['public', 'private'] };
    await bus.publish('patients.admitted', data);
    const onTheWire = wire() as typeof data;
    expect(onTheWire.visits.map((visit) => visit.diagnosis?.startsWith(SEALED_FIELD_PREFIX))).toEqual([true, true, undefined]);
    expect(onTheWire.visits.map((visit) => visit.day)).toEqual([1, 2, 3]);
    expect(onTheWire.cards[0]).toBe('public');
    expect(onTheWire.cards[1]?.startsWith(SEALED_FIELD_PREFIX)).toBe(true);
    expect(received[0]?.data).toEqual(data);
  });

  it('leaves absent fields absent and non-object data alone', async () => {
    const { bus, received } = await fieldBus();
    await bus.publish('patients.admitted', { ward: 3 });
    await bus.publish('patients.admitted', 'just a string');
    await bus.publish('patients.admitted', { patient: null });
    expect(received.map((event) => event.data)).toEqual([{ ward: 3 }, 'just a string', { patient: null }]);
  });

  it('binds each sealed value to its path: values swapped between fields do not open', async () => {
    const { bus, sent, failures, wire } = await fieldBus();
    await bus.publish('patients.admitted', admission(), { id: 'e-1' });
    const data = wire() as { patient: { ssn: string; name: string } };
    const swapped = { ...data, patient: { ...data.patient, ssn: data.patient.name, name: data.patient.ssn } };
    await bus.dispatch({ ...(sent[0] as EventEnvelope), data: new TextEncoder().encode(JSON.stringify(swapped)) });
    expect(failures[0]).toMatchObject({ code: 'DECRYPT_FAILED', eventId: 'e-1' });
  });

  it('binds each sealed value to its event: a field copied into another event does not open', async () => {
    const { bus, sent, failures } = await fieldBus();
    await bus.publish('patients.admitted', admission());
    await bus.dispatch({ ...(sent[0] as EventEnvelope), id: 'e-other' });
    expect(failures[0]).toMatchObject({ code: 'DECRYPT_FAILED', eventId: 'e-other' });
  });

  it('refuses tampered or non-canonical base64 with DECRYPT_FAILED', async () => {
    const { bus, sent, failures, wire } = await fieldBus({ paths: ['ssn'] });
    await bus.publish('patients.admitted', { ssn: '123' });
    const sealed = wire().ssn as string;
    const flipped = sealed.slice(0, -6) + (sealed.at(-6) === 'A' ? 'B' : 'A') + sealed.slice(-5);
    for (const ssn of [flipped, `${sealed}!`, `${SEALED_FIELD_PREFIX}AAAA`]) {
      await bus.dispatch({ ...(sent[0] as EventEnvelope), data: new TextEncoder().encode(JSON.stringify({ ssn })) });
    }
    expect(failures.map((error) => error.code)).toEqual(['DECRYPT_FAILED', 'DECRYPT_FAILED', 'DECRYPT_FAILED']);
  });

  it('refuses plaintext in a selected field on delivery, unless allowPlaintext is set', async () => {
    const strict = await fieldBus({ paths: ['ssn'] });
    await strict.bus.dispatch({ type: 'patients.admitted', data: new TextEncoder().encode('{"ssn":"123-45-6789"}') });
    expect(strict.failures[0]).toMatchObject({ code: 'DECRYPT_FAILED', message: expect.stringContaining('ssn') });
    const lenient = await fieldBus({ paths: ['ssn'], allowPlaintext: true });
    await lenient.bus.dispatch({ type: 'patients.admitted', data: new TextEncoder().encode('{"ssn":"123-45-6789"}') });
    expect(lenient.received[0]?.data).toEqual({ ssn: '123-45-6789' });
  });

  it('fails the publish with ENCODE_FAILED for a field JSON cannot hold', async () => {
    const { bus } = await fieldBus({ paths: ['amount'] });
    await expect(bus.publish('patients.admitted', { amount: 10n }, { id: 'e-1' })).rejects.toMatchObject({
      code: 'ENCODE_FAILED',
      eventId: 'e-1',
    });
  });

  it('keeps own __proto__ keys plain properties when copying', async () => {
    const { bus, received } = await fieldBus({ paths: ['*.secret'], serialize: false });
    const data = JSON.parse('{"__proto__":{"secret":"s"},"other":{"secret":"t"}}');
    await bus.publish('patients.admitted', data);
    const delivered = received[0]?.data as Record<string, unknown>;
    expect(Object.getPrototypeOf(delivered)).toBe(Object.prototype);
    expect(Object.hasOwn(delivered, '__proto__')).toBe(true);
    expect(delivered).toEqual(data);
  });

  it('refuses bad paths with PLUGIN_INVALID', () => {
    const keyring = freshKeyring();
    for (const paths of [[], ['a..b'], [''], ['a.__proto__'], ['constructor.prototype'], [7]]) {
      expect(() => fieldEncryption({ keyring, paths: paths as string[] }), JSON.stringify(paths)).toThrowError(
        expect.objectContaining({ code: 'PLUGIN_INVALID' }),
      );
    }
  });

  it('runs before serialization and whole-payload encryption, and after them on delivery', async () => {
    const keyring = freshKeyring();
    const tap = wireTap();
    const bus = createBus()
      .use(crypto({ keyring }))
      .use(tap.plugin)
      .use(inlineJson())
      .use(fieldEncryption({ keyring, paths: ['patient.ssn'] }));
    buses.push(bus);
    const received: unknown[] = [];
    bus.subscribe('patients.admitted', (event) => void received.push(event.data));
    await bus.start();
    await bus.publish('patients.admitted', admission());
    expect(tap.sent[0]?.encryption).toBe('aes-256-gcm');
    expect(received).toEqual([admission()]);
  });
});
