/**
 * The part of the event store's global log a replay covers: `--from` and
 * `--to` as positions or times, turned into positions, and a count of what
 * lies between them (per type), read once before anything is replayed so
 * the confirmation names the real size and the replay stops where the count did.
 */
import type { EventStore, StoredEvent } from '@bus/persistence';
import { InvalidArgumentError } from 'commander';
import { parseTimeBound } from './time-bound.js';

/** A `--from`/`--to` value: a global position, or a time (epoch ms) compared with when events were stored. */
export type LogBound = { readonly kind: 'position'; readonly position: number } | { readonly kind: 'time'; readonly at: number };

/** An RFC 3339 date-time (with its offset), or a date alone (midnight UTC). */
const RFC_3339 = /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2}))?$/;

/**
 * Parses `--from`/`--to`: a global position (a whole number), an RFC 3339
 * time (`2026-12-07T10:00:00Z`), or a duration ago (`15m`, `2h`, `7d`).
 * Anything else is a usage error.
 */
export function parseLogBound(text: string): LogBound {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) {
    const position = Number(trimmed);
    if (!Number.isSafeInteger(position)) throw new InvalidArgumentError(`'${text}' is too large for a position.`);
    return { kind: 'position', position };
  }
  if (RFC_3339.test(trimmed) && !Number.isNaN(Date.parse(trimmed))) return { kind: 'time', at: Date.parse(trimmed) };
  if (/^\d+(?:\.\d+)?[smhdw]$/.test(trimmed)) return { kind: 'time', at: parseTimeBound(trimmed) };
  throw new InvalidArgumentError(
    `'${text}' is neither a position nor a time: use a global position (1200), an RFC 3339 time (2026-12-07T10:00:00Z) or a duration ago (2h).`,
  );
}

/** What lies between the bounds: how many events of each type, and the positions of the first and last. */
export interface LogSelection {
  /** The events selected. */
  readonly total: number;
  /** How many of each type, in the order types first appear. */
  readonly byType: Readonly<Record<string, number>>;
  /** The position of the first event selected; 0 when none is. */
  readonly firstPosition: number;
  /** The position of the last event selected; 0 when none is. The replay reads no further. */
  readonly lastPosition: number;
}

/** The bounds and types of a replay, as given. */
export interface LogQuery {
  readonly from: LogBound;
  readonly to: LogBound | undefined;
  readonly types: readonly string[] | undefined;
}

/** Events read per store call, while counting and while replaying. */
export const READ_PAGE = 500;

/**
 * Counts what `query` selects in `store`. Time bounds compare with each
 * event's `storedAt`, reading the log in position order: the replay starts at
 * the first event stored at or after `from`, and ends before the first one
 * stored after `to`.
 */
export async function selectLog(store: EventStore, query: LogQuery, signal: AbortSignal): Promise<LogSelection> {
  const empty: LogSelection = { total: 0, byType: {}, firstPosition: 0, lastPosition: 0 };
  const fromPosition = query.from.kind === 'position' ? query.from.position : await firstStoredAt(store, 1, (at) => at >= fromTime(query));
  if (fromPosition === undefined) return empty;
  let toPosition: number | undefined;
  if (query.to?.kind === 'position') toPosition = query.to.position;
  else if (query.to?.kind === 'time') {
    const until = query.to.at;
    const after = await firstStoredAt(store, fromPosition, (at) => at > until);
    toPosition = after === undefined ? undefined : after - 1;
  }
  if (toPosition !== undefined && toPosition < fromPosition) return empty;
  const byType: Record<string, number> = {};
  let total = 0;
  let firstPosition = 0;
  let lastPosition = 0;
  await readPages(store, { fromPosition, toPosition, types: query.types }, signal, async (page) => {
    for (const { event } of page) byType[event.type] = (byType[event.type] ?? 0) + 1;
    if (firstPosition === 0) firstPosition = (page[0] as StoredEvent).position;
    lastPosition = (page.at(-1) as StoredEvent).position;
    total += page.length;
  });
  return { total, byType, firstPosition, lastPosition };
}

/** Pages of the log from `fromPosition` to `toPosition` (inclusive), of `types`, in position order, until the signal aborts. */
export async function readPages(
  store: EventStore,
  range: { readonly fromPosition: number; readonly toPosition: number | undefined; readonly types: readonly string[] | undefined },
  signal: AbortSignal,
  onPage: (page: readonly StoredEvent[]) => Promise<void>,
): Promise<void> {
  let from = range.fromPosition;
  while (!signal.aborted) {
    const page = await store.readAll({
      fromPosition: from,
      limit: READ_PAGE,
      ...(range.toPosition === undefined ? {} : { toPosition: range.toPosition }),
      ...(range.types === undefined ? {} : { types: range.types }),
    });
    if (page.length > 0) await onPage(page);
    if (page.length < READ_PAGE) return;
    from = (page.at(-1) as StoredEvent).position + 1;
  }
}

function fromTime(query: LogQuery): number {
  return query.from.kind === 'time' ? query.from.at : 0;
}

/** The position of the first event from `fromPosition` on whose storage time passes `test`. */
async function firstStoredAt(store: EventStore, fromPosition: number, test: (storedAt: number) => boolean): Promise<number | undefined> {
  const [found] = await store.readAll({ fromPosition, limit: 1, filter: (record) => test(Date.parse(record.storedAt)) });
  return found?.position;
}
