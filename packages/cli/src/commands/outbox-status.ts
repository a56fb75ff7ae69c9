/** `bus outbox status`: the outbox's figures now (pending, scheduled, oldest pending age, dead). */
import type { OutboxStore } from '@bus/outbox';
import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import { type CommandContext, commandAction, type ExitCodeSlot } from '../command-context.js';
import { withCommonOptions, withOutboxOptions } from '../command-options.js';
import { describeOutbox, type OutboxFlags, openOutbox, outboxTarget } from '../outbox-connection.js';
import { formatAge } from '../time-bound.js';

/** Adds `outbox status` to `program`. */
export function registerOutboxCommands(program: Command, io: CliIo, slot: ExitCodeSlot): void {
  const outbox = program.command('outbox').description("the transactional outbox's state");
  withOutboxOptions(
    withCommonOptions(outbox.command('status').description('pending, scheduled, oldest pending age, and dead rows')),
  ).action(
    commandAction<OutboxFlags>(io, slot, async (ctx, flags) => {
      await withOutboxStore(ctx, flags, async (store, where) => {
        const stats = await store.stats();
        ctx.result({ outbox: where, ...stats }, () =>
          [
            `outbox       ${where}`,
            `pending      ${stats.pending}`,
            `scheduled    ${stats.scheduled}`,
            `oldest due   ${stats.oldestPendingAgeMs === 0 ? '-' : formatAge(stats.oldestPendingAgeMs)}`,
            `dead         ${stats.dead}`,
          ].join('\n'),
        );
      });
      return undefined;
    }),
  );
}

/** Opens the outbox the flags name, runs `use`, and closes the store whatever happens. */
export async function withOutboxStore<T>(
  ctx: CommandContext,
  flags: OutboxFlags,
  use: (store: OutboxStore, where: string) => Promise<T>,
): Promise<T> {
  const target = outboxTarget(flags, ctx.io.env, ctx.config);
  const store = await openOutbox(target);
  try {
    return await use(store, describeOutbox(target));
  } finally {
    await store.close();
  }
}
