/** The `bus` command tree, on commander. */
import { Command } from 'commander';
import type { CliIo } from './cli-io.js';
import type { ExitCodeSlot } from './command-context.js';
import { registerAsyncApiCommand } from './commands/asyncapi.js';
import { registerDlqCommands } from './commands/dlq.js';
import { registerOutboxCommands } from './commands/outbox-status.js';
import { registerPublishCommand } from './commands/publish.js';
import { registerReplayCommand } from './commands/replay.js';
import { registerTailCommand } from './commands/tail.js';
import { registerUiCommand } from './commands/ui.js';
import { CLI_VERSION } from './version.js';

/**
 * The program: settings first, since commander copies them into the
 * subcommands made after them (errors thrown instead of `process.exit`,
 * output through `io`, suggestions for a mistyped flag).
 */
export function buildProgram(io: CliIo, slot: ExitCodeSlot): Command {
  const program = new Command('bus')
    .description('Operate a bus: outbox status, dead letters, publish and tail on Kafka, replay the event store, describe it in AsyncAPI.')
    .version(CLI_VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => void io.stderr.write(text),
    })
    .showHelpAfterError('(add --help for usage)')
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      [
        '',
        'Exit codes: 0 done, 1 a failure (store, broker, data; nothing found; not confirmed), 2 a usage error.',
        'Connections: flags, else BUS_OUTBOX, BUS_STORE, BUS_KAFKA_BROKERS, BUS_KAFKA_SASL_*, else bus.config.json (--config, BUS_CONFIG).',
      ].join('\n'),
    );
  registerOutboxCommands(program, io, slot);
  registerDlqCommands(program, io, slot);
  registerPublishCommand(program, io, slot);
  registerTailCommand(program, io, slot);
  registerReplayCommand(program, io, slot);
  registerAsyncApiCommand(program, io, slot);
  registerUiCommand(program, io, slot);
  return program;
}
