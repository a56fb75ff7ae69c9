/**
 * `bus dlq redrive` and `bus dlq purge`: put dead letters back in the outbox
 * (the relay sends them again, attempts reset) or delete them. Both select
 * the rows first, so `--dry-run` lists exactly what would be affected and the
 * question names how many; then they work through them in batches by `seq`,
 * with a progress bar.
 */
import type { OutboxDeadLetter, OutboxStore } from '@bus/outbox';
import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import { type CommandContext, commandAction, type ExitCodeSlot } from '../command-context.js';
import { withCommonOptions, withDeadLetterFilters, withOutboxOptions } from '../command-options.js';
import { confirm } from '../confirm.js';
import { ALL, type DeadLetterFlags, selectDeadLetters } from '../dead-letter-filter.js';
import { EXIT_CODES, type ExitCode } from '../exit-codes.js';
import type { OutboxFlags } from '../outbox-connection.js';
import { startProgress } from '../progress.js';
import { textTable } from '../text-table.js';
import { DEAD_LETTER_COLUMNS, deadLetterJson, deadLetterRow } from './dead-letter-view.js';
import { withOutboxStore } from './outbox-status.js';

/** Rows per store call: big enough to be quick, small enough for the bar to move. */
const BATCH = 100;

interface ChangeFlags extends OutboxFlags, DeadLetterFlags {
  readonly yes?: boolean;
  readonly dryRun?: boolean;
  readonly progress?: boolean;
}

interface Change {
  readonly name: 'redrive' | 'purge';
  readonly description: string;
  /** The verb in messages: "Redrive 3 dead letters". */
  readonly verb: string;
  /** The past participle: "3 redriven". */
  readonly done: string;
  readonly apply: (store: OutboxStore, seqs: number[]) => Promise<number>;
}

const CHANGES: readonly Change[] = [
  {
    name: 'redrive',
    description: 'put dead letters back in the outbox, attempts reset, for the relay to send again',
    verb: 'Redrive',
    done: 'redriven',
    apply: (store, seqs) => store.redrive({ seqs }),
  },
  {
    name: 'purge',
    description: 'delete dead letters for good',
    verb: 'Purge',
    done: 'purged',
    apply: (store, seqs) => store.purge({ seqs }),
  },
];

/** Adds `redrive` and `purge` to the `dlq` command. */
export function registerDlqChangeCommands(dlq: Command, io: CliIo, slot: ExitCodeSlot): void {
  for (const change of CHANGES) {
    const command = dlq.command(change.name).description(change.description);
    withDeadLetterFilters(withOutboxOptions(withCommonOptions(command)), 'at most this many, oldest first (default all that match)')
      .option('--dry-run', `list what would be ${change.done}, change nothing`)
      .option('-y, --yes', 'do not ask for confirmation')
      .option('--progress', 'show a progress bar even when stderr is not a terminal')
      .option('--no-progress', 'never show a progress bar')
      .action(
        commandAction<ChangeFlags>(io, slot, (ctx, flags) =>
          withOutboxStore(ctx, flags, (store, where) => run(ctx, flags, change, store, where)),
        ),
      );
  }
}

async function run(ctx: CommandContext, flags: ChangeFlags, change: Change, store: OutboxStore, where: string): Promise<ExitCode> {
  const rows = await selectDeadLetters(store, flags, ALL);
  const count = `${rows.length} dead letter${rows.length === 1 ? '' : 's'}`;
  if (flags.dryRun === true) {
    ctx.result({ action: change.name, dryRun: true, outbox: where, matched: rows.length, deadLetters: rows.map(deadLetterJson) }, () =>
      rows.length === 0
        ? `No dead letters match in ${where}; nothing would be ${change.done}.`
        : `${textTable(DEAD_LETTER_COLUMNS, rows.map(deadLetterRow))}\n\nDry run: ${count} would be ${change.done}; nothing changed.`,
    );
    return EXIT_CODES.OK;
  }
  if (rows.length === 0) {
    ctx.result(
      { action: change.name, dryRun: false, outbox: where, matched: 0, [change.done]: 0 },
      () => `No dead letters match in ${where}; nothing ${change.done}.`,
    );
    return EXIT_CODES.OK;
  }
  if (flags.yes !== true && !(await confirm(ctx.io, `${change.verb} ${count} of ${where}?`))) {
    ctx.note(`Not confirmed: nothing ${change.done}. (--yes skips the question, --dry-run lists the rows.)`);
    return EXIT_CODES.FAILURE;
  }
  const { changed, interrupted } = await applyInBatches(ctx, flags, change, store, rows);
  ctx.result({ action: change.name, dryRun: false, outbox: where, matched: rows.length, [change.done]: changed, interrupted }, () => {
    if (interrupted) return `Interrupted: ${changed} of ${rows.length} ${change.done}; run it again for the rest.`;
    return changed === rows.length
      ? `${changed} ${change.done}.`
      : `${changed} of ${rows.length} ${change.done}: the others were redriven or purged meanwhile.`;
  });
  if (interrupted) return EXIT_CODES.FAILURE;
  return EXIT_CODES.OK;
}

/** Works through `rows` in batches; Ctrl-C (the abort signal) stops it between two batches. */
async function applyInBatches(
  ctx: CommandContext,
  flags: ChangeFlags,
  change: Change,
  store: OutboxStore,
  rows: readonly OutboxDeadLetter[],
): Promise<{ changed: number; interrupted: boolean }> {
  const progress = startProgress(ctx.io, change.done, rows.length, flags.progress);
  let changed = 0;
  try {
    for (let start = 0; start < rows.length; start += BATCH) {
      if (ctx.io.signal.aborted) return { changed, interrupted: true };
      const seqs = rows.slice(start, start + BATCH).map((row) => row.seq);
      changed += await change.apply(store, seqs);
      progress.update(Math.min(start + BATCH, rows.length));
    }
  } finally {
    progress.stop();
  }
  return { changed, interrupted: false };
}
