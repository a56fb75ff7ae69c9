/**
 * The JSON form of a `types.py` model: its fields with snake_case keys and
 * times as `isoformat()`, as the EventPublisher envelope carries them.
 */
import { isoformat } from '../python-time.js';

/**
 * `model`'s own fields, snake_case, `Date`s as `isoformat()` (nested values are kept as they are).
 *
 * @internal
 */
export function snakeJSON(model: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(model).map(([key, value]) => [
      key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`),
      value instanceof Date ? isoformat(value) : value,
    ]),
  );
}
