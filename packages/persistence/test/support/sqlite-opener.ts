// A worker thread of the SQLite concurrent-open test: for each new database file, wait at a
// barrier shared with the other threads, then open it (its own connection, through the built
// package) and make the first call, so every thread opens the same new file at the same moment.
// Plain type-strippable TypeScript: Node runs it without a build step.
import { parentPort, workerData } from 'node:worker_threads';
import { createEventStore, sqliteBackend } from '@bus/persistence';

interface Job {
  paths: string[];
  /** Int32Array over a SharedArrayBuffer: [0] arrivals. */
  barrier: SharedArrayBuffer;
  threads: number;
}

const job = workerData as Job;
const arrivals = new Int32Array(job.barrier);
const failures: string[] = [];
let opens = 0;

for (let round = 0; round < job.paths.length; round++) {
  // Everyone arrives for round r once arrivals reaches (r + 1) * threads.
  const target = (round + 1) * job.threads;
  const now = Atomics.add(arrivals, 0, 1) + 1;
  if (now === target) Atomics.notify(arrivals, 0);
  else for (let seen = now; seen < target; seen = Atomics.load(arrivals, 0)) Atomics.wait(arrivals, 0, seen, 1000);
  const store = createEventStore({ backend: sqliteBackend({ path: job.paths[round] as string, busyTimeoutMs: 5000 }) });
  try {
    await store.streamVersion('first-call');
    opens++;
  } catch (error) {
    failures.push(`${(error as { code?: string }).code ?? 'no code'}: ${(error as Error).message}`);
  } finally {
    await store.close();
  }
}

parentPort?.postMessage({ opens, failures });
