/**
 * The flags commands share, added by one function per group so every
 * command spells them alike: output (`--json`, `--config`, `--verbose`),
 * the outbox, Kafka, and the dead-letter filters.
 */
import { type Command, Option } from 'commander';
import { SASL_MECHANISMS } from './config-file.js';
import { parseCount, parseTimeBound } from './time-bound.js';

/** The flags every command has. */
export interface CommonFlags {
  readonly json?: boolean;
  readonly config?: string;
  readonly verbose?: boolean;
}

/** `--json`, `--config <file>`, `--verbose`. */
export function withCommonOptions(command: Command): Command {
  return command
    .option('--json', 'print JSON for scripts instead of text')
    .option('-c, --config <file>', 'the config file (env BUS_CONFIG; default ./bus.config.json if present)')
    .option('-v, --verbose', "also print the bus's debug and info log lines, and stack traces of failures");
}

/** `--outbox`, `--schema` and the table names. */
export function withOutboxOptions(command: Command): Command {
  return command
    .option('--outbox <url>', 'the outbox: postgres://… or sqlite:<path> (env BUS_OUTBOX)')
    .option('--schema <name>', 'the Postgres schema of the outbox tables (default public)')
    .option('--outbox-table <name>', 'the outbox table (default bus_outbox)')
    .option('--dead-letter-table <name>', 'the dead-letter table (default bus_outbox_dead)')
    .option('--inbox-table <name>', 'the inbox table (default bus_inbox)')
    .option('--version-table <name>', 'the schema-version table (default bus_outbox_version)');
}

/** `--brokers`, `--client-id`, `--sasl-*`, `--tls*`. */
export function withKafkaOptions(command: Command): Command {
  return command
    .option('-b, --brokers <list>', 'Kafka bootstrap brokers, host:port[,host:port] (env BUS_KAFKA_BROKERS)')
    .option('--client-id <id>', 'the client id the brokers see (default bus-cli)')
    .addOption(
      new Option('--sasl-mechanism <mechanism>', 'SASL mechanism (env BUS_KAFKA_SASL_MECHANISM)').choices(SASL_MECHANISMS as string[]),
    )
    .option('--sasl-username <name>', 'SASL user name (env BUS_KAFKA_SASL_USERNAME)')
    .option('--sasl-password <password>', 'SASL password; prefer env BUS_KAFKA_SASL_PASSWORD (flags show in ps)')
    .option('--tls', 'connect with TLS')
    .option('--tls-ca <file>', 'a PEM file of the CA to trust (implies --tls)')
    .option('--tls-servername <name>', 'the server name to check the certificate against');
}

/** `--type`, `--code`, `--key`, `--since`, `--until`, `--id` (repeatable), `--limit`. */
export function withDeadLetterFilters(command: Command, limitHelp: string): Command {
  return command
    .option('-t, --type <type>', 'only dead letters of this event type')
    .option('--code <code>', 'only those whose last error has this error code (e.g. TRANSPORT_FAILED)')
    .option('--key <key>', 'only those with this partition key')
    .option('--since <time>', 'only those that died at or after: 15m, 2h, 7d ago, an ISO time, or epoch ms', (text) => parseTimeBound(text))
    .option('--until <time>', 'only those that died before (same forms as --since)', (text) => parseTimeBound(text))
    .option('--id <id>', 'only this event id or seq (repeatable)', (text: string, previous: string[] | undefined) => [
      ...(previous ?? []),
      text,
    ])
    .option('-n, --limit <n>', limitHelp, (text) => parseCount(text));
}
