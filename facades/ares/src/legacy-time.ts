/**
 * Timestamps as the legacy Python system writes and reads them.
 *
 * Written like Python's `datetime.isoformat()` of an aware UTC datetime
 * (`2025-08-14T12:00:00.123000+00:00`), because `datetime.fromisoformat`
 * before Python 3.11 rejects the `Z` suffix of `Date.toISOString()`. Read:
 * that form, `Z`, other offsets, the `str(datetime)` form with a space that
 * `json.dumps(default=str)` produced, and naive times (taken as UTC).
 */
import { BusError } from '@bus/core';

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(?:(Z)|([+-])(\d{2}):?(\d{2}))?$/i;

/** `date` as Python's `isoformat()` writes an aware UTC datetime, microseconds included. */
export function toLegacyTimestamp(date: Date): string {
  const millis = date.getTime();
  if (!Number.isFinite(millis)) throw new BusError('INVALID_EVENT', 'A timestamp must be a valid Date.');
  return `${date.toISOString().slice(0, 23)}000+00:00`;
}

/** Parses a legacy or ISO 8601 timestamp (or copies a Date); throws `INVALID_EVENT` when it is none. */
export function parseLegacyTimestamp(value: unknown, what = 'timestamp'): Date {
  if (value instanceof Date) {
    if (Number.isFinite(value.getTime())) return new Date(value.getTime());
    throw new BusError('INVALID_EVENT', `${what} is an invalid Date.`);
  }
  const match = typeof value === 'string' ? TIMESTAMP.exec(value.trim()) : null;
  if (match === null) {
    throw new BusError('INVALID_EVENT', `${what} must be an ISO 8601 timestamp or a Date, got ${JSON.stringify(value) ?? String(value)}.`);
  }
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', , sign, offsetHours = '0', offsetMinutes = '0'] = match;
  const fields = [year, month, day].map(Number) as [number, number, number];
  const millis = Number(fraction.padEnd(3, '0').slice(0, 3));
  let time = Date.UTC(fields[0], fields[1] - 1, fields[2], Number(hour), Number(minute), Number(second), millis);
  const check = new Date(time);
  if (
    check.getUTCFullYear() !== fields[0] ||
    check.getUTCMonth() !== fields[1] - 1 ||
    check.getUTCDate() !== fields[2] ||
    Number(hour) > 23 ||
    Number(minute) > 59 ||
    Number(second) > 59
  ) {
    throw new BusError('INVALID_EVENT', `${what} ${JSON.stringify(value)} is not a real date and time.`);
  }
  if (sign !== undefined) {
    const offset = (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000;
    time += sign === '+' ? -offset : offset;
  }
  return new Date(time);
}
