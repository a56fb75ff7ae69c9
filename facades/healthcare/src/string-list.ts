/**
 * Checks the lists of names the legacy APIs take (scopes, workers, cluster
 * nodes): Python accepted any iterable, and silently split a lone string into
 * characters; here a string, or anything but strings, is a typed error.
 */
import { BusError } from '@bus/core';

/** `value` as a fresh array of strings, or a `CONFIG_INVALID` error naming `what`. */
export function stringList(value: unknown, what: string): string[] {
  if (typeof value === 'string' || typeof value !== 'object' || value === null || !(Symbol.iterator in value)) {
    throw new BusError('CONFIG_INVALID', `${what} must be an array of strings, got ${describe(value)}.`);
  }
  const list = [...(value as Iterable<unknown>)];
  const bad = list.findIndex((item) => typeof item !== 'string');
  if (bad !== -1) throw new BusError('CONFIG_INVALID', `${what} must be an array of strings, but it holds ${describe(list[bad])}.`);
  return list as string[];
}

/** A short description of a bad value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return `the string '${value}'`;
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}
