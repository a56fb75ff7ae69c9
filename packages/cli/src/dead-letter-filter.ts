/** The dead-letter filter flags of `bus dlq` (`--type`, `--code`, `--key`, `--since`, `--until`, `--id`, `--limit`) and the rows they select. */
import type { OutboxDeadLetter, OutboxDeadLetterFilter, OutboxStore } from '@bus/outbox';

/** The filter flags, as commander parsed them (`--id` repeats; `--since`/`--until` are already epoch ms). */
export interface DeadLetterFlags {
  readonly type?: string;
  readonly code?: string;
  readonly key?: string;
  readonly since?: number;
  readonly until?: number;
  readonly id?: readonly string[];
  readonly limit?: number;
}

/** No limit: `redrive` and `purge` take every match unless `--limit` says otherwise. */
export const ALL = 1_000_000_000;

/**
 * The `BusError` code of a dead letter's last error: the relay stores
 * `CODE: message`, so it is the upper-case word before the first `: `;
 * `undefined` when the error text does not start with one.
 */
export function deadLetterErrorCode(row: OutboxDeadLetter): string | undefined {
  return /^([A-Z][A-Z0-9_]*): /.exec(row.lastError)?.[1];
}

/**
 * The dead letters `flags` select, oldest first (by when they died). An
 * `--id` is an event id or a row's `seq` (the CLI shows both): each is looked
 * up as either, so `--id 42` and `--id <uuid>` both work.
 */
export async function selectDeadLetters(store: OutboxStore, flags: DeadLetterFlags, defaultLimit: number): Promise<OutboxDeadLetter[]> {
  const limit = flags.limit ?? defaultLimit;
  // The store filters by type, time and id; the error code and the key are
  // filtered here, so the store is then asked for every match before the limit.
  const filtersHere = flags.code !== undefined || flags.key !== undefined;
  const base: OutboxDeadLetterFilter = {
    ...(flags.type === undefined ? {} : { type: flags.type }),
    ...(flags.since === undefined ? {} : { since: flags.since }),
    ...(flags.until === undefined ? {} : { until: flags.until }),
    limit: filtersHere ? ALL : limit,
  };
  const ids = flags.id ?? [];
  const seqs = ids.filter((id) => /^\d+$/.test(id)).map(Number);
  const found = ids.length === 0 ? await store.listDeadLetters(base) : await store.listDeadLetters({ ...base, ids });
  if (seqs.length > 0) found.push(...(await store.listDeadLetters({ ...base, seqs })));
  const bySeq = new Map(found.filter((row) => matchesHere(row, flags)).map((row) => [row.seq, row]));
  return [...bySeq.values()].sort((a, b) => a.failedAt - b.failedAt || a.seq - b.seq).slice(0, limit);
}

function matchesHere(row: OutboxDeadLetter, flags: DeadLetterFlags): boolean {
  if (flags.key !== undefined && row.envelope.partitionkey !== flags.key) return false;
  return flags.code === undefined || deadLetterErrorCode(row) === flags.code;
}
