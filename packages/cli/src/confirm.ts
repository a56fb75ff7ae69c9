/** The question `redrive` and `purge` ask before they change anything (`--yes` skips it). */
import type { CliIo } from './cli-io.js';

/**
 * Writes `question [y/N] ` to stderr and reads one line from stdin: true for
 * `y` or `yes` (any case); false for anything else, an empty line, or stdin
 * closing first (no one there to answer: a script should pass `--yes`).
 */
export async function confirm(io: CliIo, question: string): Promise<boolean> {
  io.stderr.write(`${question} [y/N] `);
  let line = '';
  const decoder = new TextDecoder();
  for await (const chunk of io.stdin) {
    line += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (line.includes('\n')) break;
  }
  const answer = line.split('\n')[0]?.trim().toLowerCase() ?? '';
  if (!line.includes('\n')) io.stderr.write('\n');
  return answer === 'y' || answer === 'yes';
}

/** All of stdin as text (`bus publish <type> -`). */
export async function readAll(io: CliIo): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of io.stdin) text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}
