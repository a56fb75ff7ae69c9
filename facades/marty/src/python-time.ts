/**
 * Times as Python writes and reads them: `datetime.isoformat()` of an aware
 * UTC datetime (`2025-10-18T12:00:00.123000+00:00`), read back by
 * `datetime.fromisoformat`, which before Python 3.11 rejects the `Z` of
 * `Date.toISOString()`.
 */
import { EventValidationError } from './errors.js';

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$/i;
const OFFSET = /(?:Z|([+-]\d{2}):?(\d{2}))$/i;

/**
 * `date` as Python's `isoformat()` writes an aware UTC datetime: microseconds
 * (here milliseconds and three zeros) only when they are not zero, then `+00:00`.
 *
 * @example
 * ```ts
 * isoformat(new Date('2024-01-01T12:00:00.250Z')); // '2024-01-01T12:00:00.250000+00:00'
 * isoformat(new Date('2024-01-01T12:00:00Z'));     // '2024-01-01T12:00:00+00:00'
 * ```
 */
export function isoformat(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 19)}${date.getUTCMilliseconds() === 0 ? '' : `.${iso.slice(20, 23)}000`}+00:00`;
}

/**
 * Reads a time the way `datetime.fromisoformat` does (offsets, `Z`, a space for
 * the `T`, microseconds; a time without offset is taken as UTC), or copies a
 * `Date`. Anything else is an {@link EventValidationError}.
 *
 * @example
 * ```ts
 * parseIsoformat('2024-01-01T12:00:00+00:00').getTime() === Date.UTC(2024, 0, 1, 12); // true
 * ```
 */
export function parseIsoformat(value: unknown, what = 'timestamp'): Date {
  let millis = Number.NaN;
  if (value instanceof Date) millis = value.getTime();
  else if (typeof value === 'string' && ISO_TIME.test(value.trim())) {
    let text = value
      .trim()
      .replace(' ', 'T')
      .replace(/(\.\d{3})\d+/, '$1');
    if (text.includes('T')) text = OFFSET.test(text) ? text.replace(OFFSET, (z, h, m) => (h === undefined ? z : `${h}:${m}`)) : `${text}Z`;
    millis = Date.parse(text);
  }
  if (Number.isFinite(millis)) return new Date(millis);
  throw new EventValidationError(`${what} must be an ISO 8601 time or a Date, got ${JSON.stringify(value) ?? String(value)}.`);
}
