/**
 * A linear pre-scan of JSON bytes for nesting depth, so a payload of a
 * million `[` is refused before a parser (or a handler) recurses into it.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * Whether the arrays and objects in `bytes` nest deeper than `maxDepth`,
 * counting brackets outside strings. Exact for valid JSON; for invalid JSON
 * the answer does not matter, the parser refuses it. UTF-8 continuation bytes
 * are never ASCII, so scanning bytes rather than characters is safe.
 */
export function jsonNestsDeeperThan(bytes: Uint8Array, maxDepth: number): boolean {
  // Fast path: depth never exceeds the number of opening brackets, which native
  // indexOf counts several times faster than the scan below walks the bytes.
  if (openersAtMost(bytes, maxDepth)) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      if (++depth > maxDepth) return true;
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}

/** Whether `bytes` hold at most `limit` `[` and `{` bytes in all (inside strings or not). */
function openersAtMost(bytes: Uint8Array, limit: number): boolean {
  let count = 0;
  for (const opener of [OPEN_ARRAY, OPEN_OBJECT]) {
    for (let at = bytes.indexOf(opener); at !== -1; at = bytes.indexOf(opener, at + 1)) {
      if (++count > limit) return false;
    }
  }
  return true;
}
