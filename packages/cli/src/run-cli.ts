/**
 * Runs one `bus` command line and turns what happened into an exit code:
 * 0 done, 1 a failure (printed as its `BusError` code and message, no stack
 * trace unless `--verbose`), 2 a usage error (printed by commander, with a
 * suggestion and a pointer to `--help`).
 */
import process from 'node:process';
import { BusError } from '@bus/core';
import { CommanderError } from 'commander';
import type { CliIo } from './cli-io.js';
import type { ExitCodeSlot } from './command-context.js';
import { EXIT_CODES, type ExitCode } from './exit-codes.js';
import { buildProgram } from './program.js';

/**
 * Runs `argv` (the arguments after `bus`) and resolves to the exit code;
 * never rejects.
 *
 * @param argv - e.g. `['dlq', 'list', '--outbox', 'sqlite:outbox.db', '--json']`
 * @param io - where to read and write; default the process's streams
 * @example
 * ```ts
 * import { runCli } from '@bus/cli';
 *
 * process.exitCode = await runCli(['outbox', 'status', '--outbox', process.env.DATABASE_URL ?? '', '--json']);
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<ExitCode> {
  const slot: ExitCodeSlot = { code: EXIT_CODES.OK };
  try {
    await buildProgram(io, slot).parseAsync([...argv], { from: 'user' });
    return slot.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with exit code 0; a missing command, an unknown flag or a bad value with 1, which is ours 2.
      return error.exitCode === 0 ? EXIT_CODES.OK : EXIT_CODES.USAGE;
    }
    reportFailure(io, error, argv.includes('--json'), argv.includes('--verbose') || argv.includes('-v'));
    return EXIT_CODES.FAILURE;
  }
}

function reportFailure(io: CliIo, error: unknown, json: boolean, verbose: boolean): void {
  const code = BusError.is(error) ? error.code : 'UNEXPECTED';
  const message = error instanceof Error ? error.message : String(error);
  if (json) {
    const retryable = BusError.is(error) ? error.retryable : false;
    const eventId = BusError.is(error) ? error.eventId : undefined;
    io.stderr.write(`${JSON.stringify({ error: { code, message, retryable, ...(eventId === undefined ? {} : { eventId }) } })}\n`);
  } else {
    io.stderr.write(`bus: ${code}: ${message}\n`);
  }
  if (verbose && error instanceof Error && error.stack !== undefined) io.stderr.write(`${error.stack}\n`);
}

function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    signal: new AbortController().signal,
  };
}
