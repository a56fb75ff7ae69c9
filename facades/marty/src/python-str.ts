/**
 * Python's `str()` of a value, as the Marty decorators use it to turn an
 * argument into a resource or aggregate id.
 */

/**
 * `str(value)` by the facade's rule: an `Error` gives its message, `null` and
 * `undefined` give `"None"`, other objects their JSON, anything else `String()`.
 *
 * @example
 * ```ts
 * pythonStr(null);            // 'None'
 * pythonStr(new Error('x'));  // 'x'
 * pythonStr({ id: 1 });       // '{"id":1}'
 * pythonStr(42);              // '42'
 * ```
 */
export function pythonStr(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'object') return JSON.stringify(value) ?? String(value);
  return String(value);
}
