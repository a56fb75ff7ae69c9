/**
 * The order of schema versions. Versions are strings (the CloudEvents
 * `schemaversion` extension is a String), so "latest" needs a rule that puts
 * '10' after '9' and '1.10' after '1.9', which plain string order does not.
 */

const SEGMENTS = /\d+|\D+/g;
const DIGITS = /^\d+$/;

/**
 * Compares two schema versions, numeric-aware: each version is split into
 * runs of digits and runs of other characters; runs of digits compare as
 * numbers (of any length), other runs by their characters, and a number sorts
 * before text. When one version is a prefix of the other, the shorter is
 * older. Versions that differ only in leading zeros (`'01'`, `'1'`) fall back
 * to string order, so the order is total. It is not semver: `'2.0-beta'` is
 * newer than `'2.0'`.
 *
 * @returns a negative number when `a` is older than `b`, positive when newer, 0 when equal.
 * @example
 * ```ts
 * ['10', '9', '1.10', '1.9', 'v2'].sort(compareSchemaVersions); // ['1.9', '1.10', '9', '10', 'v2']
 * compareSchemaVersions('2', '10'); // < 0
 * ```
 */
export function compareSchemaVersions(a: string, b: string): number {
  if (a === b) return 0;
  const left = a.match(SEGMENTS) ?? [];
  const right = b.match(SEGMENTS) ?? [];
  const shared = Math.min(left.length, right.length);
  for (let i = 0; i < shared; i++) {
    const x = left[i] as string;
    const y = right[i] as string;
    if (x === y) continue;
    const xIsNumber = DIGITS.test(x);
    const yIsNumber = DIGITS.test(y);
    if (xIsNumber && yIsNumber) {
      const byNumber = compareDigits(x, y);
      if (byNumber !== 0) return byNumber;
    } else if (xIsNumber !== yIsNumber) {
      return xIsNumber ? -1 : 1;
    } else {
      return x < y ? -1 : 1;
    }
  }
  if (left.length !== right.length) return left.length - right.length;
  return a < b ? -1 : 1;
}

/** Compares two runs of digits as whole numbers, without overflowing. */
function compareDigits(x: string, y: string): number {
  const a = x.replace(/^0+(?=\d)/, '');
  const b = y.replace(/^0+(?=\d)/, '');
  if (a.length !== b.length) return a.length - b.length;
  return a === b ? 0 : a < b ? -1 : 1;
}
