/**
 * `bus tail <pattern>`: live events of a `*`/`#` pattern from Kafka, one line
 * each or one JSON object a line. It reads in a consumer group of its own
 * (so it takes nothing from the services' groups), never dead-letters or
 * retries, and stops cleanly on Ctrl-C or after `--max` events.
 */
import { randomBytes } from 'node:crypto';
import { createBus, type EventEnvelope } from '@bus/core';
import { kafka, type StartFrom } from '@bus/kafka';
import { topics } from '@bus/topics';
import { type Command, Option } from 'commander';
import type { CliIo } from '../cli-io.js';
import { type CommandContext, commandAction, type ExitCodeSlot } from '../command-context.js';
import { withCommonOptions, withKafkaOptions } from '../command-options.js';
import { viewEnvelope } from '../envelope-view.js';
import { type KafkaFlags, kafkaConnection } from '../kafka-connection.js';
import { deleteTailGroup } from '../tail-group.js';
import { parseCount } from '../time-bound.js';

interface TailFlags extends KafkaFlags {
  readonly from: StartFrom;
  readonly max?: number;
  readonly group?: string;
}

/** Adds `tail` to `program`. */
export function registerTailCommand(program: Command, io: CliIo, slot: ExitCodeSlot): void {
  const tail = program
    .command('tail')
    .description('print live events of a pattern (orders.*.created, audit.#) until Ctrl-C')
    .argument('<pattern>', 'an event type, or a pattern: * is one word, # is zero or more')
    .addOption(
      new Option('--from <where>', 'start at the oldest kept event, or only new ones').choices(['earliest', 'latest']).default('latest'),
    )
    .option('--max <n>', 'stop after this many events', (text) => parseCount(text))
    .option('--group <id>', 'the consumer group to read in (default: a new one, bus-cli-tail-<random>)');
  withKafkaOptions(withCommonOptions(tail)).action(
    commandAction<TailFlags, [string]>(io, slot, async (ctx, flags, pattern) => {
      await runTail(ctx, flags, pattern);
      return undefined;
    }),
  );
}

async function runTail(ctx: CommandContext, flags: TailFlags, pattern: string): Promise<void> {
  const connection = kafkaConnection(flags, ctx.io.env, ctx.config);
  const group = flags.group ?? `bus-cli-tail-${randomBytes(4).toString('hex')}`;
  const bus = createBus({ logger: ctx.logger })
    .use(topics())
    .use(
      kafka({
        ...connection,
        groupId: group,
        startFrom: flags.from,
        // Watching must change nothing: no topics created, nothing dead-lettered (no resilience; a record it cannot
        // decode is reported on 'error', which tail prints, and skipped).
        ensureTopics: false,
        topicRefreshMs: 2_000,
        retries: 3,
        retryDelayMs: 500,
      }),
    );
  let seen = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const onAbort = (): void => finish();
  ctx.io.signal.addEventListener('abort', onAbort, { once: true });
  try {
    if (ctx.io.signal.aborted) return;
    await bus.start();
    const handle = bus.subscribe(
      pattern,
      (event) => {
        if (flags.max !== undefined && seen >= flags.max) return;
        seen++;
        ctx.io.stdout.write(`${ctx.json ? JSON.stringify(viewEnvelope(event).event) : eventLine(event)}\n`);
        if (flags.max !== undefined && seen >= flags.max) finish();
      },
      { group },
    );
    await handle.ready;
    await bus.kafka.settled();
    ctx.note(
      `Tailing ${pattern} from ${flags.from} in group ${group}${flags.max === undefined ? '' : `, at most ${flags.max} events`} (Ctrl-C to stop).`,
    );
    await finished;
  } finally {
    ctx.io.signal.removeEventListener('abort', onAbort);
    await bus.stop({ timeoutMs: 5_000 });
    // A group given with --group is the operator's; the one made for this run goes with it.
    if (flags.group === undefined) await deleteTailGroup(connection, group, ctx.logger);
  }
  ctx.note(`Stopped after ${seen} event${seen === 1 ? '' : 's'}.`);
}

/** One event as a line: time, type, id, key, data. */
function eventLine(event: EventEnvelope): string {
  const view = viewEnvelope(event);
  const key = typeof event.partitionkey === 'string' ? ` key=${event.partitionkey}` : '';
  const data =
    view.dataEncoding === 'none' ? '' : ` ${view.dataEncoding === 'decoded' ? JSON.stringify(view.event.data) : String(view.event.data)}`;
  return `${event.time ?? '-'} ${event.type} ${event.id}${key}${data}`;
}
