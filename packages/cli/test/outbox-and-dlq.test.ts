// `bus outbox status` and `bus dlq list|show|redrive|purge`, run as the real binary against
// a SQLite file and a scratch schema of the real Postgres.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/index.js';
import { bury, encodedEnvelope, OUTBOXES, pending, sqliteTestOutbox, type TestOutbox } from './support/outboxes.js';
import { runBus, startBus } from './support/run-bus.js';

describe.each(OUTBOXES)('on %s', (_name, makeOutbox) => {
  let outbox: TestOutbox;
  const poison = [
    encodedEnvelope('orders.created', { id: 'o-1', total: -5 }, 'o-1'),
    encodedEnvelope('orders.created', { id: 'o-2', total: -7 }, 'o-2'),
    encodedEnvelope('payments.failed', { id: 'p-1' }, 'p-1'),
  ];
  const bus = (...args: string[]) => runBus([...args, ...outbox.flags]);

  beforeAll(async () => {
    outbox = await makeOutbox();
    await bury(outbox.store, poison);
    await pending(outbox.store, [encodedEnvelope('orders.shipped', { id: 'o-9' })], [encodedEnvelope('orders.reminder', { id: 'o-9' })]);
  });
  afterAll(() => outbox.cleanup());

  describe('outbox status', () => {
    it('prints pending, scheduled, the oldest due age and dead', async () => {
      const run = await bus('outbox', 'status');
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^pending\s+2$/m);
      expect(run.stdout).toMatch(/^scheduled\s+1$/m);
      expect(run.stdout).toMatch(/^dead\s+3$/m);
      expect(run.stdout).toMatch(/^oldest due\s+\d+ (ms|s)$/m);
    });

    it('--json prints the store figures', async () => {
      const run = await bus('outbox', 'status', '--json');
      expect(run.code).toBe(0);
      const status = JSON.parse(run.stdout);
      expect(status).toMatchObject({ pending: 2, scheduled: 1, dead: 3 });
      expect(status.oldestPendingAgeMs).toBeGreaterThanOrEqual(0);
      expect(status.outbox).toMatch(outbox.name === 'sqlite' ? /^sqlite:/ : /^postgres:\/\//);
    });
  });

  describe('dlq list', () => {
    it('lists every dead letter, oldest first, with its error', async () => {
      const run = await bus('dlq', 'list');
      expect(run.code).toBe(0);
      const lines = run.stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^SEQ\s+EVENT ID\s+TYPE\s+KEY\s+ATTEMPTS\s+FAILED AT\s+LAST ERROR$/);
      for (const event of poison) expect(run.stdout).toContain(event.id);
      expect(run.stdout).toContain('handler said no (payments.failed)');
      expect(run.stdout.trimEnd()).toMatch(/\n3 dead letters$/);
    });

    it('--json gives each row with its decoded event', async () => {
      const run = await bus('dlq', 'list', '--json');
      expect(run.code).toBe(0);
      const rows = JSON.parse(run.stdout);
      expect(rows.map((row: { id: string }) => row.id)).toEqual(poison.map((event) => event.id));
      expect(rows[0]).toMatchObject({
        type: 'orders.created',
        key: 'o-1',
        attempts: 5,
        lastError: 'handler said no (orders.created)',
        dataEncoding: 'decoded',
        event: { id: poison[0]?.id, data: { id: 'o-1', total: -5 } },
      });
    });

    it('filters by --type, --id (event id or seq), --since, --until and --limit', async () => {
      const ids = async (...filters: string[]) =>
        JSON.parse((await bus('dlq', 'list', '--json', ...filters)).stdout).map((row: { id: string }) => row.id);
      expect(await ids('--type', 'payments.failed')).toEqual([poison[2]?.id]);
      expect(await ids('--id', poison[1]?.id as string)).toEqual([poison[1]?.id]);
      const all = JSON.parse((await bus('dlq', 'list', '--json')).stdout) as { seq: number; id: string }[];
      expect(await ids('--id', String(all[2]?.seq), '--id', poison[0]?.id as string)).toEqual([poison[0]?.id, poison[2]?.id]);
      expect(await ids('--since', '1h')).toHaveLength(3);
      expect(await ids('--until', '1h')).toEqual([]);
      expect(await ids('--limit', '2')).toEqual([poison[0]?.id, poison[1]?.id]);
    });
  });

  describe('dlq show', () => {
    it('shows one dead letter: attributes, decoded data, attempts and error', async () => {
      const run = await bus('dlq', 'show', poison[0]?.id as string);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^event id\s+\S+$/m);
      expect(run.stdout).toContain('last error   handler said no (orders.created)');
      expect(run.stdout).toMatch(/^\s+partitionkey\s+o-1$/m);
      expect(run.stdout).toContain('data (application/json)');
      expect(run.stdout).toContain('"total": -5');
    });

    it('--json gives the same row as list', async () => {
      const run = await bus('dlq', 'show', poison[2]?.id as string, '--json');
      expect(JSON.parse(run.stdout)).toMatchObject({ id: poison[2]?.id, type: 'payments.failed', event: { data: { id: 'p-1' } } });
    });

    it('exits 1 with a message when no dead letter has the id', async () => {
      const run = await bus('dlq', 'show', 'no-such-event');
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('no dead letter has the event id or seq "no-such-event"');
    });
  });

  describe('dlq redrive', () => {
    it('--dry-run lists what would be redriven and changes nothing', async () => {
      const run = await bus('dlq', 'redrive', '--type', 'orders.created', '--dry-run');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(poison[0]?.id);
      expect(run.stdout).toContain(poison[1]?.id);
      expect(run.stdout).not.toContain(poison[2]?.id);
      expect(run.stdout).toContain('Dry run: 2 dead letters would be redriven; nothing changed.');
      const json = JSON.parse((await bus('dlq', 'redrive', '--type', 'orders.created', '--dry-run', '--json')).stdout);
      expect(json).toMatchObject({ action: 'redrive', dryRun: true, matched: 2 });
      expect((await outbox.store.stats()).dead).toBe(3);
    });

    it('asks first, and a "no" (or no answer) redrives nothing and exits 1', async () => {
      const declined = await runBus(['dlq', 'redrive', '--type', 'orders.created', ...outbox.flags], { stdin: 'n\n' });
      expect(declined.stderr).toMatch(/Redrive 2 dead letters of \S+\? \[y\/N\]/);
      expect(declined.stderr).toContain('Not confirmed: nothing redriven.');
      expect(declined.code).toBe(1);
      const unanswered = await runBus(['dlq', 'redrive', ...outbox.flags]);
      expect(unanswered.code).toBe(1);
      expect((await outbox.store.stats()).dead).toBe(3);
    });

    it('Ctrl-C at the question is a "no"', async () => {
      const asking = startBus(['dlq', 'redrive', ...outbox.flags], { stdin: 'open' });
      await asking.waitFor('[y/N]');
      asking.child.kill('SIGINT');
      const run = await asking.exited;
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('Not confirmed: nothing redriven.');
      expect((await outbox.store.stats()).dead).toBe(3);
    });

    it('a "yes" puts the rows back in the outbox with their attempts reset', async () => {
      const run = await runBus(['dlq', 'redrive', '--type', 'orders.created', '--progress', ...outbox.flags], { stdin: 'y\n' });
      expect(run.code).toBe(0);
      expect(run.stdout.trim()).toBe('2 redriven.');
      expect(run.stderr).toMatch(/redriven \[[^\]]*\] 2\/2 100%/);
      expect(await outbox.store.stats()).toMatchObject({ pending: 4, dead: 1 });
      const [first] = await outbox.store.claim('cli-test-check', 10, 1_000);
      expect(first?.attempts).toBe(0);
      await outbox.store.release('cli-test-check', [first?.seq as number]);
      const status = JSON.parse((await bus('outbox', 'status', '--json')).stdout);
      expect(status).toMatchObject({ pending: 4, dead: 1 });
    });

    it('--yes skips the question, --json reports the count, and no match is not a failure', async () => {
      const run = await bus('dlq', 'redrive', '--id', poison[2]?.id as string, '--yes', '--json');
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ action: 'redrive', matched: 1, redriven: 1 });
      const none = await bus('dlq', 'redrive', '--yes');
      expect(none.code).toBe(0);
      expect(none.stdout).toContain('No dead letters match');
    });
  });

  describe('dlq purge', () => {
    it('deletes the dead letters after a yes, and lists them with --dry-run', async () => {
      await bury(outbox.store, [encodedEnvelope('audit.poison', { n: 1 }), encodedEnvelope('audit.poison', { n: 2 })]);
      const dry = await bus('dlq', 'purge', '--dry-run', '--json');
      expect(JSON.parse(dry.stdout)).toMatchObject({ action: 'purge', dryRun: true, matched: 2 });
      const run = await runBus(['dlq', 'purge', '--limit', '1', ...outbox.flags], { stdin: 'yes\n' });
      expect(run.stderr).toMatch(/Purge 1 dead letter of \S+\? \[y\/N\]/);
      expect(run.stdout.trim()).toBe('1 purged.');
      expect((await outbox.store.stats()).dead).toBe(1);
      const rest = await bus('dlq', 'purge', '--yes');
      expect(rest.stdout.trim()).toBe('1 purged.');
      expect((await outbox.store.stats()).dead).toBe(0);
    });
  });
});

describe.each(OUTBOXES)('outbox status --shards on %s', (_name, makeOutbox) => {
  let outbox: TestOutbox;
  const bus = (...args: string[]) => runBus([...args, ...outbox.flags]);

  beforeAll(async () => {
    outbox = await makeOutbox();
    const keyed = ['k-1', 'k-2', 'k-3', 'k-4', 'k-5', 'k-6', 'k-7', 'k-8'].map((key) => encodedEnvelope('orders.sharded', { key }, key));
    await pending(outbox.store, [...keyed, encodedEnvelope('orders.keyless', { n: 1 })], [encodedEnvelope('orders.reminder', { n: 2 })]);
    await bury(outbox.store, [encodedEnvelope('orders.poison', { n: 3 }, 'k-1')]);
  });
  afterAll(() => outbox.cleanup());

  it("--json adds every shard with the store's per-shard figures", async () => {
    const expected = await outbox.store.statsByShard(4);
    const run = await bus('outbox', 'status', '--shards', '4', '--json');
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json).toMatchObject({ pending: 10, scheduled: 1, dead: 1 });
    expect(json.shards.map(({ shard, pending, scheduled }: Record<string, number>) => ({ shard, pending, scheduled }))).toEqual(
      expected.map(({ shard, pending, scheduled }) => ({ shard, pending, scheduled })),
    );
    expect(json.shards.map((shard: { shard: number }) => shard.shard)).toEqual([0, 1, 2, 3]);
    // Each pending row is in exactly one shard; the keyless ones (one of them scheduled) in shard 0.
    expect(json.shards.reduce((sum: number, shard: { pending: number }) => sum + shard.pending, 0)).toBe(10);
    expect(json.shards[0].pending).toBeGreaterThanOrEqual(2);
    expect(json.shards[0].scheduled).toBe(1);
    expect(json.shards[0].oldestPendingAgeMs).toBeGreaterThan(0);
    for (const shard of json.shards) expect(shard.oldestPendingAgeMs > 0).toBe(shard.pending > shard.scheduled);
  });

  it('prints a table of the shards under the totals', async () => {
    const expected = await outbox.store.statsByShard(4);
    const run = await bus('outbox', 'status', '--shards', '4');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^dead\s+1$/m);
    expect(run.stdout).toMatch(/^SHARD\s+PENDING\s+SCHEDULED\s+OLDEST DUE$/m);
    for (const shard of expected) {
      const age = shard.oldestPendingAgeMs === 0 ? '-' : '\\d+ (ms|s)';
      expect(run.stdout).toMatch(new RegExp(`^${shard.shard}\\s+${shard.pending}\\s+${shard.scheduled}\\s+${age}$`, 'm'));
    }
  });

  it('one shard holds every pending row', async () => {
    const run = await bus('outbox', 'status', '--shards', '1', '--json');
    expect(JSON.parse(run.stdout).shards).toEqual([expect.objectContaining({ shard: 0, pending: 10, scheduled: 1 })]);
  });

  it('a shard count that is not a whole number from 1 to 65536 is a usage error', async () => {
    for (const bad of ['0', 'four', '65537']) {
      const run = await bus('outbox', 'status', '--shards', bad);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`'${bad}'`);
    }
  });
});

describe('dlq redrive, interrupted', () => {
  it('stops between batches when its abort signal fires (Ctrl-C), says how far it got, and exits 1', async () => {
    const outbox = await sqliteTestOutbox();
    try {
      await bury(outbox.store, [encodedEnvelope('orders.created', { id: 'o-1' })]);
      const controller = new AbortController();
      controller.abort(); // Ctrl-C before the first batch
      let stdout = '';
      const code = await runCli(['dlq', 'redrive', '--yes', '--json', ...outbox.flags], {
        stdout: { write: (text: string) => (stdout += text) },
        stderr: { write: () => true },
        stdin: (async function* () {})(),
        env: {},
        cwd: process.cwd(),
        signal: controller.signal,
      });
      expect(code).toBe(1);
      expect(JSON.parse(stdout)).toMatchObject({ matched: 1, redriven: 0, interrupted: true });
      expect((await outbox.store.stats()).dead).toBe(1);
    } finally {
      await outbox.cleanup();
    }
  });
});
