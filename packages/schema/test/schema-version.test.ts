import { describe, expect, it } from 'vitest';
import { compareSchemaVersions } from '../src/index.js';

describe('schema version order', () => {
  it('compares runs of digits as numbers, so 10 is newer than 9', () => {
    expect(['10', '9', '2', '1'].sort(compareSchemaVersions)).toEqual(['1', '2', '9', '10']);
  });

  it('orders dotted versions segment by segment', () => {
    expect(['1.10', '1.9', '1.2.3', '2.0', '1'].sort(compareSchemaVersions)).toEqual(['1', '1.2.3', '1.9', '1.10', '2.0']);
  });

  it('orders prefixed versions by their numbers', () => {
    expect(['v10', 'v2', 'v1'].sort(compareSchemaVersions)).toEqual(['v1', 'v2', 'v10']);
  });

  it('puts a number before text at the same position', () => {
    expect(compareSchemaVersions('2', 'v1')).toBeLessThan(0);
  });

  it('treats a prefix as older than what extends it', () => {
    expect(compareSchemaVersions('2', '2.1')).toBeLessThan(0);
    expect(compareSchemaVersions('2.0-beta', '2.0')).toBeGreaterThan(0);
  });

  it('compares numbers of any length without overflowing', () => {
    expect(compareSchemaVersions('99999999999999999999', '100000000000000000000')).toBeLessThan(0);
  });

  it('is a total order: equal only for equal strings', () => {
    expect(compareSchemaVersions('3', '3')).toBe(0);
    expect(compareSchemaVersions('01', '1')).not.toBe(0);
    expect(Math.sign(compareSchemaVersions('01', '1'))).toBe(-Math.sign(compareSchemaVersions('1', '01')));
  });
});
