/**
 * `bus publish <type> [data|@file|-]`: one event to Kafka, through a bus made
 * of `serialization()` and `kafka()` (so it is encoded and laid out exactly as
 * a service's own events are). `--header k=v` become CloudEvents extension
 * attributes.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createBus, type ExtensionValue } from '@bus/core';
import { kafka } from '@bus/kafka';
import { serialization } from '@bus/serialization';
import { type Command, InvalidArgumentError } from 'commander';
import type { CliIo } from '../cli-io.js';
import { type CommandContext, commandAction, type ExitCodeSlot } from '../command-context.js';
import { withCommonOptions, withKafkaOptions } from '../command-options.js';
import { readAll } from '../confirm.js';
import { type KafkaFlags, kafkaConnection } from '../kafka-connection.js';

interface PublishFlags extends KafkaFlags {
  readonly key?: string;
  readonly source: string;
  readonly subject?: string;
  readonly contentType?: string;
  readonly header?: Readonly<Record<string, string>>;
}

/** Extension attribute names, as CloudEvents 1.0 allows them. */
const EXTENSION_NAME = /^[a-z0-9]{1,20}$/;
/** Attributes a header must not overwrite: they have flags of their own or are the kernel's. */
const RESERVED = new Set([
  'id',
  'source',
  'specversion',
  'type',
  'time',
  'subject',
  'datacontenttype',
  'dataschema',
  'data',
  'partitionkey',
]);

/** Adds `publish` to `program`. */
export function registerPublishCommand(program: Command, io: CliIo, slot: ExitCodeSlot): void {
  const publish = program
    .command('publish')
    .description('publish one event to Kafka')
    .argument('<type>', 'the event type (its topic, by default)')
    .argument('[data]', 'the data: JSON text, @file to read a JSON file, or - to read stdin; none for no data')
    .option('-k, --key <key>', 'the partition key: events with one key keep their order')
    .option('--source <source>', 'the CloudEvents source', 'bus-cli')
    .option('--subject <subject>', 'the CloudEvents subject')
    .option('--content-type <type>', 'how to encode the data: application/json (default) or application/msgpack')
    .option('-H, --header <name=value>', 'a CloudEvents extension attribute (repeatable); lowercase a-z0-9 names', header, {});
  withKafkaOptions(withCommonOptions(publish)).action(
    commandAction<PublishFlags, [string, string | undefined]>(io, slot, async (ctx, flags, type, dataArgument) => {
      const data = await readData(ctx, dataArgument);
      const connection = kafkaConnection(flags, ctx.io.env, ctx.config);
      const bus = createBus({ source: flags.source, logger: ctx.logger })
        .use(serialization())
        // A CLI should fail in seconds when the broker is away, not ride out a restart as a service does.
        .use(kafka({ ...connection, groupId: 'bus-cli', retries: 3, retryDelayMs: 500 }));
      await bus.start();
      try {
        const receipt = await bus.publish(type, data, {
          ...(flags.key === undefined ? {} : { key: flags.key }),
          ...(flags.subject === undefined ? {} : { subject: flags.subject }),
          ...(flags.contentType === undefined ? {} : { datacontenttype: flags.contentType }),
          extensions: flags.header ?? {},
        });
        const topic = bus.kafka.topicFor(type);
        ctx.result({ ...receipt, topic, key: flags.key ?? null }, () => `Published ${receipt.id} (${receipt.type}) to topic ${topic}.`);
      } finally {
        await bus.stop();
      }
      return undefined;
    }),
  );
}

/** Parses one `--header name=value` into the map of the earlier ones. */
function header(text: string, previous: Readonly<Record<string, ExtensionValue>>): Record<string, ExtensionValue> {
  const equals = text.indexOf('=');
  const name = equals < 0 ? text : text.slice(0, equals);
  if (equals < 0) throw new InvalidArgumentError(`'${text}' is not name=value.`);
  if (!EXTENSION_NAME.test(name))
    throw new InvalidArgumentError(`'${name}' is not a CloudEvents extension name: 1-20 lowercase letters or digits.`);
  if (RESERVED.has(name))
    throw new InvalidArgumentError(`'${name}' is a CloudEvents attribute with a flag or a value of its own, not a header.`);
  return { ...previous, [name]: text.slice(equals + 1) };
}

/** The data argument: JSON text, `@file`, `-` (stdin), or nothing. A bad value is a usage error. */
async function readData(ctx: CommandContext, argument: string | undefined): Promise<unknown> {
  if (argument === undefined) return undefined;
  let text: string;
  let from: string;
  if (argument === '-') {
    text = await readAll(ctx.io);
    from = 'stdin';
  } else if (argument.startsWith('@')) {
    const file = path.resolve(ctx.io.cwd, argument.slice(1));
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      return ctx.usage(`cannot read the data file ${file}: ${(error as Error).message}`);
    }
    from = file;
  } else {
    text = argument;
    from = 'the data argument';
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    return ctx.usage(`${from} is not JSON (${(error as Error).message}); a string needs quotes: '"text"'.`);
  }
}
