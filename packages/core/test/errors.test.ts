import { describe, expect, it } from 'vitest';
import { BusError, ERROR_CODES } from '../src/index.js';

describe('BusError', () => {
  it('carries a stable code, the event id, the cause and the default retryable flag of its code', () => {
    const cause = new Error('socket closed');
    const error = new BusError('TRANSPORT_FAILED', 'send failed', { eventId: 'e-1', cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('BusError');
    expect(error.code).toBe('TRANSPORT_FAILED');
    expect(error.eventId).toBe('e-1');
    expect(error.cause).toBe(cause);
    expect(error.retryable).toBe(ERROR_CODES.TRANSPORT_FAILED.retryable);
  });

  it('lets the caller override retryable', () => {
    expect(new BusError('HANDLER_FAILED', 'x', { retryable: false }).retryable).toBe(false);
    expect(new BusError('SCHEMA_INVALID', 'x').retryable).toBe(false);
  });

  it('is recognised across duplicate installs through a Symbol.for brand', () => {
    // An error made by another copy of @bus/core: a different class with the same brand.
    const foreign = Object.assign(new Error('x'), { code: 'ACL_DENIED' });
    Object.defineProperty(foreign, Symbol.for('@bus/core/BusError'), { value: true });
    expect(BusError.is(foreign)).toBe(true);
    expect(foreign instanceof BusError).toBe(true);
    expect(BusError.is(new Error('plain'))).toBe(false);
    expect(BusError.is(null)).toBe(false);
  });

  it('from() keeps a BusError as it is and wraps anything else with the cause', () => {
    const original = new BusError('ACL_DENIED', 'no');
    expect(BusError.from(original, 'HANDLER_FAILED')).toBe(original);
    const wrapped = BusError.from('boom', 'HANDLER_FAILED', { eventId: 'e-2' });
    expect(wrapped.code).toBe('HANDLER_FAILED');
    expect(wrapped.message).toBe('boom');
    expect(wrapped.cause).toBe('boom');
    expect(wrapped.eventId).toBe('e-2');
  });

  it('from() fills in the event id of a BusError that has none, and keeps one it has', () => {
    const anonymous = new BusError('DECODE_FAILED', 'bad bytes');
    expect(BusError.from(anonymous, 'HANDLER_FAILED', { eventId: 'e-3' })).toMatchObject({ code: 'DECODE_FAILED', eventId: 'e-3' });
    const named = new BusError('DECODE_FAILED', 'bad bytes', { eventId: 'e-4' });
    expect(BusError.from(named, 'HANDLER_FAILED', { eventId: 'e-5' }).eventId).toBe('e-4');
  });

  it('has one description per code in one table', () => {
    for (const [code, entry] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^[A-Z_]+$/);
      expect(entry.description.length).toBeGreaterThan(10);
    }
  });

  it('lets subclasses keep their own instanceof while staying BusErrors', () => {
    class LegacyError extends BusError {}
    class OtherLegacyError extends BusError {}
    const legacy = new LegacyError('BACKPRESSURE_REJECTED', 'queue full');
    expect(legacy instanceof LegacyError).toBe(true);
    expect(legacy instanceof BusError).toBe(true);
    expect(legacy instanceof Error).toBe(true);
    expect(legacy instanceof OtherLegacyError).toBe(false);
    expect(new BusError('HANDLER_FAILED', 'x') instanceof LegacyError).toBe(false);
    expect(BusError.is(legacy)).toBe(true);
  });
});
