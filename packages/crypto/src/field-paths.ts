/**
 * Field paths (`patient.ssn`, `patients.*.ssn`, `lines.0.card`) and the
 * copy-on-write rewrite of the values they select.
 */
import { BusError } from '@bus/core';

/** A parsed field path: its segments, and the text it came from. */
export interface FieldPath {
  readonly text: string;
  readonly segments: readonly string[];
}

const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);

/** Parses dot-separated paths; `*` selects every element or property. Throws `PLUGIN_INVALID` for a bad path. */
export function parseFieldPaths(paths: unknown, caller: string): FieldPath[] {
  if (!Array.isArray(paths) || paths.length === 0) {
    throw new BusError('PLUGIN_INVALID', `${caller} needs paths: a non-empty array such as ['patient.ssn'].`);
  }
  return paths.map((text: unknown) => {
    const segments = typeof text === 'string' ? text.split('.') : [];
    if (segments.length === 0 || segments.some((segment) => segment.length === 0 || FORBIDDEN_SEGMENTS.has(segment))) {
      throw new BusError(
        'PLUGIN_INVALID',
        `${caller}: ${JSON.stringify(text)} is not a field path (dot-separated names, '*' for every element; no __proto__, prototype or constructor).`,
      );
    }
    return { text: text as string, segments };
  });
}

/** Transforms one selected value; gets the concrete path (with `*` resolved) as segments. */
export type FieldTransform = (value: unknown, path: readonly string[]) => Promise<unknown>;

/**
 * Returns `root` with every value selected by `path` replaced by what
 * `transform` makes of it. Containers on the way are copied, never mutated;
 * unchanged branches are shared. Only plain objects and arrays are entered;
 * absent or `undefined` values are left alone.
 */
export async function rewriteFields(root: unknown, path: FieldPath, transform: FieldTransform): Promise<unknown> {
  return rewrite(root, path.segments, 0, [], transform);
}

async function rewrite(
  node: unknown,
  segments: readonly string[],
  index: number,
  concrete: readonly string[],
  transform: FieldTransform,
): Promise<unknown> {
  if (index === segments.length) return node === undefined ? node : transform(node, concrete);
  if (!isContainer(node)) return node;
  const segment = segments[index] as string;
  const keys = segment === '*' ? Object.keys(node) : Object.hasOwn(node, segment) ? [segment] : [];
  let copy: object | undefined;
  for (const key of keys) {
    const child: unknown = (node as Record<string, unknown>)[key];
    const next = await rewrite(child, segments, index + 1, [...concrete, key], transform);
    if (next !== child) {
      copy ??= Array.isArray(node) ? [...node] : { ...node };
      // defineProperty, not assignment: a '__proto__' key (own, from JSON) must stay a plain property.
      Object.defineProperty(copy, key, { value: next, writable: true, enumerable: true, configurable: true });
    }
  }
  return copy ?? node;
}

function isContainer(value: unknown): value is object {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return true;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
