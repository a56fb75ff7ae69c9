/**
 * Where the CLI reads and writes. The `bus` binary gives it the process's
 * streams and a signal aborted by Ctrl-C; tests and embedders give their own.
 */

/**
 * A stream the CLI writes to (a `process.stdout` is one).
 *
 * @example
 * ```ts
 * const lines: string[] = [];
 * const stdout: CliOutput = { write: (text) => lines.push(text) };
 * ```
 */
export interface CliOutput {
  /** Writes text. */
  write(text: string): unknown;
  /** Whether it is a terminal (progress bars and colours only then). */
  readonly isTTY?: boolean | undefined;
}

/**
 * The CLI's surroundings.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * process.once('SIGINT', () => controller.abort());
 * const io: CliIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd(), signal: controller.signal };
 * process.exitCode = await runCli(process.argv.slice(2), io);
 * ```
 */
export interface CliIo {
  /** Results: tables, JSON. */
  readonly stdout: CliOutput;
  /** Messages, questions, progress and errors. */
  readonly stderr: CliOutput;
  /**
   * Answers to questions, and `-` data for `publish`. `isTTY` says whether someone can answer: `replay` refuses
   * a large replay without `--yes` when it is not a terminal.
   */
  readonly stdin: AsyncIterable<string | Uint8Array> & { readonly isTTY?: boolean | undefined };
  /** Environment variables (`BUS_KAFKA_BROKERS`, `BUS_OUTBOX`, `BUS_CONFIG`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The directory `bus.config.json` and relative paths are looked up in. */
  readonly cwd: string;
  /** Aborted to stop a long-running command (`tail`) cleanly, e.g. on Ctrl-C. */
  readonly signal: AbortSignal;
}
