/** Python's `fnmatch.fnmatchcase`: the event-type patterns of the in-memory `EventHandler`. */

/**
 * Whether `name` matches the shell-style `pattern`: `*` any run of characters
 * (dots included), `?` one character, `[seq]` / `[!seq]` one character in or not in `seq`.
 *
 * @example
 * ```ts
 * fnmatch('user.registered', 'user.*'); // true
 * fnmatch('order.placed', 'user.*');    // false
 * ```
 */
export function fnmatch(name: string, pattern: string): boolean {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string;
    const close = char === '[' ? pattern.indexOf(']', i + 2) : -1;
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else if (close > 0) {
      const set = pattern.slice(i + 1, close).replace(/[\\\]^]/g, '\\$&');
      source += set.startsWith('!') ? `[^${set.slice(1)}]` : `[${set}]`;
      i = close;
    } else source += char.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's').test(name);
}
