/** Times on the command line: `--since 2h`, `--until 2026-12-07T10:00:00Z`, or epoch milliseconds. */
import { InvalidArgumentError } from 'commander';

const UNIT_MS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * Epoch ms of `text`: a duration ago (`90s`, `15m`, `2h`, `7d`, `1w`), an
 * ISO 8601 / RFC 3339 time, or epoch milliseconds. Anything else throws
 * commander's `InvalidArgumentError` (a usage error, exit 2).
 */
export function parseTimeBound(text: string, now: number = Date.now()): number {
  const relative = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(text.trim());
  if (relative) return now - Number(relative[1]) * (UNIT_MS[relative[2] as string] as number);
  if (/^\d{10,}$/.test(text.trim())) return Number(text.trim());
  // Date.parse accepts much; only what looks like a date is taken.
  const parsed = /^\d{4}-\d{2}-\d{2}/.test(text.trim()) ? Date.parse(text.trim()) : Number.NaN;
  if (Number.isNaN(parsed)) {
    throw new InvalidArgumentError(
      `'${text}' is not a time: use a duration ago (15m, 2h, 7d), an ISO time (2026-12-07T10:00:00Z) or epoch ms.`,
    );
  }
  return parsed;
}

/** `text` as a whole number of at least `min`, else a usage error. */
export function parseCount(text: string, min = 1): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < min) throw new InvalidArgumentError(`'${text}' is not a whole number >= ${min}.`);
  return Number(text);
}

/** How long ago `ms` of age is, for people: `850 ms`, `42 s`, `3 min 5 s`, `2 h 10 min`, `3 d 4 h`. */
export function formatAge(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  const s = Math.floor(ms / 1_000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}
