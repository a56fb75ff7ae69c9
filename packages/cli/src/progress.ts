/**
 * Progress of a command that walks many items (`dlq redrive`, `dlq purge`),
 * with cli-progress, on stderr: shown on a terminal, or when `--progress`
 * asks for it; never mixed into stdout, so `--json` output stays clean.
 */
import { SingleBar } from 'cli-progress';
import type { CliIo } from './cli-io.js';

/** A running progress display. */
export interface Progress {
  /** Moves to `done` of the total. */
  update(done: number): void;
  /** Finishes the bar (leaves it on screen with its final figure). */
  stop(): void;
}

const silent: Progress = { update: () => {}, stop: () => {} };

/**
 * A bar of `total` items labelled `label`, if `wanted` (`true`: always; `undefined`: when stderr is a terminal).
 */
export function startProgress(io: CliIo, label: string, total: number, wanted: boolean | undefined): Progress {
  const show = wanted ?? io.stderr.isTTY === true;
  if (!show) return silent;
  const bar = new SingleBar({
    format: `${label} [{bar}] {value}/{total} {percentage}%`,
    stream: io.stderr as unknown as NodeJS.WritableStream,
    // Off a terminal (a log file, a test), print the bar on each update instead of redrawing it.
    noTTYOutput: io.stderr.isTTY !== true,
    notTTYSchedule: 0,
    hideCursor: io.stderr.isTTY === true,
    etaBuffer: 20,
    barsize: 30,
  });
  bar.start(total, 0);
  return {
    update: (done) => bar.update(done),
    stop: () => bar.stop(),
  };
}
