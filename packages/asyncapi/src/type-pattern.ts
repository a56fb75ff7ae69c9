/**
 * Subscription patterns as AsyncAPI sees them: whether a pattern matches a
 * type (`*` one dot-separated word, `#` zero or more, as `@bus/topics` routes),
 * and a pattern as a channel address with parameters.
 */

/** Whether `pattern` matches `type`. */
export function patternMatches(pattern: string, type: string): boolean {
  return matchWords(pattern.split('.'), 0, type.split('.'), 0);
}

function matchWords(pattern: readonly string[], p: number, words: readonly string[], w: number): boolean {
  if (p === pattern.length) return w === words.length;
  const part = pattern[p];
  if (part === '#') {
    for (let skip = w; skip <= words.length; skip++) if (matchWords(pattern, p + 1, words, skip)) return true;
    return false;
  }
  if (w === words.length) return false;
  return (part === '*' || part === words[w]) && matchWords(pattern, p + 1, words, w + 1);
}

/** Whether `pattern` has a wildcard word. */
export function isWildcard(pattern: string): boolean {
  return pattern.split('.').some((word) => word === '*' || word === '#');
}

/**
 * The channel address of a wildcard pattern: each `*` a `{wordN}` parameter,
 * each `#` a `{wordsN}` parameter (zero or more words).
 */
export function patternAddress(pattern: string): { address: string; parameters: Record<string, { description: string }> } {
  const parameters: Record<string, { description: string }> = {};
  let n = 0;
  const address = pattern
    .split('.')
    .map((word) => {
      if (word !== '*' && word !== '#') return word;
      n += 1;
      const name = word === '*' ? `word${n}` : `words${n}`;
      parameters[name] = {
        description:
          word === '*' ? 'One dot-separated word (`*` in the pattern).' : 'Zero or more dot-separated words (`#` in the pattern).',
      };
      return `{${name}}`;
    })
    .join('.');
  return { address, parameters };
}

/** `text` as an AsyncAPI component or channel id: letters, digits, `.`, `_`, `-`. */
export function idOf(text: string): string {
  return text
    .replace(/\*/g, '_')
    .replace(/#/g, '__')
    .replace(/[^A-Za-z0-9._-]/g, '-');
}
