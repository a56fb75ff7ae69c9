import { createCipheriv, randomBytes } from 'node:crypto';
import { BusError } from '@bus/core';
import { describe, expect, it } from 'vitest';
import {
  ALGORITHM_AES_256_GCM,
  createKeyring,
  eventAad,
  IV_BYTES,
  inspectSealed,
  type KeyProvider,
  openPayload,
  SEALED_FORMAT_VERSION,
  sealPayload,
  TAG_BYTES,
} from '../src/index.js';
import { freshKeyring, read, text } from './helpers.js';

const event = { id: 'e-1', type: 'patients.admitted', source: 'ward-7', tenantid: 'clinic-a' };
const aad = eventAad(event);

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'opened';
  } catch (error) {
    return BusError.is(error) ? error.code : `crash: ${String(error)}`;
  }
}

describe('sealPayload and openPayload', () => {
  it('round-trip a payload, and the sealed bytes hide it', async () => {
    const keyring = freshKeyring();
    const sealed = await sealPayload({ keyring, plaintext: text('{"name":"Ada"}'), aad });
    expect(Buffer.from(sealed).includes('Ada')).toBe(false);
    expect(read(await openPayload({ keyring, sealed, aad }))).toBe('{"name":"Ada"}');
  });

  it('round-trip empty and large payloads', async () => {
    const keyring = freshKeyring();
    for (const plaintext of [new Uint8Array(0), randomBytes(1024 * 1024)]) {
      const sealed = await sealPayload({ keyring, plaintext, aad });
      expect(Buffer.compare(await openPayload({ keyring, sealed, aad }), plaintext)).toBe(0);
    }
  });

  it('write the documented format: version, algorithm, key id length and id, IV, tag, ciphertext', async () => {
    const key = randomBytes(32);
    const keyring = createKeyring({ keys: [{ id: 'key-2024', key, status: 'primary' }] });
    const plaintext = text('hello');
    const sealed = await sealPayload({ keyring, plaintext, aad });
    expect([...sealed.subarray(0, 3)]).toEqual([SEALED_FORMAT_VERSION, ALGORITHM_AES_256_GCM, 8]);
    expect(read(sealed.subarray(3, 11))).toBe('key-2024');
    expect(sealed.byteLength).toBe(3 + 8 + IV_BYTES + TAG_BYTES + plaintext.byteLength);
    const parts = inspectSealed(sealed);
    expect(parts).toMatchObject({ version: 1, algorithm: 1, keyId: 'key-2024' });
    // The same AES-GCM work done by hand gives the same ciphertext and tag: header ‖ AAD is authenticated.
    const cipher = createCipheriv('aes-256-gcm', key, parts.iv);
    cipher.setAAD(Buffer.concat([parts.header, aad]));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    expect(Buffer.compare(ciphertext, parts.ciphertext)).toBe(0);
    expect(Buffer.compare(cipher.getAuthTag(), parts.tag)).toBe(0);
  });

  it('use a fresh random IV for every payload', async () => {
    const keyring = freshKeyring();
    const ivs = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      ivs.add(Buffer.from(inspectSealed(await sealPayload({ keyring, plaintext: text('same'), aad })).iv).toString('hex'));
    }
    expect(ivs.size).toBe(2000);
  });

  it('refuse every single-byte change of a sealed payload with DECRYPT_FAILED: header, IV, tag and ciphertext', async () => {
    const keyring = createKeyring({
      keys: [
        { id: 'k1', key: randomBytes(32), status: 'primary' },
        // 'k0' is 'k1' with its last byte XOR 0x01: flipping that byte names another real key.
        { id: 'k0', key: randomBytes(32), status: 'active' },
      ],
    });
    const sealed = await sealPayload({ keyring, plaintext: text('{"diagnosis":"confidential"}'), aad, context: { eventId: 'e-1' } });
    const outcomes = new Map<string, number>();
    for (let position = 0; position < sealed.byteLength; position++) {
      const tampered = Uint8Array.from(sealed);
      tampered[position] = (tampered[position] as number) ^ 0x01;
      const code = await codeOf(openPayload({ keyring, sealed: tampered, aad, context: { eventId: 'e-1' } }));
      outcomes.set(code, (outcomes.get(code) ?? 0) + 1);
    }
    expect(Object.fromEntries(outcomes)).toEqual({ DECRYPT_FAILED: sealed.byteLength });
  });

  it('refuse truncated and extended payloads', async () => {
    const keyring = freshKeyring();
    const sealed = await sealPayload({ keyring, plaintext: text('payload'), aad });
    for (let length = 0; length < sealed.byteLength; length++) {
      expect(await codeOf(openPayload({ keyring, sealed: sealed.subarray(0, length), aad }))).toBe('DECRYPT_FAILED');
    }
    expect(await codeOf(openPayload({ keyring, sealed: Buffer.concat([sealed, new Uint8Array([0])]), aad }))).toBe('DECRYPT_FAILED');
  });

  it.each([
    ['another event id', { ...event, id: 'e-2' }],
    ['another type', { ...event, type: 'patients.discharged' }],
    ['another source', { ...event, source: 'ward-8' }],
    ['another tenant', { ...event, tenantid: 'clinic-b' }],
    ['no tenant', { id: event.id, type: event.type, source: event.source }],
  ])('refuse a payload moved to %s (the AAD differs)', async (_what, other) => {
    const keyring = freshKeyring();
    const sealed = await sealPayload({ keyring, plaintext: text('x'), aad });
    expect(await codeOf(openPayload({ keyring, sealed, aad: eventAad(other) }))).toBe('DECRYPT_FAILED');
  });

  it('bind the field path into the AAD, unambiguously', () => {
    expect(eventAad(event, ['a.b'])).not.toEqual(eventAad(event, ['a', 'b']));
    expect(eventAad({ ...event, id: 'a","b' })).not.toEqual(eventAad({ ...event, id: 'a', type: `b",${event.type}` }));
  });

  it('keep payloads sealed before a rotation readable, and seal new ones with the new key', async () => {
    const keyring = createKeyring({ keys: [{ id: 'k1', key: randomBytes(32), status: 'primary' }] });
    const old = await sealPayload({ keyring, plaintext: text('old'), aad });
    keyring.rotate({ id: 'k2', key: randomBytes(32) });
    const fresh = await sealPayload({ keyring, plaintext: text('new'), aad });
    expect(inspectSealed(old).keyId).toBe('k1');
    expect(inspectSealed(fresh).keyId).toBe('k2');
    expect(read(await openPayload({ keyring, sealed: old, aad }))).toBe('old');
    expect(read(await openPayload({ keyring, sealed: fresh, aad }))).toBe('new');
  });

  it('refuse payloads of a disabled key, and of a key the ring does not have', async () => {
    const keyring = createKeyring({ keys: [{ id: 'k1', key: randomBytes(32), status: 'primary' }] });
    const sealed = await sealPayload({ keyring, plaintext: text('x'), aad });
    keyring.rotate({ id: 'k2', key: randomBytes(32) });
    keyring.disable('k1');
    await expect(openPayload({ keyring, sealed, aad, context: { eventId: 'e-1' } })).rejects.toMatchObject({
      code: 'DECRYPT_FAILED',
      eventId: 'e-1',
      details: { keyId: 'k1' },
    });
    expect(await codeOf(openPayload({ keyring: freshKeyring('k1'), sealed, aad }))).toBe('DECRYPT_FAILED');
    expect(await codeOf(openPayload({ keyring: freshKeyring('other'), sealed, aad }))).toBe('DECRYPT_FAILED');
  });

  it('refuse what is not a sealed payload', async () => {
    const keyring = freshKeyring();
    for (const sealed of [new Uint8Array(0), text('{"plain":"json"}'), new Uint8Array(64), 'text' as never]) {
      expect(await codeOf(openPayload({ keyring, sealed, aad }))).toBe('DECRYPT_FAILED');
    }
  });

  it('work with any async key provider, and report its failures as retryable', async () => {
    const key = randomBytes(32);
    let up = true;
    const kms: KeyProvider = {
      encryptionKey: async () => ({ id: 'kms-1', key }),
      decryptionKey: async (id) => {
        if (!up) throw new Error('KMS unavailable');
        return id === 'kms-1' ? key : undefined;
      },
    };
    const sealed = await sealPayload({ keyProvider: kms, plaintext: text('x'), aad });
    expect(read(await openPayload({ keyProvider: kms, sealed, aad }))).toBe('x');
    up = false;
    await expect(openPayload({ keyProvider: kms, sealed, aad, context: { eventId: 'e-1' } })).rejects.toMatchObject({
      code: 'DECRYPT_FAILED',
      eventId: 'e-1',
      retryable: true,
    });
  });

  it('refuse a provider key that is not 32 bytes, with ENCODE_FAILED', async () => {
    const weak: KeyProvider = { encryptionKey: async () => ({ id: 'weak', key: randomBytes(16) }), decryptionKey: async () => undefined };
    await expect(sealPayload({ keyProvider: weak, plaintext: text('x'), aad, context: { eventId: 'e-1' } })).rejects.toMatchObject({
      code: 'ENCODE_FAILED',
      eventId: 'e-1',
    });
  });

  it('refuse being called without a key source', async () => {
    await expect(sealPayload({ plaintext: text('x'), aad } as never)).rejects.toMatchObject({ code: 'PLUGIN_INVALID' });
  });
});
