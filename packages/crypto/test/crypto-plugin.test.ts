import { randomBytes } from 'node:crypto';
import { type Bus, type BusError, createBus, type EventEnvelope } from '@bus/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createKeyring, crypto, ENCRYPTION_AES_256_GCM, inspectSealed, type Keyring } from '../src/index.js';
import { freshKeyring, inlineJson, read, wireTap } from './helpers.js';

const buses: Bus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.stop()));
});

function encryptedBus(keyring: Keyring, options: { allowPlaintext?: boolean } = {}) {
  const tap = wireTap();
  const bus = createBus({ source: 'ward-7' })
    .use(inlineJson())
    .use(crypto({ keyring, ...options }))
    .use(tap.plugin);
  buses.push(bus);
  const failures: BusError[] = [];
  const received: EventEnvelope[] = [];
  bus.events.on('failed', (error) => void failures.push(error));
  bus.subscribe('patients.admitted', (event) => void received.push(event));
  return { bus, sent: tap.sent, failures, received };
}

describe('crypto() end to end', () => {
  it('gives subscribers plaintext while the transport sees only ciphertext', async () => {
    const { bus, sent, received } = encryptedBus(freshKeyring());
    await bus.start();
    await bus.publish('patients.admitted', { name: 'Ada Lovelace', diagnosis: 'flu' }, { tenantId: 'clinic-a' });
    const wire = sent[0] as EventEnvelope;
    expect(wire.data).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(wire.data as Uint8Array).includes('Ada')).toBe(false);
    expect(wire).toMatchObject({ encryption: ENCRYPTION_AES_256_GCM, datacontenttype: 'application/json', tenantid: 'clinic-a' });
    expect(inspectSealed(wire.data as Uint8Array).keyId).toBe('k1');
    expect(received[0]?.data).toEqual({ name: 'Ada Lovelace', diagnosis: 'flu' });
    expect(received[0]?.encryption).toBeUndefined();
    expect(received[0]?.datacontenttype).toBe('application/json');
  });

  it('needs bytes: data that was not serialized fails the publish with ENCODE_FAILED naming @bus/serialization', async () => {
    const bus = createBus().use(crypto({ keyring: freshKeyring() }));
    buses.push(bus);
    await bus.start();
    await expect(bus.publish('a', { not: 'bytes' }, { id: 'e-1' })).rejects.toMatchObject({
      code: 'ENCODE_FAILED',
      eventId: 'e-1',
      message: expect.stringContaining('@bus/serialization'),
    });
  });

  it('lets events without data through untouched', async () => {
    const { bus, sent, received } = encryptedBus(freshKeyring());
    await bus.start();
    await bus.publish('patients.admitted', undefined);
    expect(sent[0]?.encryption).toBeUndefined();
    expect(received).toHaveLength(1);
  });

  it('refuses a payload moved into another event (another id, type, source or tenant) with DECRYPT_FAILED', async () => {
    const { bus, sent, failures, received } = encryptedBus(freshKeyring());
    bus.subscribe('patients.discharged', (event) => void received.push(event));
    await bus.start();
    await bus.publish('patients.admitted', { name: 'Ada' }, { tenantId: 'clinic-a' });
    const original = sent[0] as EventEnvelope;
    for (const moved of [
      { ...original, id: 'e-other' },
      { ...original, type: 'patients.discharged' },
      { ...original, source: 'ward-8' },
      { ...original, tenantid: 'clinic-b' },
    ]) {
      await bus.dispatch(moved);
    }
    expect(failures.map((error) => error.code)).toEqual(['DECRYPT_FAILED', 'DECRYPT_FAILED', 'DECRYPT_FAILED', 'DECRYPT_FAILED']);
    expect(failures[0]?.eventId).toBe('e-other');
    expect(received).toHaveLength(1);
    expect((await bus.dispatch(original)).delivered).toBe(1);
  });

  it('fails the delivery of a tampered payload with DECRYPT_FAILED and keeps delivering the next events', async () => {
    const { bus, sent, failures, received } = encryptedBus(freshKeyring());
    await bus.start();
    await bus.publish('patients.admitted', { name: 'Ada' }, { id: 'e-1' });
    const tampered = Uint8Array.from(sent[0]?.data as Uint8Array);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 0x01;
    await bus.dispatch({ ...(sent[0] as EventEnvelope), data: tampered });
    await bus.publish('patients.admitted', { name: 'Grace' });
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ code: 'DECRYPT_FAILED', eventId: 'e-1' });
    expect(received.map((event) => (event.data as { name: string }).name)).toEqual(['Ada', 'Grace']);
  });

  it('keeps reading events sealed before a key rotation, and refuses them once their key is disabled', async () => {
    const keyring = createKeyring({ keys: [{ id: 'k1', key: randomBytes(32), status: 'primary' }] });
    const { bus, sent, failures, received } = encryptedBus(keyring);
    await bus.start();
    await bus.publish('patients.admitted', { n: 1 });
    keyring.rotate({ id: 'k2', key: randomBytes(32) });
    await bus.publish('patients.admitted', { n: 2 });
    expect(sent.map((event) => inspectSealed(event.data as Uint8Array).keyId)).toEqual(['k1', 'k2']);
    await bus.dispatch(sent[0] as EventEnvelope);
    expect(received.map((event) => event.data)).toEqual([{ n: 1 }, { n: 2 }, { n: 1 }]);
    keyring.disable('k1');
    await bus.dispatch(sent[0] as EventEnvelope);
    expect(failures.map((error) => error.code)).toEqual(['DECRYPT_FAILED']);
  });

  it('refuses plaintext events unless allowPlaintext is set', async () => {
    const strict = encryptedBus(freshKeyring());
    await strict.bus.start();
    await strict.bus.dispatch({ type: 'patients.admitted', id: 'forged', data: new TextEncoder().encode('{"forged":true}') });
    expect(strict.failures[0]).toMatchObject({
      code: 'DECRYPT_FAILED',
      eventId: 'forged',
      message: expect.stringContaining('allowPlaintext'),
    });
    expect(strict.received).toHaveLength(0);

    const lenient = encryptedBus(freshKeyring(), { allowPlaintext: true });
    await lenient.bus.start();
    await lenient.bus.dispatch({ type: 'patients.admitted', data: new TextEncoder().encode('{"legacy":true}') });
    expect(lenient.received[0]?.data).toEqual({ legacy: true });
  });

  it('refuses an unknown encryption marker', async () => {
    const { bus, failures } = encryptedBus(freshKeyring());
    await bus.start();
    await bus.dispatch({ type: 'patients.admitted', data: new Uint8Array([1]), encryption: 'rot13' });
    expect(failures[0]?.code).toBe('DECRYPT_FAILED');
  });

  it('seals after serialization and opens before deserialization, whatever the use() order', async () => {
    const tap = wireTap();
    const bus = createBus()
      .use(tap.plugin)
      .use(crypto({ keyring: freshKeyring() }))
      .use(inlineJson());
    buses.push(bus);
    const seen: unknown[] = [];
    bus.subscribe('a', (event) => void seen.push(event.data));
    await bus.start();
    await bus.publish('a', { n: 1 });
    expect(read(tap.sent[0]?.data as Uint8Array)).not.toContain('"n"');
    expect(seen).toEqual([{ n: 1 }]);
  });

  it('refuses to be created without a key source', () => {
    expect(() => crypto({} as never)).toThrowError(expect.objectContaining({ code: 'PLUGIN_INVALID' }));
  });
});
