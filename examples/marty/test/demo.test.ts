// Runs the demo as a user would (`node src/main.ts`) against the real broker in
// a namespace of its own, then checks what it printed and what it left in its
// database: every user row, and each of the three events per user received once.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { promisify } from 'node:util';
import { deleteByPrefix } from '@bus/scripts/kafka-test';
import { afterAll, expect, it } from 'vitest';

const suffix = randomBytes(4).toString('hex');
const namespace = `test_example_marty_${suffix}`;
const dataDir = mkdtempSync(path.join(tmpdir(), 'bus-example-marty-test-'));

afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  await deleteByPrefix(namespace);
  await deleteByPrefix(`domain_${namespace}`);
}, 60_000);

it('creates the users, and the notifications service receives each one’s outbox, domain and audit event', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['src/main.ts'], {
    cwd: path.dirname(path.dirname(new URL(import.meta.url).pathname)),
    env: { ...process.env, EXAMPLE_NAMESPACE: namespace, EXAMPLE_DATA_DIR: dataDir, EXAMPLE_USERS: '4' },
    timeout: 150_000,
  });
  expect(stdout).toContain(
    'done: 4 users; 4 user.registered through the outbox, 4 domain.user.created and 4 audit.data.created from the decorators; health healthy, outbox on',
  );
  for (let n = 1; n <= 4; n++) {
    expect(stdout).toContain(`notifications: ${namespace}.user.registered {"user_id":"u-${n}","email":"user${n}@example.com"}`);
    expect(stdout).toContain(
      `notifications: domain.${namespace}.user.created {"aggregate_type":"${namespace}.user","aggregate_id":"u-${n}","result":"u-${n}"}`,
    );
  }
  const db = new DatabaseSync(path.join(dataDir, 'users.db'));
  try {
    expect(
      db
        .prepare('SELECT id FROM users ORDER BY id')
        .all()
        .map((row) => row.id),
    ).toEqual(['u-1', 'u-2', 'u-3', 'u-4']);
    // The outbox is Python's event_outbox table: every row relayed (a sent row is deleted, or kept as completed).
    expect(db.prepare("SELECT count(*) AS n FROM event_outbox WHERE status <> 'completed'").get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM event_dead_letter').get()).toEqual({ n: 0 });
  } finally {
    db.close();
  }
});
