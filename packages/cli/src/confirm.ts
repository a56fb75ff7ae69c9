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
  const lines = io.stdin[Symbol.asyncIterator]();
  // Ctrl-C while the question waits is a "no", not a hang until the next key.
  const aborted = new Promise<'aborted'>((resolve) => {
    if (io.signal.aborted) resolve('aborted');
    io.signal.addEventListener('abort', () => resolve('aborted'), { once: true });
  });
  try {
    while (!line.includes('\n')) {
      const next = await Promise.race([lines.next(), aborted]);
      if (next === 'aborted' || next.done === true) break;
      line += typeof next.value === 'string' ? next.value : decoder.decode(next.value, { stream: true });
    }
  } finally {
    // Not awaited: with a read still pending (after Ctrl-C) it would wait for input that may never come.
    void lines.return?.()?.catch(() => undefined);
  }
  const answer = line.split('\n')[0]?.trim().toLowerCase() ?? '';
  if (!line.includes('\n')) io.stderr.write('\n');
  return !io.signal.aborted && (answer === 'y' || answer === 'yes');
}

/** All of stdin as text (`bus publish <type> -`). */
export async function readAll(io: CliIo): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of io.stdin) text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}
