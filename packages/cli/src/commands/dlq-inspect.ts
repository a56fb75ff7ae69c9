/** `bus dlq list` and `bus dlq show`: the outbox's dead letters, read only. */
import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import { commandAction, type ExitCodeSlot } from '../command-context.js';
import { withCommonOptions, withDeadLetterFilters, withOutboxOptions } from '../command-options.js';
import { type DeadLetterFlags, selectDeadLetters } from '../dead-letter-filter.js';
import { EXIT_CODES } from '../exit-codes.js';
import type { OutboxFlags } from '../outbox-connection.js';
import { textTable } from '../text-table.js';
import { DEAD_LETTER_COLUMNS, deadLetterJson, deadLetterPage, deadLetterRow } from './dead-letter-view.js';
import { withOutboxStore } from './outbox-status.js';

/** `list` shows at most this many unless `--limit` says otherwise. */
const LIST_LIMIT = 100;

/** Adds `list` and `show` to the `dlq` command. */
export function registerDlqInspectCommands(dlq: Command, io: CliIo, slot: ExitCodeSlot): void {
  const list = dlq.command('list').description('list dead letters, oldest first');
  withDeadLetterFilters(withOutboxOptions(withCommonOptions(list)), `at most this many (default ${LIST_LIMIT})`).action(
    commandAction<OutboxFlags & DeadLetterFlags>(io, slot, (ctx, flags) =>
      withOutboxStore(ctx, flags, async (store, where) => {
        const rows = await selectDeadLetters(store, flags, LIST_LIMIT);
        const limit = flags.limit ?? LIST_LIMIT;
        ctx.result(rows.map(deadLetterJson), () => {
          if (rows.length === 0) return `No dead letters match in ${where}.`;
          const more = rows.length === limit ? ` (the first ${limit}: --limit shows more)` : '';
          return `${textTable(DEAD_LETTER_COLUMNS, rows.map(deadLetterRow))}\n\n${rows.length} dead letter${rows.length === 1 ? '' : 's'}${more}`;
        });
        return undefined;
      }),
    ),
  );

  const show = dlq
    .command('show')
    .description('show one dead letter: attributes, data, attempts, last error')
    .argument('<id>', 'its event id or seq');
  withOutboxOptions(withCommonOptions(show)).action(
    commandAction<OutboxFlags, [string]>(io, slot, (ctx, flags, id) =>
      withOutboxStore(ctx, flags, async (store, where) => {
        const [row] = await selectDeadLetters(store, { id: [id] }, 1);
        if (row === undefined) {
          ctx.note(`bus: no dead letter has the event id or seq ${JSON.stringify(id)} in ${where}.`);
          return EXIT_CODES.FAILURE;
        }
        ctx.result(deadLetterJson(row), () => deadLetterPage(row));
        return undefined;
      }),
    ),
  );
}
