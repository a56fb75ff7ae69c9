// A worker thread of the SQLite concurrency test: its own DatabaseSync connection (through
// the built package), running several writers with expectedVersion retry loops.
// Plain type-strippable TypeScript: Node runs it without a build step.
import { parentPort, workerData } from 'node:worker_threads';
import { BusError } from '@bus/core';
import { createEventStore, sqliteBackend } from '@bus/persistence';

interface Job {
  path: string;
  writerIds: number[];
  streams: number;
  appendsPerWriter: number;
}

const job = workerData as Job;
const store = createEventStore({ backend: sqliteBackend({ path: job.path, busyTimeoutMs: 20_000 }) });
const conflicts: string[] = [];
const failures: string[] = [];

async function writer(id: number): Promise<void> {
  const stream = `account-${id % job.streams}`;
  for (let n = 0; n < job.appendsPerWriter; n++) {
    for (;;) {
      const { state, version } = await store.aggregate<number, { balance: number }>(stream, (_, event) => event.data.balance, {
        initial: 0,
      });
      try {
        await store.append(
          stream,
          { type: 'account.deposited', data: { writer: id, n, balance: state + 1 } },
          { expectedVersion: version },
        );
        break;
      } catch (error) {
        if (BusError.is(error) && error.code === 'CONCURRENCY_CONFLICT') {
          conflicts.push(error.code);
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 2));
          continue;
        }
        failures.push(BusError.is(error) ? `${error.code}: ${error.message}` : String(error));
        return;
      }
    }
  }
}

await Promise.all(job.writerIds.map((id) => writer(id)));
await store.close();
parentPort?.postMessage({ conflicts, failures });
