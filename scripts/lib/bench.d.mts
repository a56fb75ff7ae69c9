/** One benchmark result against a named baseline, as scripts/bench.mjs collects it. */
export interface BenchResult {
  name: string;
  opsPerSec: number;
  baseline: string;
  baselineOpsPerSec: number;
  ratio: number;
  goal?: string;
  [field: string]: unknown;
}

/** How long each task runs, in ms (`BUS_BENCH_TIME_MS`, default 1,500). */
export declare const benchTimeMs: number;

/** Runs every task in one tinybench run and returns its mean ops/s by name. */
export declare function measure(
  tasks: Record<string, () => unknown>,
  options?: { time?: number; warmupTime?: number },
): Promise<Map<string, number>>;

/** One result: `ops` against `baselineOps`, with the ratio; `extra` adds fields (goal, …). */
export declare function benchResult(
  name: string,
  baseline: string,
  baselineOps: number,
  ops: number,
  extra?: Record<string, unknown>,
): BenchResult;

/** A package's results and how to print them. */
export interface BenchReport {
  readonly results: BenchResult[];
  report(name: string, baseline: string, baselineOps: number, ops: number, extra?: Record<string, unknown>): void;
  /** Measures `tasks` in one run; every task but the baseline becomes `${name}: ${task}`; `goal` on `goalTask` (or all). */
  compare(name: string, baselineName: string, tasks: Record<string, () => unknown>, goal?: string, goalTask?: string): Promise<void>;
  print(decorate?: (result: BenchResult) => BenchResult): void;
}

/** Collects a package's results and prints them as BENCH_RESULT lines. */
export declare function createBenchReport(pkg: string): BenchReport;
