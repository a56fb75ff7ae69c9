/**
 * `bus outbox status`: the outbox's figures now (pending, scheduled, oldest pending age, dead), and with
 * `--shards N` the same figures for each of N key shards (`OutboxStore.statsByShard`), as relays sharded
 * with `@bus/cluster` see them.
 */
import type { OutboxShardStats, OutboxStats, OutboxStore } from '@bus/outbox';
import { type Command, InvalidArgumentError } from 'commander';
import type { CliIo } from '../cli-io.js';
import { type CommandContext, commandAction, type ExitCodeSlot } from '../command-context.js';
import { withCommonOptions, withOutboxOptions } from '../command-options.js';
import { describeOutbox, type OutboxFlags, openOutbox, outboxTarget } from '../outbox-connection.js';
import { textTable } from '../text-table.js';
import { formatAge, parseCount } from '../time-bound.js';

interface StatusFlags extends OutboxFlags {
  readonly shards?: number;
}

/** The most shards a store takes (`@bus/outbox`'s shard count check). */
const MAX_SHARDS = 65_536;

/** Adds `outbox status` to `program`. */
export function registerOutboxCommands(program: Command, io: CliIo, slot: ExitCodeSlot): void {
  const outbox = program.command('outbox').description("the transactional outbox's state");
  withOutboxOptions(withCommonOptions(outbox.command('status').description('pending, scheduled, oldest pending age, and dead rows')))
    .option('--shards <n>', 'also the figures of each of n key shards (as relays sharded n ways own them)', parseShards)
    .action(
      commandAction<StatusFlags>(io, slot, async (ctx, flags) => {
        await withOutboxStore(ctx, flags, async (store, where) => {
          const stats = await store.stats();
          const shards = flags.shards === undefined ? undefined : await store.statsByShard(flags.shards);
          ctx.result({ outbox: where, ...stats, ...(shards === undefined ? {} : { shards }) }, () => statusText(where, stats, shards));
        });
        return undefined;
      }),
    );
}

function parseShards(text: string): number {
  const count = parseCount(text);
  // Same bound as the store's, but as a usage error (exit 2) before anything is opened.
  if (count > MAX_SHARDS) throw new InvalidArgumentError(`'${text}' is more shards than an outbox takes (at most ${MAX_SHARDS}).`);
  return count;
}

function statusText(where: string, stats: OutboxStats, shards: readonly OutboxShardStats[] | undefined): string {
  const age = (ms: number): string => (ms === 0 ? '-' : formatAge(ms));
  const lines = [
    `outbox       ${where}`,
    `pending      ${stats.pending}`,
    `scheduled    ${stats.scheduled}`,
    `oldest due   ${age(stats.oldestPendingAgeMs)}`,
    `dead         ${stats.dead}`,
  ];
  if (shards === undefined) return lines.join('\n');
  const table = textTable(
    ['SHARD', 'PENDING', 'SCHEDULED', 'OLDEST DUE'],
    shards.map((shard) => [String(shard.shard), String(shard.pending), String(shard.scheduled), age(shard.oldestPendingAgeMs)]),
  );
  // Dead rows have left the outbox table, so they have no shard; the total above counts them.
  return `${lines.join('\n')}\n\n${table}`;
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
