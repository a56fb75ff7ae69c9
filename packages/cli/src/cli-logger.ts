/** The bus logger of the CLI: the bus's warnings and errors on stderr, `--verbose` adds the rest. */
import type { LogFields, Logger } from '@bus/core';
import type { CliOutput } from './cli-io.js';

/** A logger writing `[bus] message {fields}` lines to `out`; debug and info only when `verbose`. */
export function cliLogger(out: CliOutput, verbose: boolean): Logger {
  const line = (level: string) => (fields: LogFields, message: string) => {
    const detail = Object.keys(fields).length === 0 ? '' : ` ${safeJson(fields)}`;
    out.write(`[bus ${level}] ${message}${detail}\n`);
  };
  const quiet = () => {};
  return { debug: verbose ? line('debug') : quiet, info: verbose ? line('info') : quiet, warn: line('warn'), error: line('error') };
}

function safeJson(fields: LogFields): string {
  try {
    return JSON.stringify(fields, (_key, value: unknown) =>
      value instanceof Error ? { name: value.name, message: value.message } : value,
    );
  } catch {
    return '[unprintable fields]';
  }
}
