/** The dead-letter filter flags of `bus dlq` (`--type`, `--since`, `--until`, `--id`, `--limit`) and the rows they select. */
import type { OutboxDeadLetter, OutboxDeadLetterFilter, OutboxStore } from '@bus/outbox';

/** The filter flags, as commander parsed them (`--id` repeats; `--since`/`--until` are already epoch ms). */
export interface DeadLetterFlags {
  readonly type?: string;
  readonly since?: number;
  readonly until?: number;
  readonly id?: readonly string[];
  readonly limit?: number;
}

/** No limit: `redrive` and `purge` take every match unless `--limit` says otherwise. */
export const ALL = 1_000_000_000;

/**
 * The dead letters `flags` select, oldest first (by when they died). An
 * `--id` is an event id or a row's `seq` (the CLI shows both): each is looked
 * up as either, so `--id 42` and `--id <uuid>` both work.
 */
export async function selectDeadLetters(store: OutboxStore, flags: DeadLetterFlags, defaultLimit: number): Promise<OutboxDeadLetter[]> {
  const limit = flags.limit ?? defaultLimit;
  const base: OutboxDeadLetterFilter = {
    ...(flags.type === undefined ? {} : { type: flags.type }),
    ...(flags.since === undefined ? {} : { since: flags.since }),
    ...(flags.until === undefined ? {} : { until: flags.until }),
    limit,
  };
  const ids = flags.id ?? [];
  if (ids.length === 0) return store.listDeadLetters(base);
  const seqs = ids.filter((id) => /^\d+$/.test(id)).map(Number);
  const found = await store.listDeadLetters({ ...base, ids });
  if (seqs.length > 0) found.push(...(await store.listDeadLetters({ ...base, seqs })));
  const bySeq = new Map(found.map((row) => [row.seq, row]));
  return [...bySeq.values()].sort((a, b) => a.failedAt - b.failedAt || a.seq - b.seq).slice(0, limit);
}
