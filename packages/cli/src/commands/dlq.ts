/** `bus dlq`: the outbox's dead letters. */
import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import type { ExitCodeSlot } from '../command-context.js';
import { registerDlqChangeCommands } from './dlq-change.js';
import { registerDlqInspectCommands } from './dlq-inspect.js';

/** Adds `dlq list|show|redrive|purge` to `program`. */
export function registerDlqCommands(program: Command, io: CliIo, slot: ExitCodeSlot): void {
  const dlq = program.command('dlq').description("the outbox's dead letters: list, show, redrive, purge");
  registerDlqInspectCommands(dlq, io, slot);
  registerDlqChangeCommands(dlq, io, slot);
}
