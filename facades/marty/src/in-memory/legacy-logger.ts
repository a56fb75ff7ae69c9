/**
 * The module logger of the older Marty events module (`logging.getLogger`),
 * which Marty's tests patch: replace its methods (`vi.spyOn(logger, 'info')`)
 * and the in-memory bus uses the replacement, since it looks each method up on every call.
 */
import { consoleLogger, type Logger } from '@bus/core';

/**
 * A Python-style logger: one message per call.
 *
 * @example
 * ```ts
 * const quiet: LegacyLogger = { debug() {}, info() {}, warning() {}, error() {} };
 * ```
 */
export interface LegacyLogger {
  /** Detail. */
  debug(message: string): void;
  /** Normal operation. */
  info(message: string): void;
  /** Something odd. */
  warning(message: string): void;
  /** A failure. */
  error(message: string): void;
}

const sink = consoleLogger();

/**
 * The logger of the in-memory API. By default it prints through `consoleLogger()` of `@bus/core`
 * (silent under a test runner); replace its methods to capture or redirect the lines.
 *
 * @example
 * ```ts
 * import { logger } from '@bus/facade-marty/in-memory';
 * logger.info = (message) => pino.info(message);
 * ```
 */
export const logger: LegacyLogger = {
  debug: (message) => sink.debug({}, message),
  info: (message) => sink.info({}, message),
  warning: (message) => sink.warn({}, message),
  error: (message) => sink.error({}, message),
};

/**
 * The bus's `Logger` on top of {@link logger}, read on every call.
 *
 * @internal
 */
export const busLogger: Logger = {
  debug: (_fields, message) => logger.debug(message),
  info: (_fields, message) => logger.info(message),
  warn: (_fields, message) => logger.warning(message),
  error: (_fields, message) => logger.error(message),
};
