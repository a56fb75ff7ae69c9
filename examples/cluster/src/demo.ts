// The demo: two workers on one SQLite file. Wait until one leads and has
// written, kill it with SIGKILL, wait until the other leads and has written,
// stop it, and read the ledger back. Every step waits for an event, never for
// a fixed time, so a slow machine only makes it slower.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/** One line a worker printed. */
interface WorkerLine {
  readonly worker: string;
  readonly event: 'ready' | 'leading' | 'wrote' | 'refused' | 'stepped-down' | 'member-joined' | 'error';
  readonly epoch?: number;
  readonly n?: number;
  readonly member?: string;
  /** When the demo read the line (monotonic ms). */
  readonly at: number;
}

/** What the demo saw. */
export interface DemoResult {
  /** From the kill of the first leader to the second leader's election, in ms. */
  readonly failoverMs: number;
  /** The ledger's runs of one epoch, in order. */
  readonly runs: readonly { readonly epoch: number; readonly worker: string; readonly entries: number }[];
  /** Writes the fence refused. */
  readonly refused: number;
  /** The worker killed (the first leader) and the one that took over. */
  readonly killed: string;
  readonly successor: string;
}

const now = () => performance.now();

export async function runDemo(
  options: { readonly writesPerLeader?: number; readonly log?: (line: string) => void } = {},
): Promise<DemoResult> {
  const writes = options.writesPerLeader ?? 20;
  const log = options.log ?? (() => {});
  const dir = mkdtempSync(path.join(tmpdir(), 'bus-example-cluster-'));
  const file = path.join(dir, 'ledger.db');
  const lines: WorkerLine[] = [];
  const children = new Map<string, ChildProcess>();
  const waiters = new Set<() => void>();

  const start = (worker: string) => {
    const child = spawn(process.execPath, [path.join(import.meta.dirname, 'worker.ts'), file, worker], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.set(worker, child);
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const part of parts.filter((p) => p.trim() !== '')) {
        // The bus's own log lines (the default logger prints to stdout) are passed on as they are.
        if (!part.startsWith('{')) {
          log(`  ${part}`);
          continue;
        }
        const line = { ...(JSON.parse(part) as Omit<WorkerLine, 'at'>), at: now() };
        lines.push(line);
        if (line.event !== 'wrote') {
          log(
            `${line.worker}: ${line.event}${line.epoch === undefined ? '' : ` (epoch ${line.epoch})`}${line.member === undefined ? '' : ` ${line.member}`}`,
          );
        }
        for (const wake of waiters) wake();
      }
    });
  };
  /** Resolves with the first line that matches, waiting for it as long as it takes (the test runner bounds it). */
  const until = (match: (line: WorkerLine) => boolean): Promise<WorkerLine> =>
    new Promise((resolve) => {
      const check = () => {
        const found = lines.find(match);
        if (found === undefined) return;
        waiters.delete(check);
        resolve(found);
      };
      waiters.add(check);
      check();
    });

  try {
    start('worker-a');
    start('worker-b');
    await until((l) => l.event === 'ready' && l.worker === 'worker-a');
    await until((l) => l.event === 'ready' && l.worker === 'worker-b');
    const first = await until((l) => l.event === 'leading');
    await until((l) => l.event === 'wrote' && l.worker === first.worker && (l.n ?? 0) >= writes);

    log(`killing ${first.worker} (the leader, epoch ${first.epoch}) with SIGKILL`);
    const victim = children.get(first.worker) as ChildProcess;
    const exited = new Promise((resolve) => victim.once('exit', resolve));
    const killedAt = now();
    victim.kill('SIGKILL');
    await exited;
    const second = await until((l) => l.event === 'leading' && l.worker !== first.worker);
    const failoverMs = second.at - killedAt;
    log(`${second.worker} leads with epoch ${second.epoch}, ${Math.round(failoverMs)} ms after the kill`);
    const lastOfFirst = Math.max(...lines.filter((l) => l.event === 'wrote' && l.worker === first.worker).map((l) => l.n ?? 0));
    await until((l) => l.event === 'wrote' && l.worker === second.worker && (l.n ?? 0) >= lastOfFirst + writes);

    const survivor = children.get(second.worker) as ChildProcess;
    const stopped = new Promise((resolve) => survivor.once('exit', resolve));
    survivor.kill('SIGTERM');
    await stopped;

    const db = new DatabaseSync(file, { readOnly: true });
    const rows = db.prepare('SELECT epoch, worker FROM ledger ORDER BY n').all() as { epoch: number; worker: string }[];
    db.close();
    const runs: { epoch: number; worker: string; entries: number }[] = [];
    for (const row of rows) {
      const last = runs.at(-1);
      if (last?.epoch === row.epoch) last.entries++;
      else runs.push({ epoch: row.epoch, worker: row.worker, entries: 1 });
    }
    return { failoverMs, runs, refused: lines.filter((l) => l.event === 'refused').length, killed: first.worker, successor: second.worker };
  } finally {
    for (const child of children.values()) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
