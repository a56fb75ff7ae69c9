/**
 * The bus's one logger. Its shape is what pino and `console` share: a level
 * method taking a structured fields object, then a message, so
 * `createBus({ logger: pino() })` and `createBus({ logger: console })` both work.
 */

/** Structured fields of a log line (an error goes in `err`, as pino expects). */
export type LogFields = Readonly<Record<string, unknown>>;

/** One level of a {@link Logger}: fields first, then the message (pino's order). */
export type LogMethod = (fields: LogFields, message: string) => void;

/**
 * What `createBus({ logger })` takes: pino, `console`, or anything with these four methods.
 *
 * @example
 * ```ts
 * const lines: string[] = [];
 * const logger: Logger = {
 *   debug: () => {},
 *   info: (fields, message) => lines.push(message),
 *   warn: (fields, message) => lines.push(message),
 *   error: (fields, message) => lines.push(message),
 * };
 * const bus = createBus({ logger });
 * ```
 */
export interface Logger {
  /** Detail for debugging. */
  readonly debug: LogMethod;
  /** Normal operation worth a line. */
  readonly info: LogMethod;
  /** Something went wrong but the bus carries on (a legacy mode, a dropped option). */
  readonly warn: LogMethod;
  /** A failure nobody handled. */
  readonly error: LogMethod;
}

/** How much the default logger prints. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };
const noop: LogMethod = () => {};

/**
 * The default logger: `console`, prefixed `[bus]`, from `level` up. Default
 * level: `silent` under a test runner (`NODE_ENV=test` or vitest), `info` otherwise.
 *
 * @example
 * ```ts
 * const bus = createBus({ logger: consoleLogger({ level: 'warn' }) });
 * ```
 */
export function consoleLogger(options: { readonly level?: LogLevel } = {}): Logger {
  const level = options.level ?? defaultLevel();
  const at = (wanted: LogLevel, print: (...args: unknown[]) => void): LogMethod =>
    RANK[wanted] < RANK[level]
      ? noop
      : (fields, message) => (Object.keys(fields).length === 0 ? print(`[bus] ${message}`) : print(`[bus] ${message}`, fields));
  return {
    debug: at('debug', console.debug),
    info: at('info', console.info),
    warn: at('warn', console.warn),
    error: at('error', console.error),
  };
}

function defaultLevel(): LogLevel {
  const env = typeof process === 'undefined' ? {} : process.env;
  return env.NODE_ENV === 'test' || env.VITEST !== undefined ? 'silent' : 'info';
}

/** Whether `logger` has the four level methods of a {@link Logger}. */
export function isLogger(logger: unknown): logger is Logger {
  if (typeof logger !== 'object' || logger === null) return false;
  const candidate = logger as Record<string, unknown>;
  return ['debug', 'info', 'warn', 'error'].every((level) => typeof candidate[level] === 'function');
}
