// The fault tests' cluster: node processes (faults/node-child.ts) on one
// election, their output lines, and the accepted-writes log they share.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { requirePostgresUrl } from './engines.js';

/** One line a node printed. */
export interface NodeLine {
  readonly tag: string;
  /** CLOCK_MONOTONIC ms (the same clock in every process of the host). */
  readonly at: number;
  readonly ev: 'ready' | 'elected' | 'lost' | 'write' | 'refused' | 'error' | 'pool-error';
  readonly epoch?: number;
  readonly seq?: number;
  readonly code?: string;
  readonly message?: string;
}

/** One row of the accepted-writes log. */
export interface AcceptedRow {
  readonly seq: number;
  readonly epoch: number;
  readonly node: string;
  /** When the writer last checked that it leads (monotonic ms). */
  readonly believedAt: number;
}

export const monotonicNow = (): number => Number(process.hrtime.bigint()) / 1e6;

export class NodeCluster {
  readonly pgUrl = requirePostgresUrl();
  readonly schema = `bus_cluster_fault_${process.pid}_${randomBytes(3).toString('hex')}`;
  readonly election = `fault-${randomBytes(3).toString('hex')}`;
  readonly admin = new pg.Pool({ connectionString: this.pgUrl, max: 4 });
  readonly lines: NodeLine[] = [];
  readonly children = new Map<string, ChildProcess>();
  #spawned = 0;

  constructor(
    private readonly env: Record<string, string> = {},
    private readonly script = 'node-child.ts',
  ) {}

  async setup(): Promise<void> {
    await this.admin.query(`CREATE SCHEMA "${this.schema}"`);
    await this.admin.query(
      `CREATE TABLE "${this.schema}".accepted (seq bigserial PRIMARY KEY, epoch bigint NOT NULL, node text NOT NULL, believed_at float8 NOT NULL)`,
    );
  }

  /** Starts a node; resolves with its tag once it is ready (its bus started). */
  start(extraEnv: Record<string, string> = {}): Promise<string> {
    const tag = `n${++this.#spawned}`;
    const child = spawn(process.execPath, [path.join(import.meta.dirname, '..', 'faults', this.script)], {
      env: { ...process.env, PG_URL: this.pgUrl, PG_SCHEMA: this.schema, ELECTION: this.election, TAG: tag, ...this.env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.children.set(tag, child);
    child.once('exit', () => this.children.delete(tag));
    let buffered = '';
    return new Promise((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const parts = buffered.split('\n');
        buffered = parts.pop() ?? '';
        for (const part of parts) {
          if (!part.startsWith('{')) continue; // a log line of the bus, not one of the node's
          const line = JSON.parse(part) as NodeLine;
          this.lines.push(line);
          if (line.ev === 'ready') resolve(tag);
        }
      });
      child.once('exit', (code, signal) => reject(new Error(`node ${tag} exited before ready (${code ?? signal})`)));
    });
  }

  /** The tag of the node whose last elected/lost line says it leads, if any. */
  leader(): { tag: string; epoch: number } | undefined {
    const state = new Map<string, number | undefined>();
    for (const line of this.lines) {
      if (line.ev === 'elected') state.set(line.tag, line.epoch);
      if (line.ev === 'lost') state.set(line.tag, undefined);
    }
    for (const [tag, epoch] of state) if (epoch !== undefined && this.children.has(tag)) return { tag, epoch };
    return undefined;
  }

  linesOf(ev: NodeLine['ev'], tag?: string): NodeLine[] {
    return this.lines.filter((line) => line.ev === ev && (tag === undefined || line.tag === tag));
  }

  /** Sends `signal`; for SIGKILL, resolves once the process is gone. */
  async signal(tag: string, signal: NodeJS.Signals): Promise<void> {
    const child = this.children.get(tag);
    if (child === undefined) throw new Error(`no node ${tag}`);
    if (signal !== 'SIGKILL') {
      child.kill(signal);
      return;
    }
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async accepted(): Promise<AcceptedRow[]> {
    const { rows } = await this.admin.query(`SELECT seq, epoch, node, believed_at FROM "${this.schema}".accepted ORDER BY seq`);
    return rows.map((r) => ({ seq: Number(r.seq), epoch: Number(r.epoch), node: r.node as string, believedAt: Number(r.believed_at) }));
  }

  async teardown(): Promise<void> {
    for (const child of this.children.values()) child.kill('SIGKILL');
    await this.admin.query(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`);
    await this.admin.end();
  }
}

/** What the accepted log shows: runs of one epoch in seq order, and whether any two overlap. */
export interface LogAnalysis {
  /** The epochs in the order their runs appear (a repeated epoch means interleaving). */
  readonly runs: readonly { epoch: number; node: string; writes: number; firstBelief: number; lastBelief: number }[];
  /** Epochs that appear in more than one run. */
  readonly interleaved: readonly number[];
  /** Whether the epochs of the runs strictly increase. */
  readonly increasing: boolean;
  /** Pairs of runs whose belief intervals overlap in time (two nodes believing they lead and writing at once). */
  readonly overlaps: readonly string[];
}

export function analyse(rows: readonly AcceptedRow[]): LogAnalysis {
  const runs: { epoch: number; node: string; writes: number; firstBelief: number; lastBelief: number }[] = [];
  for (const row of rows) {
    const last = runs.at(-1);
    if (last !== undefined && last.epoch === row.epoch) {
      last.writes++;
      last.firstBelief = Math.min(last.firstBelief, row.believedAt);
      last.lastBelief = Math.max(last.lastBelief, row.believedAt);
    } else runs.push({ epoch: row.epoch, node: row.node, writes: 1, firstBelief: row.believedAt, lastBelief: row.believedAt });
  }
  const seen = new Set<number>();
  const interleaved = new Set<number>();
  for (const run of runs) {
    if (seen.has(run.epoch)) interleaved.add(run.epoch);
    seen.add(run.epoch);
  }
  const overlaps: string[] = [];
  for (let i = 1; i < runs.length; i++) {
    const before = runs[i - 1] as (typeof runs)[number];
    const after = runs[i] as (typeof runs)[number];
    if (after.firstBelief <= before.lastBelief) {
      overlaps.push(
        `epoch ${before.epoch} (${before.node}) believed until ${before.lastBelief.toFixed(1)}, epoch ${after.epoch} (${after.node}) from ${after.firstBelief.toFixed(1)}`,
      );
    }
  }
  return {
    runs,
    interleaved: [...interleaved],
    increasing: runs.every((run, i) => i === 0 || run.epoch > (runs[i - 1] as (typeof runs)[number]).epoch),
    overlaps,
  };
}
