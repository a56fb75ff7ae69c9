// The demo end to end: two processes, a leader killed with SIGKILL, the other
// taking over. The ledger holds one run per epoch, in increasing epochs, the
// second by the other worker.
import { describe, expect, it } from 'vitest';
import { runDemo } from '../src/demo.ts';

describe('examples/cluster', () => {
  it('fails over to the other worker after the leader is killed, and the ledger never interleaves epochs', async () => {
    const result = await runDemo({ writesPerLeader: 10 });
    process.stdout.write(
      `[example-cluster] failover ${Math.round(result.failoverMs)} ms; ledger ${result.runs.map((r) => `epoch ${r.epoch} × ${r.entries} (${r.worker})`).join(', ')}\n`,
    );
    // One run per epoch, epochs increasing: no two leaderships' writes interleave. (A loaded machine may add a
    // re-election of the same worker; the runs stay ordered.)
    const epochs = result.runs.map((run) => run.epoch);
    expect(epochs).toEqual([...new Set(epochs)].sort((a, b) => a - b));
    expect(result.runs.length).toBeGreaterThanOrEqual(2);
    expect(result.killed).not.toBe(result.successor);
    const last = result.runs.at(-1);
    expect(last?.worker).toBe(result.successor);
    expect(last?.entries).toBeGreaterThanOrEqual(10);
    expect(result.runs.filter((run) => run.worker === result.killed).reduce((n, run) => n + run.entries, 0)).toBeGreaterThanOrEqual(10);
  });
});
