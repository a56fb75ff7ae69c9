// Its own file: the warning is once per process (per module instance here),
// so no other test may have triggered it first.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventBus, IDENTITY_CRYPTO_WARNING } from '../src/engineer.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the legacy identity "encryption"', () => {
  it('warns once per process, with a code, whichever bus and method is used', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const first = new EventBus();
    const second = new EventBus();
    first.encryptPayload('phi');
    first.decryptPayload('phi');
    second.encryptPayload('phi');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatch(/do not encrypt.*@bus\/crypto/);
    expect(warn.mock.calls[0]?.[1]).toEqual({ code: IDENTITY_CRYPTO_WARNING, type: 'DeprecationWarning' });
  });
});
