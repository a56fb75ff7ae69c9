// The benchmark harness every package's bench/*.bench.ts shares: run tasks
// with tinybench, turn ops/s into results against a named baseline, and print
// the BENCH_RESULT lines scripts/bench.mjs collects.
import { Bench } from 'tinybench';

/** How long each task runs, in ms (`BUS_BENCH_TIME_MS`, default 1,500). */
export const benchTimeMs = Number(process.env.BUS_BENCH_TIME_MS ?? 1500);

/** Runs every task in one tinybench run and returns its mean ops/s by name. */
export async function measure(tasks, { time = benchTimeMs, warmupTime = 300 } = {}) {
  const bench = new Bench({ time, warmupTime });
  for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn);
  await bench.run();
  const opsPerSec = new Map();
  for (const name of Object.keys(tasks)) {
    const result = bench.getTask(name)?.result;
    opsPerSec.set(name, result?.throughput?.mean ?? result?.hz ?? Number.NaN);
  }
  return opsPerSec;
}

/** One result: `ops` against `baselineOps`, with the ratio; `extra` adds fields (goal, …). */
export function benchResult(name, baseline, baselineOps, ops, extra = {}) {
  return {
    name,
    opsPerSec: Math.round(ops),
    baseline,
    baselineOpsPerSec: Math.round(baselineOps),
    ratio: Number((ops / baselineOps).toFixed(3)),
    ...extra,
  };
}

/** Collects a package's results and prints them as BENCH_RESULT lines. */
export function createBenchReport(pkg) {
  const results = [];
  return {
    results,
    report(name, baseline, baselineOps, ops, extra) {
      results.push(benchResult(name, baseline, baselineOps, ops, extra));
    },
    /** Measures `tasks` in one run; every task but the baseline becomes `${name}: ${task}`. */
    async compare(name, baselineName, tasks, goal, goalTask) {
      const opsPerSec = await measure(tasks);
      const baselineOps = opsPerSec.get(baselineName) ?? Number.NaN;
      for (const [taskName, ops] of opsPerSec) {
        if (taskName === baselineName) continue;
        const withGoal = goal !== undefined && (goalTask === undefined || goalTask === taskName);
        results.push(benchResult(`${name}: ${taskName}`, baselineName, baselineOps, ops, withGoal ? { goal } : {}));
      }
    },
    print(decorate = (result) => result) {
      for (const result of results) console.log(`BENCH_RESULT ${JSON.stringify({ package: pkg, ...decorate(result) })}`);
    },
  };
}
