// Runs the real built `bus` binary (dist/bin.js) as a child process, as an operator would.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));

export interface BusRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** Text written to stdin, which is then closed (stdin is closed at once when absent; left open with `'open'`). */
  readonly stdin?: string | 'open';
  /** Extra environment variables; the child gets no BUS_* variable of the test runner's. */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

function childEnv(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined && !name.startsWith('BUS_')) env[name] = value;
  return { ...env, ...extra };
}

/** Starts `bus <args>`; the caller reads and ends it. */
export function startBus(args: readonly string[], options: RunOptions = {}): BusProcess {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? process.cwd(), env: childEnv(options.env) });
  return new BusProcess(child, options.stdin);
}

/** Runs `bus <args>` to its end. */
export function runBus(args: readonly string[], options: RunOptions = {}): Promise<BusRun> {
  return startBus(args, options).exited;
}

/** A running `bus`, its output gathered as it comes. */
export class BusProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<BusRun>;
  readonly #waiters = new Set<() => void>();

  constructor(
    readonly child: ChildProcessWithoutNullStreams,
    stdin: string | undefined,
  ) {
    child.stdout.setEncoding('utf8').on('data', (text: string) => this.#grew(() => (this.stdout += text)));
    child.stderr.setEncoding('utf8').on('data', (text: string) => this.#grew(() => (this.stderr += text)));
    this.exited = new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => resolve({ code, signal, stdout: this.stdout, stderr: this.stderr }));
    });
    if (stdin === undefined) child.stdin.end();
    else if (stdin !== 'open') child.stdin.end(stdin);
  }

  #grew(append: () => void): void {
    append();
    for (const wake of this.#waiters) wake();
  }

  /** Resolves when stderr (or stdout) contains `text`; rejects if the process ends first. */
  async waitFor(text: string, stream: 'stdout' | 'stderr' = 'stderr'): Promise<void> {
    const has = () => this[stream].includes(text);
    if (has()) return;
    let ended = false;
    void this.exited.then(() => {
      ended = true;
      for (const wake of this.#waiters) wake();
    });
    await new Promise<void>((resolve, reject) => {
      const wake = () => {
        if (has()) {
          this.#waiters.delete(wake);
          resolve();
        } else if (ended) {
          this.#waiters.delete(wake);
          reject(new Error(`bus exited before printing ${JSON.stringify(text)}.\nstdout: ${this.stdout}\nstderr: ${this.stderr}`));
        }
      };
      this.#waiters.add(wake);
    });
  }
}
