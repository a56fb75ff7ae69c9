import { createBus } from '@bus/core';
import { describe, expectTypeOf, it } from 'vitest';
import { createKeyring, createSubjectKeyProvider, crypto, fieldEncryption, type KeyProvider } from '../src/index.js';

const keyring = createKeyring({ keys: [{ id: 'k1', key: new Uint8Array(32), status: 'primary' }] });

describe('crypto types', () => {
  it('takes a keyring or a keyProvider, not both', () => {
    crypto({ keyring });
    crypto({ keyProvider: createSubjectKeyProvider() });
    // @ts-expect-error one key source only
    crypto({ keyring, keyProvider: keyring });
    // @ts-expect-error a key source is required
    fieldEncryption({ paths: ['a'] });
  });

  it('makes the key ring and the subject provider key providers', () => {
    expectTypeOf(keyring).toMatchTypeOf<KeyProvider>();
    expectTypeOf(createSubjectKeyProvider()).toMatchTypeOf<KeyProvider>();
  });

  it('adds nothing to the bus', () => {
    const bus = createBus().use(crypto({ keyring }));
    // @ts-expect-error crypto() has no extension
    void bus.keyring;
  });
});
