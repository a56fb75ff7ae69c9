#!/usr/bin/env node
// `pnpm test`: start the local services (Kafka + Postgres), run every check in order
// against them, and always stop them again.
//
//   BUS_SKIP_SERVICES=1 pnpm test   use services you started yourself (BUS_KAFKA_BROKERS /
//                                   BUS_PG_URL from the environment or .services/env.json)
//   pnpm test:faults                only the fault tests (--faults), with the same services
//   pnpm test:soak                  only the soak, for 10 minutes (--soak; BUS_SOAK_MS to change it)
//
// Exits with the exit code of the first failing step (or 130/143 when interrupted).
// Plain Node ESM with node:* imports only.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The fault tests (issue 18): real brokers killed, stopped and restarted, relays and leaders killed. They also run
 * in the full `pnpm test`; `pnpm test:faults` (this script with `--faults`) runs them alone. Vitest's file filters.
 */
const FAULT_SUITES = [
  ['@bus/kafka', ['fault-']],
  ['@bus/outbox', ['relay-crash', 'relay-broker-stop']],
  ['@bus/cluster', ['faults']],
];

// `pnpm test:soak` (--soak): the soak alone, 10 minutes unless BUS_SOAK_MS says otherwise (every CI runs 60 s of it).
if (process.argv.includes('--soak')) process.env.BUS_SOAK_MS ??= '600000';

/** The checks, in order; the first failure stops the run. Edit freely. */
const STEPS = process.argv.includes('--soak')
  ? [
      ['pnpm', 'exec', 'turbo', 'run', 'build', '--output-logs=errors-only'],
      ['pnpm', '--filter', '@bus/kafka', 'exec', 'vitest', 'run', 'fault-soak'],
    ]
  : process.argv.includes('--faults')
    ? [
        ['pnpm', 'exec', 'turbo', 'run', 'build', '--output-logs=errors-only'],
        ...FAULT_SUITES.map(([pkg, files]) => ['pnpm', '--filter', pkg, 'exec', 'vitest', 'run', ...files]),
      ]
    : [
        ['pnpm', 'lint'],
        ['pnpm', 'exec', 'turbo', 'run', 'build', 'typecheck'],
        // Serial on purpose: 2 cores and one shared broker.
        ['pnpm', 'exec', 'turbo', 'run', 'test', '--concurrency=1'],
        ['pnpm', 'run', 'docs'],
      ];

const REPO_ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const SERVICES = 'scripts/services.mjs'; // relative to REPO_ROOT, the children's cwd
const ENV_FILE = path.join(REPO_ROOT, '.services', 'env.json');
const skipServices = process.env.BUS_SKIP_SERVICES === '1';

const summary = [];
let current; // the running child, so a signal can be forwarded to it
let interrupted;

const fmt = (ms) => `${(ms / 1000).toFixed(1)}s`;

function runStep(argv, { record = true } = {}) {
  const label = argv.join(' ');
  const started = Date.now();
  console.error(`\n▶ ${label}`);
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: REPO_ROOT, stdio: 'inherit', env: process.env });
    current = child;
    const finish = (code) => {
      current = undefined;
      const ms = Date.now() - started;
      if (record) summary.push({ label, code, ms });
      console.error(`${code === 0 ? '✔' : '✖'} ${label} (${fmt(ms)}${code === 0 ? '' : `, exit ${code}`})`);
      resolve(code);
    };
    child.once('error', (err) => {
      console.error(`cannot run ${label}: ${err.message}`);
      finish(127);
    });
    child.once('exit', (code, signal) => finish(code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : 1)));
  });
}

function loadServicesEnv() {
  let json = {};
  try {
    json = JSON.parse(fs.readFileSync(ENV_FILE, 'utf8'));
  } catch {
    if (!skipServices) throw new Error(`services are up but ${ENV_FILE} is unreadable`);
  }
  for (const key of ['BUS_KAFKA_BROKERS', 'BUS_PG_URL']) {
    if (json[key] && !(skipServices && process.env[key])) process.env[key] = json[key];
  }
  console.error(
    `services: BUS_KAFKA_BROKERS=${process.env.BUS_KAFKA_BROKERS ?? '(unset)'} BUS_PG_URL=${process.env.BUS_PG_URL ?? '(unset)'}`,
  );
}

let stopping;
function stopServices() {
  if (skipServices) return Promise.resolve(0);
  stopping ??= runStep(['node', SERVICES, 'down'], { record: false });
  return stopping;
}

function onSignal(signal) {
  if (interrupted) return; // second Ctrl-C: `down` is already on its way
  interrupted = signal;
  console.error(`\n${signal}: stopping`);
  // The child shares our process group and usually got the signal from the terminal too;
  // forward it anyway for `kill <pid>` of this process alone.
  if (current && current.exitCode === null) current.kill(signal);
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

async function main() {
  const started = Date.now();
  let exitCode = 0;
  try {
    if (!skipServices) {
      const code = await runStep(['node', SERVICES, 'up']);
      if (code !== 0) return code;
    }
    if (interrupted) return 130;
    loadServicesEnv();
    for (const step of STEPS) {
      if (interrupted) break;
      const code = await runStep(step);
      if (code !== 0) {
        exitCode = code;
        break;
      }
    }
  } catch (err) {
    console.error(err?.stack || String(err));
    exitCode ||= 1;
  } finally {
    await stopServices();
    console.error('\nsummary:');
    for (const { label, code, ms } of summary) {
      console.error(`  ${code === 0 ? '✔' : '✖'} ${fmt(ms).padStart(7)}  ${label}${code === 0 ? '' : `  (exit ${code})`}`);
    }
    const ran = new Set(summary.map((s) => s.label));
    for (const step of STEPS) {
      if (!ran.has(step.join(' '))) console.error(`  -          ${step.join(' ')}  (not run)`);
    }
    console.error(`  total ${fmt(Date.now() - started)}`);
  }
  if (interrupted) return exitCode || (interrupted === 'SIGINT' ? 130 : 143);
  return exitCode;
}

main().then((code) => {
  process.exitCode = code;
});
