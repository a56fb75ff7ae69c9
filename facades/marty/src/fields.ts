/**
 * Python keyword arguments with defaults, the TypeScript way: a class declares
 * each field once, with its default, and takes the optional ones as an
 * options object typed from the class itself.
 */

/**
 * The options of a class's constructor: its data fields but `K`, each optional (`undefined` means the default).
 *
 * @typeParam T - the class.
 * @typeParam K - the fields that are positional arguments instead.
 * @example
 * ```ts
 * type Options = FieldsOf<EventMetadata, 'eventId' | 'eventType' | 'timestamp'>; // { correlationId?, …, expiry? }
 * ```
 */
export type FieldsOf<T, K extends keyof T = never> = {
  readonly [P in Exclude<{ [Q in keyof T]: T[Q] extends (...args: never[]) => unknown ? never : Q }[keyof T], K>]?: T[P] | undefined;
};

/**
 * Copies into `target` the values of `fields` that are not `undefined`, for keys `target` already has (its declared fields).
 *
 * @internal
 */
export function assignFields(target: object, fields: object): void {
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined && Object.hasOwn(target, key)) (target as Record<string, unknown>)[key] = value;
  }
}

/**
 * `snake_case` of a camelCase key.
 *
 * @internal
 */
export const toSnake = (key: string): string => key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/**
 * Reads `snake` or its camelCase twin from a plain object, own properties only.
 *
 * @internal
 */
export function pick(source: Readonly<Record<string, unknown>>, snake: string): unknown {
  if (Object.hasOwn(source, snake)) return source[snake];
  const camel = snake.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());
  return Object.hasOwn(source, camel) ? source[camel] : undefined;
}
