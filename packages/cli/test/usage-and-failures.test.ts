// What `bus` does with a mistaken command line (exit 2, a helpful message) and with a store
// it cannot reach (exit 1, the BusError code and message, no stack trace); and the config file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bury, encodedEnvelope, requirePostgresUrl, sqliteTestOutbox, type TestOutbox } from './support/outboxes.js';
import { runBus } from './support/run-bus.js';

const STACK_LINE = /^\s+at /m;

describe('usage errors exit 2 with a helpful message', () => {
  it('an unknown flag names the flag and suggests the nearest one', async () => {
    const run = await runBus(['outbox', 'status', '--jsno']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("error: unknown option '--jsno'");
    expect(run.stderr).toContain('(Did you mean --json?)');
    expect(run.stderr).toContain('(add --help for usage)');
    expect(run.stdout).toBe('');
  });

  it('an unknown command suggests the nearest one', async () => {
    const run = await runBus(['dlq', 'lst']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("error: unknown command 'lst'");
    expect(run.stderr).toContain('(Did you mean list?)');
  });

  it('a bad value says what forms are taken', async () => {
    const since = await runBus(['dlq', 'list', '--since', 'yesterday', '--outbox', 'sqlite:x.db']);
    expect(since.code).toBe(2);
    expect(since.stderr).toContain("'yesterday' is not a time: use a duration ago (15m, 2h, 7d)");
    const from = await runBus(['tail', 'orders.#', '--from', 'beginning']);
    expect(from.code).toBe(2);
    expect(from.stderr).toContain('Allowed choices are earliest, latest.');
    const limit = await runBus(['dlq', 'list', '--limit', '0']);
    expect(limit.code).toBe(2);
    expect(limit.stderr).toContain("'0' is not a whole number >= 1.");
  });

  it('a missing argument or command is a usage error; --help and --version are not', async () => {
    expect((await runBus(['dlq', 'show'])).code).toBe(2);
    const bare = await runBus([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('Usage: bus [options] [command]');
    const help = await runBus(['dlq', 'redrive', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--dry-run');
    expect(help.stdout).toContain('--yes');
    const version = await runBus(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});

describe('an unreachable store exits 1 with a typed message and no stack trace', () => {
  it('Postgres that refuses the connection', async () => {
    const run = await runBus(['outbox', 'status', '--outbox', 'postgres://postgres@127.0.0.1:1/test']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('bus: STORE_FAILED: Could not open the Postgres outbox: connect ECONNREFUSED 127.0.0.1:1\n');
    expect(run.stdout).toBe('');
  });

  it('a SQLite file that does not exist (not created: a typo must not look like an empty outbox)', async () => {
    const file = path.join(tmpdir(), `bus-cli-missing-${process.pid}.db`);
    const run = await runBus(['dlq', 'list', '--outbox', `sqlite:${file}`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`bus: STORE_FAILED: Could not open the SQLite outbox: ${file} does not exist.\n`);
  });

  it('with --json the error is one JSON object on stderr', async () => {
    const run = await runBus(['dlq', 'redrive', '--yes', '--json', '--outbox', 'postgres://postgres@127.0.0.1:1/test']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stderr)).toEqual({
      error: { code: 'STORE_FAILED', message: 'Could not open the Postgres outbox: connect ECONNREFUSED 127.0.0.1:1', retryable: true },
    });
    expect(run.stdout).toBe('');
  });

  it('--verbose adds the stack trace', async () => {
    const run = await runBus(['outbox', 'status', '--verbose', '--outbox', 'postgres://postgres@127.0.0.1:1/test']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(STACK_LINE);
  });

  it('no outbox named, or one of another kind, is a CONFIG_INVALID failure', async () => {
    const none = await runBus(['outbox', 'status']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('bus: CONFIG_INVALID: No outbox given: pass --outbox <postgres-url|sqlite:path>, set BUS_OUTBOX');
    const mysql = await runBus(['outbox', 'status', '--outbox', 'mysql://root:secret@db/app']);
    expect(mysql.stderr).toBe('bus: CONFIG_INVALID: The outbox "mysql://root:***@db/app" is neither postgres://… nor sqlite:<path>.\n');
  });
});

describe('connections from the environment and bus.config.json', () => {
  let outbox: TestOutbox;
  let dir: string;
  beforeAll(async () => {
    outbox = await sqliteTestOutbox();
    await bury(outbox.store, [encodedEnvelope('orders.created', { id: 'o-1' })]);
    dir = mkdtempSync(path.join(tmpdir(), 'bus-cli-config-'));
  });
  afterAll(async () => {
    await outbox.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const sqliteUrl = () => outbox.flags[1] as string;

  it('reads the outbox from bus.config.json in the working directory', async () => {
    writeFileSync(path.join(dir, 'bus.config.json'), JSON.stringify({ outbox: { url: sqliteUrl() } }));
    const run = await runBus(['outbox', 'status', '--json'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ dead: 1, pending: 0 });
  });

  it('BUS_OUTBOX wins over the file, and --outbox over both', async () => {
    writeFileSync(path.join(dir, 'bus.config.json'), JSON.stringify({ outbox: { url: 'sqlite:./not-there.db' } }));
    const fromEnv = await runBus(['outbox', 'status', '--json'], { cwd: dir, env: { BUS_OUTBOX: sqliteUrl() } });
    expect(JSON.parse(fromEnv.stdout)).toMatchObject({ dead: 1 });
    const fromFile = await runBus(['outbox', 'status'], { cwd: dir });
    expect(fromFile.stderr).toContain(`${path.join(dir, 'not-there.db')} does not exist`);
    const fromFlag = await runBus(['outbox', 'status', '--json', '--outbox', sqliteUrl()], {
      cwd: dir,
      env: { BUS_OUTBOX: 'sqlite:./nope.db' },
    });
    expect(JSON.parse(fromFlag.stdout)).toMatchObject({ dead: 1 });
  });

  it('--config names another file; a malformed one is CONFIG_INVALID', async () => {
    const file = path.join(dir, 'ops.json');
    writeFileSync(file, JSON.stringify({ outbox: { url: sqliteUrl() } }));
    expect((await runBus(['dlq', 'list', '--json', '--config', file])).code).toBe(0);
    writeFileSync(file, JSON.stringify({ outbox: { url: 42 } }));
    const bad = await runBus(['dlq', 'list', '--config', file]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(`bus: CONFIG_INVALID: The config file ${file}: "outbox.url" must be a string.\n`);
    const missing = await runBus(['dlq', 'list', '--config', path.join(dir, 'nope.json')]);
    expect(missing.stderr).toContain('does not exist');
  });

  it('takes the Postgres schema from the file too, checked before it connects', async () => {
    const url = requirePostgresUrl();
    writeFileSync(path.join(dir, 'bus.config.json'), JSON.stringify({ outbox: { url, schema: 'Not An Identifier' } }));
    const run = await runBus(['outbox', 'status'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("bus: CONFIG_INVALID: The outbox's schema name must be a lowercase SQL identifier");
  });
});

describe('table names', () => {
  it('--outbox-table and --dead-letter-table name the tables of an outbox that does not use the defaults', async () => {
    const { sqliteOutbox } = await import('@bus/outbox');
    const dir = mkdtempSync(path.join(tmpdir(), 'bus-cli-tables-'));
    const file = path.join(dir, 'app.db');
    const store = sqliteOutbox({ path: file, tables: { outbox: 'order_events', deadLetters: 'order_events_dead' } });
    try {
      await store.open();
      await bury(store, [encodedEnvelope('orders.created', { id: 'o-1' }), encodedEnvelope('orders.created', { id: 'o-2' })]);
      const named = await runBus([
        'outbox',
        'status',
        '--json',
        '--outbox',
        `sqlite:${file}`,
        '--outbox-table',
        'order_events',
        '--dead-letter-table',
        'order_events_dead',
      ]);
      expect(JSON.parse(named.stdout)).toMatchObject({ dead: 2 });
      // Without the names it is the default outbox of that file: its own tables (made on open), not order_events.
      const defaults = await runBus(['outbox', 'status', '--json', '--outbox', `sqlite:${file}`]);
      expect(defaults.code).toBe(0);
      expect(JSON.parse(defaults.stdout)).toMatchObject({ pending: 0, dead: 0 });
      const bad = await runBus(['outbox', 'status', '--outbox', `sqlite:${file}`, '--outbox-table', 'Order-Events']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain("bus: CONFIG_INVALID: The outbox's outbox name must be a lowercase SQL identifier");
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
