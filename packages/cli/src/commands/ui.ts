/**
 * `bus ui`: the web view on 127.0.0.1 — flow (live from Kafka, when brokers
 * are named), dead letters of the outbox, the outbox's state per key shard,
 * and the event store's streams. Read-only unless `--allow-writes`; it runs
 * until Ctrl-C.
 */
import { randomBytes } from 'node:crypto';
import { type Bus, createBus } from '@bus/core';
import { kafka } from '@bus/kafka';
import type { OutboxStore } from '@bus/outbox';
import type { EventStore } from '@bus/persistence';
import { topics } from '@bus/topics';
import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import { type CommandContext, commandAction, type ExitCodeSlot } from '../command-context.js';
import { withCommonOptions, withKafkaOptions, withOutboxOptions } from '../command-options.js';
import { type KafkaFlags, kafkaConnection } from '../kafka-connection.js';
import { describeOutbox, type OutboxFlags, openOutbox, outboxTarget } from '../outbox-connection.js';
import { describeStore, openEventStore, storeTarget } from '../store-connection.js';
import { deleteTailGroup } from '../tail-group.js';
import { parseCount } from '../time-bound.js';
import { outboxDeadLetterSource } from '../ui/dead-letter-source.js';
import { FlowMonitor } from '../ui/flow-monitor.js';
import { createUiApp } from '../ui/ui-app.js';
import { serveUi } from '../ui/ui-server.js';

interface UiFlags extends OutboxFlags, KafkaFlags {
  readonly store?: string;
  readonly port?: number;
  readonly allowWrites?: boolean;
  readonly watch: string;
  readonly shards?: number;
}

/** Adds `ui` to `program`. */
export function registerUiCommand(program: Command, io: CliIo, slot: ExitCodeSlot): void {
  const ui = program
    .command('ui')
    .description('serve the web view on 127.0.0.1: flow, dead letters, outbox, event store (until Ctrl-C)')
    .option('--port <n>', 'the port (default 4700; 0 picks a free one)', (text) => Number.parseInt(text, 10))
    .option('--allow-writes', 'allow redrive and purge from the page (each asks first)')
    .option('--store <url>', 'the event store: a SQLite file or postgres://… (env BUS_STORE)')
    .option('--watch <pattern>', 'which events the flow page counts, with Kafka brokers', '#')
    .option('--shards <n>', 'key shards to show the outbox by (default 8)', (text) => parseCount(text));
  withKafkaOptions(withOutboxOptions(withCommonOptions(ui))).action(
    commandAction<UiFlags>(io, slot, async (ctx, flags) => {
      await runUi(ctx, flags);
      return undefined;
    }),
  );
}

const named = (flag: string | undefined, env: string | undefined, config: unknown) =>
  flag !== undefined || Boolean(env) || config !== undefined;

async function runUi(ctx: CommandContext, flags: UiFlags): Promise<void> {
  const { env } = ctx.io;
  const config = ctx.config.config;
  if (flags.port !== undefined && !(Number.isInteger(flags.port) && flags.port >= 0 && flags.port < 65_536)) {
    ctx.usage(`--port must be a port number, got ${flags.port}.`);
  }
  const opened: (() => Promise<void>)[] = [];
  let outbox: OutboxStore | undefined;
  let eventStore: EventStore | undefined;
  let watcher: { bus: Bus; flow: FlowMonitor } | undefined;
  const parts: string[] = [];
  try {
    if (named(flags.outbox, env.BUS_OUTBOX, config.outbox)) {
      const target = outboxTarget(flags, env, ctx.config);
      const store = await openOutbox(target);
      outbox = store;
      opened.push(() => store.close());
      parts.push(`outbox ${describeOutbox(target)}`);
    }
    if (named(flags.store, env.BUS_STORE, config.store)) {
      const target = storeTarget({ ...(flags.store === undefined ? {} : { store: flags.store }) }, env, ctx.config);
      const store = await openEventStore(target);
      eventStore = store;
      opened.push(() => store.close());
      parts.push(`event store ${describeStore(target)}`);
    }
    if (named(flags.brokers, env.BUS_KAFKA_BROKERS, config.kafka)) {
      const connection = kafkaConnection(flags, env, ctx.config);
      const group = `bus-cli-ui-${randomBytes(4).toString('hex')}`;
      // Watching changes nothing: a group of its own from the latest offsets, no topics created, nothing dead-lettered.
      const bus = createBus({ logger: ctx.logger })
        .use(topics())
        .use(kafka({ ...connection, groupId: group, startFrom: 'latest', ensureTopics: false, topicRefreshMs: 2_000 }));
      const flow = new FlowMonitor(bus);
      bus.subscribe(flags.watch, () => undefined, { group });
      await bus.start();
      watcher = { bus, flow };
      opened.push(async () => {
        flow.stop();
        await bus.stop({ timeoutMs: 5_000 });
        await deleteTailGroup(connection, group, ctx.logger);
      });
      parts.push(`flow of ${flags.watch} on ${connection.brokers}`);
    }
    if (parts.length === 0) ctx.usage('Nothing to show: name an outbox (--outbox), an event store (--store) or Kafka brokers (--brokers).');

    const app = createUiApp(
      {
        ...(watcher === undefined ? {} : { flow: watcher.flow }),
        ...(outbox === undefined ? {} : { outbox, deadLetters: [outboxDeadLetterSource(outbox)], outboxShards: flags.shards ?? 8 }),
        ...(eventStore === undefined ? {} : { eventStore }),
      },
      { allowWrites: flags.allowWrites === true },
    );
    const server = await serveUi(app, { port: flags.port ?? 4700 });
    opened.push(() => server.close());
    ctx.result({ url: server.url, allowWrites: flags.allowWrites === true, showing: parts }, () => server.url);
    ctx.note(`Serving ${parts.join(', ')} at ${server.url}${flags.allowWrites ? ' (writes allowed)' : ' (read-only)'}; Ctrl-C to stop.`);
    if (!ctx.io.signal.aborted) await new Promise((resolve) => ctx.io.signal.addEventListener('abort', resolve, { once: true }));
  } finally {
    for (const close of opened.reverse())
      await close().catch((error: unknown) => ctx.logger.warn({ err: error }, 'bus ui: closing failed'));
  }
}
