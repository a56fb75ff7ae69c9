/**
 * The exit codes of `bus`, so scripts can tell a failure from a mistake in
 * the command line.
 */

/**
 * Exit codes: `OK` (0), `FAILURE` (1: the store, broker or data failed, nothing matched, or a question was declined),
 * `USAGE` (2: an unknown command or flag, or a bad value).
 *
 * @example
 * ```ts
 * const code = await runCli(['outbox', 'status', '--outbox', 'sqlite:outbox.db']);
 * if (code === EXIT_CODES.USAGE) process.stderr.write('see bus --help\n');
 * ```
 */
export const EXIT_CODES = { OK: 0, FAILURE: 1, USAGE: 2 } as const;

/**
 * One of {@link EXIT_CODES}.
 *
 * @example
 * ```ts
 * const code: ExitCode = EXIT_CODES.OK;
 * ```
 */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];
