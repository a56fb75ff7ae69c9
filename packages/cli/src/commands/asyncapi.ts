/**
 * `bus asyncapi`: prints the AsyncAPI 3.0.0 document of a bus (`@bus/asyncapi`),
 * as YAML or, with `--json`, JSON. The bus comes from the config: a module
 * (`bus.config.mjs`, `.ts`) whose default export is the service's bus (or a
 * function that makes it) with `asyncapi()` used; or the `asyncapi` section of
 * `bus.config.json`, from which the CLI assembles a bus that is never started
 * (with `@bus/kafka` when the config names brokers: topics, bindings, servers).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type AsyncApiDocument, type AsyncApiSchema, type AsyncApiServer, asyncapi } from '@bus/asyncapi';
import { BusError, createBus } from '@bus/core';
import { kafka } from '@bus/kafka';
import { serialization } from '@bus/serialization';
import { topics } from '@bus/topics';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import type { CliIo } from '../cli-io.js';
import { type CommandContext, commandAction, type ExitCodeSlot } from '../command-context.js';
import { withCommonOptions, withKafkaOptions } from '../command-options.js';
import type { AsyncApiConfig } from '../config-file.js';
import { type KafkaFlags, kafkaConnection } from '../kafka-connection.js';

interface AsyncApiFlags extends KafkaFlags {
  readonly title?: string;
  readonly apiVersion?: string;
}

/** A bus with `@bus/asyncapi` used, as far as this command needs it. */
interface DescribedBus {
  readonly asyncapi: { document(): AsyncApiDocument };
}

/** Adds `asyncapi` to `program`. */
export function registerAsyncApiCommand(program: Command, io: CliIo, slot: ExitCodeSlot): void {
  const command = program
    .command('asyncapi')
    .description("print the bus's AsyncAPI 3.0.0 document (YAML; JSON with --json), from --config: a bus module or bus.config.json")
    .option('--title <title>', "the document's info.title (overrides the config)")
    .option('--api-version <version>', "the document's info.version (overrides the config)");
  withKafkaOptions(withCommonOptions(command)).action(
    commandAction<AsyncApiFlags>(io, slot, async (ctx, flags) => {
      const document = overrideInfo(await documentOf(ctx, flags), flags);
      ctx.result(document, () => stringify(document, { lineWidth: 0 }).trimEnd());
      return undefined;
    }),
  );
}

async function documentOf(ctx: CommandContext, flags: AsyncApiFlags): Promise<AsyncApiDocument> {
  const { module, config, baseDir, file } = ctx.config;
  if (module !== undefined) return (await busOfModule(module)).asyncapi.document();
  const section = config.asyncapi;
  if (section === undefined) {
    throw new BusError(
      'CONFIG_INVALID',
      file === undefined
        ? 'No bus to describe: pass --config <bus.config.mjs|bus.config.json> (a module exporting the bus, or a JSON file with an "asyncapi" section).'
        : `The config file ${file} has no "asyncapi" section (info, publishes, subscribes, schemas).`,
    );
  }
  return describeConfig(ctx, flags, section, baseDir);
}

/** The bus a config module exports: its default export, or what calling it returns. */
async function busOfModule(file: string): Promise<DescribedBus> {
  let loaded: { default?: unknown };
  try {
    loaded = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (cause) {
    throw new BusError('CONFIG_INVALID', `Could not load the config module ${file}: ${(cause as Error).message}`, { cause });
  }
  const exported = typeof loaded.default === 'function' ? await (loaded.default as () => unknown)() : loaded.default;
  const document = (exported as { asyncapi?: { document?: unknown } } | undefined)?.asyncapi?.document;
  if (typeof document !== 'function') {
    throw new BusError(
      'CONFIG_INVALID',
      `The config module ${file} must export as default a bus that uses asyncapi() from @bus/asyncapi (or a function returning one): ` +
        'createBus().use(asyncapi({ info: { title, version } })), before its subscribe() calls.',
    );
  }
  return exported as DescribedBus;
}

/** Assembles a bus, never started, from the JSON config's `asyncapi` section, and describes it. */
function describeConfig(ctx: CommandContext, flags: AsyncApiFlags, section: AsyncApiConfig, baseDir: string): AsyncApiDocument {
  const connection = hasBrokers(ctx, flags) ? kafkaConnection(flags, ctx.io.env, ctx.config) : undefined;
  const servers =
    connection === undefined ? undefined : kafkaServers(connection.brokers, connection.sasl !== undefined || connection.tls !== undefined);
  const plugin = asyncapi({
    info: section.info,
    ...(section.publishes === undefined ? {} : { publishes: section.publishes }),
    schemas: loadSchemas(section.schemas ?? {}, baseDir),
    ...(servers === undefined ? {} : { servers }),
    ...(section.defaultContentType === undefined ? {} : { defaultContentType: section.defaultContentType }),
  });
  // The same plugins a service on Kafka uses, so topics and bindings are the transport's own; nothing connects.
  const bus =
    connection === undefined
      ? createBus({ source: 'bus-cli', logger: ctx.logger }).use(topics()).use(plugin)
      : createBus({ source: 'bus-cli', logger: ctx.logger })
          .use(serialization())
          .use(topics())
          .use(kafka({ ...connection, groupId: 'bus-cli' }))
          .use(plugin);
  for (const entry of section.subscribes ?? []) {
    const { pattern, group } = typeof entry === 'string' ? { pattern: entry, group: undefined } : entry;
    bus.subscribe(pattern, () => {}, group === undefined ? {} : { group });
  }
  return bus.asyncapi.document();
}

function hasBrokers(ctx: CommandContext, flags: AsyncApiFlags): boolean {
  return flags.brokers !== undefined || Boolean(ctx.io.env.BUS_KAFKA_BROKERS) || ctx.config.config.kafka?.brokers !== undefined;
}

/** One server per bootstrap broker: `kafka`, or `kafka-1`, `kafka-2`, … */
function kafkaServers(brokers: string, secure: boolean): Record<string, AsyncApiServer> {
  const hosts = brokers
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker.length > 0);
  const protocol = secure ? 'kafka-secure' : 'kafka';
  return Object.fromEntries(
    hosts.map((host, index) => [
      hosts.length === 1 ? 'kafka' : `kafka-${index + 1}`,
      { host, protocol, description: 'A bootstrap broker of the Kafka cluster.' },
    ]),
  );
}

/** The schemas of the config: inline, or read from JSON files relative to the config file. */
function loadSchemas(schemas: NonNullable<AsyncApiConfig['schemas']>, baseDir: string): Record<string, AsyncApiSchema> {
  const loaded: Record<string, AsyncApiSchema> = {};
  for (const [type, schema] of Object.entries(schemas)) {
    if (typeof schema !== 'string') {
      loaded[type] = schema;
      continue;
    }
    const file = path.resolve(baseDir, schema);
    try {
      loaded[type] = JSON.parse(readFileSync(file, 'utf8')) as AsyncApiSchema;
    } catch (cause) {
      throw new BusError('CONFIG_INVALID', `Could not read the schema of ${type} from ${file}: ${(cause as Error).message}`, { cause });
    }
  }
  return loaded;
}

function overrideInfo(document: AsyncApiDocument, flags: AsyncApiFlags): AsyncApiDocument {
  if (flags.title === undefined && flags.apiVersion === undefined) return document;
  return {
    ...document,
    info: {
      ...document.info,
      ...(flags.title === undefined ? {} : { title: flags.title }),
      ...(flags.apiVersion === undefined ? {} : { version: flags.apiVersion }),
    },
  };
}
