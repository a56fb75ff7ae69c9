/**
 * The CloudEvents 1.0 rules for the attributes a user may set: `source` is a
 * non-empty URI-reference, `time` an RFC 3339 timestamp, `dataschema` an
 * absolute URI, extension names `[a-z0-9]{1,20}`. The official SDKs refuse
 * events that break them, so the bus refuses to build one
 * (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md#type-system).
 * Envelopes the kernel builds itself (its own source, id and clock) are valid
 * by construction and skip these checks.
 */
import { BusError } from './errors.js';

// RFC 3986 characters of a URI-reference: unreserved, sub-delims, ":@/?#[]" and percent-encodings.
const URI_REFERENCE = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#[\]]|%[0-9A-Fa-f]{2})+$/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const EXTENSION_NAME = /^[a-z0-9]{1,20}$/;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

function invalid(message: string, eventId: string | undefined): BusError {
  return new BusError('INVALID_EVENT', message, { eventId });
}

function isUriReference(value: string): boolean {
  return URI_REFERENCE.test(value) && value.indexOf('#') === value.lastIndexOf('#');
}

/** Throws `INVALID_EVENT` unless `source` is a non-empty URI-reference (e.g. `orders-service`, `/eu/orders`, `urn:shop:orders`). */
export function assertSource(source: unknown, eventId?: string): string {
  if (typeof source !== 'string' || source.length === 0 || !isUriReference(source)) {
    throw invalid(
      `source must be a non-empty URI-reference (CloudEvents 1.0), such as 'orders-service' or 'urn:shop:orders'; got ${JSON.stringify(source)}.`,
      eventId,
    );
  }
  return source;
}

/** Throws `INVALID_EVENT` unless `dataschema` is an absolute URI (`https://…`, `urn:…`). */
export function assertDataschema(dataschema: string, eventId?: string): string {
  if (!SCHEME.test(dataschema) || !isUriReference(dataschema)) {
    throw invalid(
      `dataschema must be an absolute URI (CloudEvents 1.0), such as 'https://example.com/schemas/order.json'; got ${JSON.stringify(dataschema)}.`,
      eventId,
    );
  }
  return dataschema;
}

/** Throws `INVALID_EVENT` unless `name` is a CloudEvents extension attribute name: 1–20 of `[a-z0-9]`. */
export function assertExtensionName(name: string, eventId?: string): void {
  if (!EXTENSION_NAME.test(name)) {
    throw invalid(`Extension attribute name '${name}' must be 1 to 20 lowercase letters or digits (CloudEvents 1.0).`, eventId);
  }
}

/** Throws `INVALID_EVENT` unless `time` is an RFC 3339 timestamp of a real instant (no 30 February, no hour 25). */
export function assertTime(time: string, eventId?: string): string {
  const parts = RFC3339.exec(time);
  if (parts === null || !isRealInstant(parts)) {
    throw invalid(`time must be an RFC 3339 timestamp such as '2024-02-29T12:00:00Z'; got ${JSON.stringify(time)}.`, eventId);
  }
  return time;
}

function isRealInstant(parts: RegExpExecArray): boolean {
  const [year, month, day, hour, minute, second] = parts.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return false;
  // RFC 3339 allows a leap second (60).
  if (hour > 23 || minute > 59 || second > 60) return false;
  if (parts[7] !== undefined && (Number(parts[8]) > 23 || Number(parts[9]) > 59)) return false;
  return true;
}

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
