/** `EventPriority` of `types.py`: string values, unlike the bus's numeric one. */
import { EventValidationError } from '../errors.js';
import { toSnake } from '../fields.js';
import { isoformat } from '../python-time.js';

/**
 * Event priority levels of the EventPublisher (`types.py`).
 *
 * @example
 * ```ts
 * import { EventPriority } from '@bus/facade-marty/types';
 * EventPriority.HIGH; // 'high'
 * Object.values(EventPriority); // ['low', 'normal', 'high', 'critical']
 * ```
 */
export const EventPriority = Object.freeze({ LOW: 'low', NORMAL: 'normal', HIGH: 'high', CRITICAL: 'critical' } as const);
/** A value of {@link EventPriority}. */
export type EventPriority = (typeof EventPriority)[keyof typeof EventPriority];

/**
 * `value` when it is one of `allowed` (an enum's values), else an {@link EventValidationError}, as pydantic refuses it.
 *
 * @internal
 */
export function oneOf<T extends string>(value: T, allowed: Readonly<Record<string, T>>, what: string): T {
  if (Object.values(allowed).includes(value)) return value;
  throw new EventValidationError(`${JSON.stringify(value)} is not a valid ${what}.`);
}

/**
 * A `types.py` model's JSON form: its fields with snake_case keys, `Date`s as `isoformat()`.
 *
 * @internal
 */
export function snakeJSON(model: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(model).map(([key, value]) => [toSnake(key), value instanceof Date ? isoformat(value) : value]));
}
