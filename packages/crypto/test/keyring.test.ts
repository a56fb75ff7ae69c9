import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createKeyring, type KeyringEntry } from '../src/index.js';

const key = () => randomBytes(32);

describe('a key ring', () => {
  it('encrypts with its one primary key and decrypts with primary and active keys, not disabled ones', async () => {
    const k1 = key();
    const k2 = key();
    const k0 = key();
    const keyring = createKeyring({
      keys: [
        { id: 'k2', key: k2, status: 'primary' },
        { id: 'k1', key: k1, status: 'active' },
        { id: 'k0', key: k0, status: 'disabled' },
      ],
    });
    expect(await keyring.encryptionKey({})).toEqual({ id: 'k2', key: Uint8Array.from(k2) });
    expect(await keyring.decryptionKey('k2', {})).toEqual(Uint8Array.from(k2));
    expect(await keyring.decryptionKey('k1', {})).toEqual(Uint8Array.from(k1));
    expect(await keyring.decryptionKey('k0', {})).toBeUndefined();
    expect(await keyring.decryptionKey('nope', {})).toBeUndefined();
    expect(keyring.primaryId).toBe('k2');
  });

  it('keeps its own copy of the key bytes', async () => {
    const material = key();
    const keyring = createKeyring({ keys: [{ id: 'k1', key: material, status: 'primary' }] });
    const copy = Uint8Array.from(material);
    material.fill(0);
    expect((await keyring.encryptionKey({})).key).toEqual(copy);
  });

  it('rotates: the new key becomes primary and the old one stays active for decryption', async () => {
    const keyring = createKeyring({ keys: [{ id: 'k1', key: key(), status: 'primary' }] });
    keyring.rotate({ id: 'k2', key: key() });
    expect(keyring.primaryId).toBe('k2');
    expect((await keyring.encryptionKey({})).id).toBe('k2');
    expect(await keyring.decryptionKey('k1', {})).toBeInstanceOf(Uint8Array);
    expect(keyring.list()).toEqual([
      { id: 'k2', status: 'primary' },
      { id: 'k1', status: 'active' },
    ]);
  });

  it('disables a key on request, but never the primary', async () => {
    const keyring = createKeyring({ keys: [{ id: 'k1', key: key(), status: 'primary' }] });
    keyring.rotate({ id: 'k2', key: key() });
    keyring.disable('k1');
    expect(await keyring.decryptionKey('k1', {})).toBeUndefined();
    expect(() => keyring.disable('k2')).toThrowError(
      expect.objectContaining({ code: 'PLUGIN_INVALID', details: { reason: 'primary-disabled' } }),
    );
    expect(() => keyring.disable('k9')).toThrowError(expect.objectContaining({ details: { reason: 'unknown-id' } }));
  });

  it.each<[string, KeyringEntry[], string]>([
    ['no keys', [], 'no-keys'],
    ['a 16-byte key', [{ id: 'k1', key: randomBytes(16), status: 'primary' }], 'key-length'],
    ['a 33-byte key', [{ id: 'k1', key: randomBytes(33), status: 'primary' }], 'key-length'],
    ['a key that is a string', [{ id: 'k1', key: 'secret' as never, status: 'primary' }], 'key-length'],
    ['an empty id', [{ id: '', key: key(), status: 'primary' }], 'key-id'],
    ['an id over 255 bytes', [{ id: 'é'.repeat(128), key: key(), status: 'primary' }], 'key-id'],
    ['a non-string id', [{ id: 7 as never, key: key(), status: 'primary' }], 'key-id'],
    [
      'a duplicate id',
      [
        { id: 'k1', key: key(), status: 'primary' },
        { id: 'k1', key: key(), status: 'active' },
      ],
      'duplicate-id',
    ],
    ['no primary', [{ id: 'k1', key: key(), status: 'active' }], 'primary-count'],
    [
      'two primaries',
      [
        { id: 'k1', key: key(), status: 'primary' },
        { id: 'k2', key: key(), status: 'primary' },
      ],
      'primary-count',
    ],
    ['an unknown status', [{ id: 'k1', key: key(), status: 'retired' as never }], 'status'],
  ])('refuses %s with a typed PLUGIN_INVALID error', (_what, keys, reason) => {
    expect(() => createKeyring({ keys })).toThrowError(
      expect.objectContaining({ name: 'BusError', code: 'PLUGIN_INVALID', details: { reason } }),
    );
  });

  it('refuses a bad or duplicate key at rotation, and stays as it was', () => {
    const keyring = createKeyring({ keys: [{ id: 'k1', key: key(), status: 'primary' }] });
    expect(() => keyring.rotate({ id: 'k2', key: randomBytes(31) })).toThrowError(
      expect.objectContaining({ details: { reason: 'key-length' } }),
    );
    expect(() => keyring.rotate({ id: 'k1', key: key() })).toThrowError(expect.objectContaining({ details: { reason: 'duplicate-id' } }));
    expect(keyring.list()).toEqual([{ id: 'k1', status: 'primary' }]);
  });
});
