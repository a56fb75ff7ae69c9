import { type BusError, createBus, type EventEnvelope } from '@bus/core';
import { describe, expect, it } from 'vitest';
import { createSubjectKeyProvider, crypto, eventAad, fieldEncryption, inspectSealed, openPayload, sealPayload } from '../src/index.js';
import { inlineJson, text, wireTap } from './helpers.js';

describe('crypto-shredding with per-subject keys', () => {
  it('makes exactly the destroyed subject’s payloads unreadable, while everything else still works', async () => {
    const keys = createSubjectKeyProvider();
    const tap = wireTap();
    const bus = createBus()
      .use(inlineJson())
      .use(crypto({ keyProvider: keys }))
      .use(tap.plugin);
    const failures: BusError[] = [];
    const received: EventEnvelope[] = [];
    bus.events.on('failed', (error) => void failures.push(error));
    bus.subscribe('patients.visited', (event) => void received.push(event));
    await bus.start();
    for (const subject of ['patient-1', 'patient-2', 'patient-1', 'patient-3']) {
      await bus.publish('patients.visited', { subject }, { subject });
    }
    const stored = [...tap.sent];
    expect(new Set(stored.map((event) => inspectSealed(event.data as Uint8Array).keyId)).size).toBe(3);

    expect(keys.destroy('patient-1')).toBe(true);
    expect(keys.has('patient-1')).toBe(false);
    received.length = 0;
    for (const event of stored) await bus.dispatch(event);
    expect(failures.map((error) => [error.code, error.eventId])).toEqual([
      ['DECRYPT_FAILED', stored[0]?.id],
      ['DECRYPT_FAILED', stored[2]?.id],
    ]);
    expect(received.map((event) => event.subject)).toEqual(['patient-2', 'patient-3']);

    // The subject may come back: new events get a new key; the shredded ones stay unreadable.
    await bus.publish('patients.visited', { subject: 'patient-1' }, { subject: 'patient-1' });
    expect(received.at(-1)?.subject).toBe('patient-1');
    await bus.dispatch(stored[0] as EventEnvelope);
    expect(failures).toHaveLength(3);
    await bus.stop();
  });

  it('does not reveal the subject in the key id', async () => {
    const keys = createSubjectKeyProvider();
    const sealed = await sealPayload({
      keyProvider: keys,
      plaintext: text('x'),
      aad: new Uint8Array(),
      context: { subject: 'patient-42' },
    });
    expect(inspectSealed(sealed).keyId).not.toContain('patient-42');
  });

  it('refuses to seal a payload without a subject, with ENCODE_FAILED', async () => {
    const bus = createBus()
      .use(inlineJson())
      .use(crypto({ keyProvider: createSubjectKeyProvider() }));
    await bus.start();
    await expect(bus.publish('a', { n: 1 }, { id: 'e-1' })).rejects.toMatchObject({ code: 'ENCODE_FAILED', eventId: 'e-1' });
    await bus.stop();
  });

  it('picks the subject with subjectOf, e.g. per tenant and subject', async () => {
    const keys = createSubjectKeyProvider({ subjectOf: (context) => `${context.tenantid}/${context.subject}` });
    const aad = eventAad({ id: 'e', type: 't', source: 's' });
    const a = await sealPayload({ keyProvider: keys, plaintext: text('a'), aad, context: { tenantid: 'a', subject: 'p-1' } });
    const b = await sealPayload({ keyProvider: keys, plaintext: text('b'), aad, context: { tenantid: 'b', subject: 'p-1' } });
    keys.destroy('a/p-1');
    await expect(openPayload({ keyProvider: keys, sealed: a, aad })).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    expect(new TextDecoder().decode(await openPayload({ keyProvider: keys, sealed: b, aad }))).toBe('b');
    expect(keys.destroy('a/p-1')).toBe(false);
  });

  it('shreds field-level encrypted data too, leaving the readable fields readable', async () => {
    const keys = createSubjectKeyProvider();
    const tap = wireTap();
    const bus = createBus()
      .use(inlineJson())
      .use(fieldEncryption({ keyProvider: keys, paths: ['name'] }))
      .use(tap.plugin);
    const failures: string[] = [];
    bus.events.on('failed', (error) => void failures.push(error.code));
    bus.subscribe('a', () => undefined);
    await bus.start();
    await bus.publish('a', { name: 'Ada', ward: 7 }, { subject: 'patient-1' });
    keys.destroy('patient-1');
    await bus.dispatch(tap.sent[0] as EventEnvelope);
    expect(failures).toEqual(['DECRYPT_FAILED']);
    expect(JSON.parse(new TextDecoder().decode(tap.sent[0]?.data as Uint8Array))).toMatchObject({ ward: 7 });
    await bus.stop();
  });
});
