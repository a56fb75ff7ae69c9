/** What a command's action gets: the IO, the loaded config, and how to print its result. */
import type { Logger } from '@bus/core';
import type { Command } from 'commander';
import type { CliIo } from './cli-io.js';
import { cliLogger } from './cli-logger.js';
import type { CommonFlags } from './command-options.js';
import { type LoadedConfig, loadConfig } from './config-file.js';
import { EXIT_CODES, type ExitCode } from './exit-codes.js';

/** One run of one command. */
export interface CommandContext {
  /** The CLI's surroundings. */
  readonly io: CliIo;
  /** The config file's contents (empty when there is none). */
  readonly config: LoadedConfig;
  /** Whether `--json` was given. */
  readonly json: boolean;
  /** The logger given to buses. */
  readonly logger: Logger;
  /** Prints the result: `value` as one line of JSON with `--json`, else `text()`. */
  result(value: unknown, text: () => string): void;
  /** Prints a message for people on stderr (never with the result on stdout). */
  note(text: string): void;
  /** Fails as a usage error (exit 2), as commander does for a bad flag. */
  usage(message: string): never;
}

/** An action: gets its flags and arguments, resolves to its exit code (default 0); a thrown error is a failure (exit 1). */
export type CommandAction<F, A extends unknown[]> = (ctx: CommandContext, flags: F, ...args: A) => Promise<ExitCode | undefined>;

/** Where an action's exit code is kept until `parseAsync` returns. */
export interface ExitCodeSlot {
  code: ExitCode;
}

/**
 * The commander action of `action`: builds the context from the command's
 * flags, runs it, and stores its exit code in `slot`.
 */
export function commandAction<F, A extends unknown[] = []>(io: CliIo, slot: ExitCodeSlot, action: CommandAction<F, A>) {
  return async (...parameters: unknown[]): Promise<void> => {
    const command = parameters.at(-1) as Command;
    const flags = command.opts<CommonFlags & F>();
    const json = flags.json === true;
    const ctx: CommandContext = {
      io,
      config: loadConfig(flags.config, io.env, io.cwd),
      json,
      logger: cliLogger(io.stderr, flags.verbose === true),
      result(value, text) {
        io.stdout.write(`${json ? JSON.stringify(value) : text()}\n`);
      },
      note(text) {
        io.stderr.write(`${text}\n`);
      },
      usage(message) {
        return command.error(`error: ${message}`, { exitCode: EXIT_CODES.USAGE, code: 'bus.usage' });
      },
    };
    // commander passes the declared arguments first, then the options object and the command.
    slot.code = (await action(ctx, flags, ...(parameters.slice(0, -2) as A))) ?? EXIT_CODES.OK;
  };
}
