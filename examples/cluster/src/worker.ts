// A worker of the demo: a bus that is a node of the 'ledger-writer' cluster on
// one SQLite file. While it leads, it appends numbered entries to the ledger,
// each in a transaction fenced by its epoch; it prints what it does as JSON lines.
// Run with `node src/worker.ts <database file> <worker name>`.
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { cluster, sqliteLease } from '@bus/cluster';
import { createBus } from '@bus/core';

const [file, worker] = process.argv.slice(2);
if (file === undefined || worker === undefined) throw new Error('usage: node src/worker.ts <database file> <worker name>');

const say = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ worker, ...line })}\n`);

// The application's own connection: a write waits up to 5 s for the other process's short transactions.
const db = new DatabaseSync(file, { timeout: 5_000 });
db.exec('PRAGMA journal_mode = WAL');
db.exec('CREATE TABLE IF NOT EXISTS ledger (n INTEGER PRIMARY KEY AUTOINCREMENT, epoch INTEGER NOT NULL, worker TEXT NOT NULL)');

const bus = createBus({ source: `urn:example:cluster:${worker}` }).use(
  cluster({
    elector: sqliteLease({ path: file, name: 'ledger-writer', ttlMs: 2_000 }),
    heartbeatMs: 250,
    node: { version: '1.0.0', metadata: { worker } },
  }),
);
bus.events.on('error', (error) => say({ event: 'error', code: error.code, message: error.message }));
bus.events.on('memberJoined', (member) => say({ event: 'member-joined', member: member.metadata.worker }));

bus.cluster.onLeadership(async (leadership) => {
  say({ event: 'leading', epoch: leadership.epoch });
  while (!leadership.signal.aborted) {
    db.exec('BEGIN IMMEDIATE');
    try {
      const { n } = db.prepare('INSERT INTO ledger (epoch, worker) VALUES (?, ?) RETURNING n').get(leadership.epoch, worker) as {
        n: number;
      };
      await leadership.fence(db); // refused (LEADERSHIP_LOST) once this worker no longer leads with this epoch
      db.exec('COMMIT');
      say({ event: 'wrote', epoch: leadership.epoch, n });
    } catch (error) {
      db.exec('ROLLBACK');
      say({ event: 'refused', epoch: leadership.epoch, message: (error as Error).message });
    }
    await sleep(25);
  }
  say({ event: 'stepped-down', epoch: leadership.epoch });
});

await bus.start();
say({ event: 'ready', node: bus.cluster.node.id });
process.once('SIGTERM', () => {
  void bus.stop().then(() => {
    db.close();
    process.exit(0);
  });
});
