/**
 * `bus replay`: republish a part of the event store's global log into a
 * Kafka topic or a projection module. It counts what it would replay first
 * (`--dry-run` stops there), asks before a replay above a size (default
 * 10 000 events; never without a terminal unless `--yes` — the known accident
 * is an unintended replay of ~380k events), then sends in position order,
 * at `--rate` events per second if asked, with a progress bar on stderr.
 */
import { BusError } from '@bus/core';
import type { EventStore, StoredEvent } from '@bus/persistence';
import { type Command, InvalidArgumentError } from 'commander';
import type { CliIo } from '../cli-io.js';
import { type CommandContext, commandAction, type ExitCodeSlot } from '../command-context.js';
import { withCommonOptions, withKafkaOptions } from '../command-options.js';
import { confirm } from '../confirm.js';
import { EXIT_CODES, type ExitCode } from '../exit-codes.js';
import { type KafkaFlags, kafkaConnection } from '../kafka-connection.js';
import { startProgress } from '../progress.js';
import { rateLimit } from '../rate-limit.js';
import { type LogBound, type LogSelection, parseLogBound, readPages, selectLog } from '../replay-range.js';
import { openProjectionSink, openTopicSink, parseTopicTemplate, type ReplaySink } from '../replay-sink.js';
import { describeStore, openEventStore, type StoreFlags, storeTarget } from '../store-connection.js';
import { textTable } from '../text-table.js';
import { parseCount } from '../time-bound.js';

/** Events per delivery when no `--rate` asks for smaller ones. */
const BATCH = 100;
/** The size above which a replay asks first. */
const DEFAULT_CONFIRM_ABOVE = 10_000;

interface ReplayFlags extends StoreFlags, KafkaFlags {
  readonly from: LogBound;
  readonly to?: LogBound;
  readonly types?: readonly string[];
  readonly intoTopic?: string;
  readonly into?: string;
  readonly rate?: number;
  readonly dryRun?: boolean;
  readonly yes?: boolean;
  readonly confirmAbove: number;
  readonly progress?: boolean;
}

/** Adds `replay` to `program`. */
export function registerReplayCommand(program: Command, io: CliIo, slot: ExitCodeSlot): void {
  const replay = program
    .command('replay')
    .description("republish part of the event store's log into a Kafka topic or a projection module, marked replay: true")
    .option('--store <url>', 'the event store: a SQLite file (path or sqlite:<path>) or postgres://… (env BUS_STORE)')
    .option('--schema <name>', "the Postgres schema of the store's tables (default public)")
    .option('--table-prefix <prefix>', "the prefix of the store's tables (default bus_)")
    .requiredOption('--from <position|time>', 'the first global position, or a time: RFC 3339, or a duration ago (2h)', parseLogBound)
    .option('--to <position|time>', 'the last global position, or a time (inclusive; default the end of the log now)', parseLogBound)
    .option('--types <list>', 'only these types: a comma-separated list of types or */# patterns', parseTypes)
    .option(
      '--into-topic <topic>',
      "send to this Kafka topic; {type} stands for the event's type ('{type}': each to its own)",
      parseTopicTemplate,
    )
    .option('--into <module>', 'hand each event to the default export of this JS module, (event) => void | Promise<void>')
    .option('--rate <events/s>', 'at most this many events per second', (text) => parseCount(text))
    .option('--dry-run', 'count what would be replayed, per type; send nothing')
    .option('-y, --yes', 'do not ask, whatever the size')
    .option(
      '--confirm-above <n>',
      'ask first when more than n events would be replayed',
      (text) => parseCount(text, 0),
      DEFAULT_CONFIRM_ABOVE,
    )
    .option('--progress', 'show a progress bar even when stderr is not a terminal')
    .option('--no-progress', 'never show a progress bar');
  withKafkaOptions(withCommonOptions(replay)).action(
    commandAction<ReplayFlags>(io, slot, async (ctx, flags) => {
      if (flags.intoTopic !== undefined && flags.into !== undefined) {
        return ctx.usage('give one destination: --into-topic <topic> or --into <module>, not both.');
      }
      if (flags.intoTopic === undefined && flags.into === undefined && flags.dryRun !== true) {
        return ctx.usage('say where to replay: --into-topic <topic> or --into <module> (or --dry-run to count only).');
      }
      const target = storeTarget(flags, ctx.io.env, ctx.config);
      const store = await openEventStore(target);
      try {
        return await run(ctx, flags, store, describeStore(target));
      } finally {
        await store.close();
      }
    }),
  );
}

function parseTypes(text: string): readonly string[] {
  const types = text
    .split(',')
    .map((type) => type.trim())
    .filter((type) => type.length > 0);
  if (types.length === 0)
    throw new InvalidArgumentError(`'${text}' names no type: give a comma-separated list, e.g. orders.created,orders.*.`);
  return types;
}

/** What the result says besides the counts. */
interface Summary {
  readonly store: string;
  readonly into: string | null;
  readonly selection: LogSelection;
  readonly dryRun: boolean;
  readonly replayed: number;
  readonly ms: number;
  readonly interrupted?: boolean;
  readonly resumeFrom?: number;
  readonly rate?: { readonly eventsPerSecond: number; readonly delayedBatches: number };
}

async function run(ctx: CommandContext, flags: ReplayFlags, store: EventStore, where: string): Promise<ExitCode> {
  const started = performance.now();
  const into = flags.intoTopic === undefined ? (flags.into === undefined ? null : `projection ${flags.into}`) : `topic ${flags.intoTopic}`;
  const selection = await selectLog(store, { from: flags.from, to: flags.to, types: flags.types }, ctx.io.signal);
  const summary = (replayed: number, extra: Partial<Summary> = {}): Summary => ({
    store: where,
    into,
    selection,
    dryRun: flags.dryRun === true,
    replayed,
    ms: Math.round(performance.now() - started),
    ...extra,
  });
  if (ctx.io.signal.aborted) {
    ctx.note('Interrupted while counting: nothing replayed.');
    return EXIT_CODES.FAILURE;
  }
  if (flags.dryRun === true || selection.total === 0) {
    printResult(ctx, summary(0));
    return EXIT_CODES.OK;
  }
  const count = `${selection.total} event${selection.total === 1 ? '' : 's'}`;
  if (selection.total > flags.confirmAbove && flags.yes !== true) {
    const question = `Replay ${count} (positions ${selection.firstPosition}–${selection.lastPosition}) of ${where} into ${into}?`;
    if (ctx.io.stdin.isTTY !== true) {
      ctx.note(
        `Refused: ${count} would be replayed, more than --confirm-above ${flags.confirmAbove}, and there is no terminal to ask. ` +
          'Nothing replayed. Check the size with --dry-run, narrow it with --to or --types, or pass --yes.',
      );
      return EXIT_CODES.FAILURE;
    }
    if (!(await confirm(ctx.io, question))) {
      ctx.note('Not confirmed: nothing replayed. (--dry-run counts what a replay would send; --yes skips the question.)');
      return EXIT_CODES.FAILURE;
    }
  }
  const sink = flags.into !== undefined ? await openProjectionSink(flags.into, ctx.io.cwd) : await openTopic(ctx, flags);
  let result: Awaited<ReturnType<typeof deliver>>;
  try {
    result = await deliver(ctx, flags, store, selection, sink);
  } catch (error) {
    // The replay's own failure is the one to report, not a second one while stopping the destination.
    await sink.close().catch(() => undefined);
    throw error;
  }
  await sink.close();
  const { replayed, interrupted, delayed, lastPosition } = result;
  const rate = flags.rate === undefined ? {} : { rate: { eventsPerSecond: flags.rate, delayedBatches: delayed } };
  printResult(ctx, summary(replayed, { interrupted, ...(interrupted ? { resumeFrom: lastPosition + 1 } : {}), ...rate }));
  return interrupted ? EXIT_CODES.FAILURE : EXIT_CODES.OK;
}

function openTopic(ctx: CommandContext, flags: ReplayFlags): Promise<ReplaySink> {
  return openTopicSink(kafkaConnection(flags, ctx.io.env, ctx.config), flags.intoTopic as string, ctx.logger);
}

/**
 * Reads the selection again, up to the last position counted (events appended
 * meanwhile are not replayed: the question named a size), and delivers it in
 * batches. Ctrl-C stops it between two batches; a failure says how far it got.
 */
async function deliver(
  ctx: CommandContext,
  flags: ReplayFlags,
  store: EventStore,
  selection: LogSelection,
  sink: ReplaySink,
): Promise<{ replayed: number; interrupted: boolean; delayed: number; lastPosition: number }> {
  const limit = rateLimit(flags.rate, BATCH);
  const progress = startProgress(ctx.io, 'replayed', selection.total, ctx.json ? false : flags.progress);
  let replayed = 0;
  let lastPosition = selection.firstPosition - 1;
  try {
    await readPages(
      store,
      { fromPosition: selection.firstPosition, toPosition: selection.lastPosition, types: flags.types },
      ctx.io.signal,
      async (page) => {
        for (let start = 0; start < page.length && !ctx.io.signal.aborted; start += limit.batchSize) {
          const batch = page.slice(start, start + limit.batchSize);
          let delivered: boolean;
          try {
            // Ctrl-C while the rate holds a batch back: that batch is not sent.
            delivered = await limit.run(batch.length, async () => {
              if (ctx.io.signal.aborted) return false;
              await sink.deliver(batch);
              return true;
            });
          } catch (error) {
            throw stopped(error, batch, replayed, selection);
          }
          if (!delivered) return;
          replayed += batch.length;
          lastPosition = (batch.at(-1) as StoredEvent).position;
          progress.update(replayed);
        }
      },
    );
  } finally {
    progress.stop();
  }
  return { replayed, interrupted: ctx.io.signal.aborted && replayed < selection.total, delayed: limit.delayed, lastPosition };
}

/** The failure of a delivery, saying what was replayed before it and where to resume. */
function stopped(error: unknown, batch: readonly StoredEvent[], replayed: number, selection: LogSelection): BusError {
  const cause = BusError.is(error) ? error : BusError.from(error, 'TRANSPORT_FAILED');
  const failedAt = (cause.details as { position?: unknown } | undefined)?.position;
  // A projection names the event that failed (those before it were handled); a send names none, so the whole batch is in doubt.
  const done = typeof failedAt === 'number' ? replayed + batch.filter((record) => record.position < failedAt).length : replayed;
  const resumeAt = typeof failedAt === 'number' ? failedAt : (batch[0] as StoredEvent).position;
  return new BusError(
    cause.code,
    `${cause.message} — ${done} of ${selection.total} events were replayed before it; resume with --from ${resumeAt}.`,
    {
      cause,
      retryable: cause.retryable,
      details: { replayed: done, resumeFrom: resumeAt },
      ...(cause.eventId === undefined ? {} : { eventId: cause.eventId }),
    },
  );
}

function printResult(ctx: CommandContext, summary: Summary): void {
  const { selection } = summary;
  ctx.result(
    {
      store: summary.store,
      into: summary.into,
      dryRun: summary.dryRun,
      matched: selection.total,
      replayed: summary.replayed,
      byType: selection.byType,
      from: selection.firstPosition,
      to: selection.lastPosition,
      ms: summary.ms,
      ...(summary.interrupted === undefined ? {} : { interrupted: summary.interrupted }),
      ...(summary.resumeFrom === undefined ? {} : { resumeFrom: summary.resumeFrom }),
      ...(summary.rate === undefined ? {} : { rate: summary.rate }),
    },
    () => {
      if (selection.total === 0) return `No events match in ${summary.store}; nothing ${summary.dryRun ? 'would be ' : ''}replayed.`;
      const table = textTable(
        ['TYPE', 'EVENTS'],
        Object.entries(selection.byType).map(([type, n]) => [type, String(n)]),
      );
      const span = `positions ${selection.firstPosition}–${selection.lastPosition}`;
      const events = (n: number) => `${n} event${n === 1 ? '' : 's'}`;
      let line: string;
      if (summary.dryRun) {
        line = `Dry run: ${events(selection.total)} (${span}) would be replayed${summary.into === null ? '' : ` into ${summary.into}`}; nothing sent.`;
      } else if (summary.interrupted === true) {
        line = `Interrupted: ${summary.replayed} of ${events(selection.total)} replayed into ${summary.into}; resume with --from ${summary.resumeFrom}.`;
      } else {
        line = `Replayed ${events(summary.replayed)} (${span}) into ${summary.into} in ${(summary.ms / 1000).toFixed(1)} s.`;
      }
      return `${table}\n\n${line}`;
    },
  );
}
