#!/usr/bin/env node
// Runs every workspace package's `bench` script, collects the BENCH_RESULT
// lines they print, writes bench/results/<package>.json and prints one table.
// Each result: { name, opsPerSec, baseline, baselineOpsPerSec, ratio, goal? }.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const only = process.argv.slice(2);
const packages = [];
for (const folder of ['packages', 'facades', 'examples']) {
  const dir = join(root, folder);
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir)) {
    const manifestPath = join(dir, name, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    if (manifest.scripts?.bench && (only.length === 0 || only.includes(manifest.name)))
      packages.push({ name: manifest.name, dir: join(dir, name) });
  }
}

const resultsDir = join(root, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
const rows = [];
const latencyRows = [];
let failed = false;
for (const pkg of packages) {
  console.error(`bench: ${pkg.name} …`);
  const run = spawnSync('pnpm', ['run', '--silent', 'bench'], { cwd: pkg.dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (run.status !== 0) {
    console.error(`bench: ${pkg.name} failed with exit code ${run.status}`);
    failed = true;
    continue;
  }
  const lines = run.stdout.split('\n');
  const results = lines.filter((line) => line.startsWith('BENCH_RESULT ')).map((line) => JSON.parse(line.slice('BENCH_RESULT '.length)));
  // Latency results have percentiles, not a throughput ratio: kept in the file, listed after the table.
  const latencies = lines
    .filter((line) => line.startsWith('BENCH_LATENCY '))
    .map((line) => JSON.parse(line.slice('BENCH_LATENCY '.length)));
  latencyRows.push(...latencies);
  const file = join(resultsDir, `${pkg.name.replace(/^@bus\//, '').replace(/[^a-z0-9-]/gi, '-')}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ package: pkg.name, node: process.version, date: new Date().toISOString(), results }, null, 2)}\n`,
  );
  rows.push(...results);
}

const format = (n) => Math.round(n).toLocaleString('en-US');
console.log('\n| benchmark | ops/s | baseline | baseline ops/s | ratio | goal |');
console.log('|---|---:|---|---:|---:|---|');
for (const r of rows) {
  console.log(
    `| ${r.name} | ${format(r.opsPerSec)} | ${r.baseline} | ${format(r.baselineOpsPerSec)} | ${r.ratio.toFixed(2)}x | ${r.goal ?? ''} |`,
  );
}
for (const latency of latencyRows) console.log(`latency: ${JSON.stringify(latency)}`);
console.log(`\n(${process.version}, ${new Date().toISOString()}; results in bench/results/)`);
process.exit(failed ? 1 : 0);
