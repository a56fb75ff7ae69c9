/**
 * Python calls carry positional and keyword arguments; their TypeScript form is
 * positional arguments and, by the facades' convention, one trailing options
 * object. This splits a call's arguments back into the legacy pair.
 */

/**
 * A call's arguments in the legacy shape: positional `args`, and `kwargs` (the
 * trailing plain object, or `{}`).
 *
 * @example
 * ```ts
 * const call: CallArguments = { args: [1], kwargs: { key: 'value' } }; // from wrapped(1, { key: 'value' })
 * ```
 */
export interface CallArguments {
  /** The positional arguments (legacy tuple `args`). */
  args: unknown[];
  /** The keyword arguments: the trailing plain object, copied, or `{}` (legacy `kwargs`). */
  kwargs: Record<string, unknown>;
}

/** Splits `args`: a trailing plain object (not an array, a class instance or null) is the keyword arguments. */
export function splitCallArguments(args: readonly unknown[]): CallArguments {
  const last = args.at(-1);
  if (isPlainObject(last)) return { args: args.slice(0, -1), kwargs: { ...last } };
  return { args: [...args], kwargs: {} };
}

/** Whether `value` is an object literal (or a null-prototype object). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
