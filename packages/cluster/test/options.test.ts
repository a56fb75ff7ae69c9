// Bad options are typed errors at construction, each saying what to give.
import { BusError, createBus } from '@bus/core';
import { describe, expect, it } from 'vitest';
import { cluster, type Elector, postgresLease, sqliteLease } from '../src/index.js';

const pool = { query: async () => ({ rows: [] }) };
const code = (make: () => unknown) => {
  try {
    make();
  } catch (error) {
    return BusError.is(error) ? error.code : 'not a BusError';
  }
  return 'no error';
};

describe('options', () => {
  it('refuses a cluster without an elector, and bad intervals', () => {
    expect(code(() => cluster({} as never))).toBe('CONFIG_INVALID');
    const elector = postgresLease({ pool, name: 'x' });
    expect(code(() => cluster({ elector, heartbeatMs: 0 }))).toBe('CONFIG_INVALID');
    expect(code(() => cluster({ elector, stateSyncMs: Number.NaN }))).toBe('CONFIG_INVALID');
  });

  it('refuses lease timings where the holder would step down between renewals', () => {
    expect(code(() => postgresLease({ pool, name: 'x', ttlMs: 50 }))).toBe('CONFIG_INVALID');
    expect(code(() => postgresLease({ pool, name: 'x', ttlMs: 1_000, safetyMarginMs: 1_000 }))).toBe('CONFIG_INVALID');
    expect(code(() => postgresLease({ pool, name: 'x', ttlMs: 1_000, safetyMarginMs: 200, renewIntervalMs: 900 }))).toBe('CONFIG_INVALID');
    expect(postgresLease({ pool, name: 'x', ttlMs: 9_000 }).timing).toEqual({
      ttlMs: 9_000,
      renewIntervalMs: 3_000,
      safetyMarginMs: 1_800,
      validityMs: 7_200,
    });
  });

  it('refuses a lease without a pool, a name or a database, and table names that are not identifiers', () => {
    expect(code(() => postgresLease({ name: 'x' } as never))).toBe('CONFIG_INVALID');
    expect(code(() => postgresLease({ pool, name: '' }))).toBe('CONFIG_INVALID');
    expect(code(() => postgresLease({ pool, name: 'x', schema: 'Bad-Schema' }))).toBe('CONFIG_INVALID');
    expect(code(() => sqliteLease({ name: 'x' }))).toBe('CONFIG_INVALID');
    expect(code(() => sqliteLease({ name: 'x', database: {} as never }))).toBe('CONFIG_INVALID');
  });

  it('says how to get members and state when the elector keeps neither', () => {
    const bare: Elector = { name: 'bare', start: async () => {}, stop: async () => {} };
    const bus = createBus().use(cluster({ elector: bare }));
    expect(code(() => bus.cluster.members())).toBe('CONFIG_INVALID');
    expect(code(() => bus.cluster.state('config'))).toBe('CONFIG_INVALID');
    return expect(bus.cluster.fence({})).rejects.toMatchObject({ code: 'LEADERSHIP_LOST' });
  });
});
