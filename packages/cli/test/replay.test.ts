// `bus replay`, run as the real binary against a SQLite event store and a scratch schema of the real Postgres,
// into a projection module (which writes what it gets to a file) and into the real Kafka broker.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEventStore, type StoredEvent, sqliteBackend } from '@bus/persistence';
import { deleteByPrefix, headersOf, readRecords, testBrokers, uniquePrefix } from '@bus/scripts/kafka-test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/index.js';
import { EVENT_STORES, sqliteTestStore, type TestEventStore } from './support/event-stores.js';
import { runBus } from './support/run-bus.js';

const PROJECTION = fileURLToPath(new URL('./fixtures/record-projection.mjs', import.meta.url));
const NOT_A_PROJECTION = fileURLToPath(new URL('./fixtures/no-default-export.mjs', import.meta.url));
/** The seeded events are stored one second apart from this instant. */
const T0 = Date.parse('2026-03-01T10:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1_000).toISOString();

interface Projected {
  readonly id: string;
  readonly type: string;
  readonly replay: unknown;
  readonly data: { n: number };
}

describe.each(EVENT_STORES)('bus replay on %s', (_name, makeStore) => {
  let store: TestEventStore;
  let events: StoredEvent[];
  let dir: string;
  let runs = 0;

  /** Runs `bus replay <args> --store … --into <projection>`; resolves to the run and what the projection got. */
  const intoProjection = async (args: readonly string[], env: Record<string, string> = {}) => {
    const out = path.join(dir, `projected-${++runs}.jsonl`);
    writeFileSync(out, '');
    const run = await runBus(['replay', ...args, ...store.flags, '--into', PROJECTION], { env: { BUS_TEST_PROJECTION_OUT: out, ...env } });
    const projected = readFileSync(out, 'utf8')
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as Projected);
    return { run, projected };
  };
  const ns = (projected: readonly Projected[]) => projected.map((event) => event.data.n);

  beforeAll(async () => {
    store = await makeStore();
    events = await store.seed(12, T0);
    dir = mkdtempSync(path.join(tmpdir(), 'bus-cli-replay-'));
  });
  afterAll(async () => {
    await store.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('--dry-run', () => {
    it('counts what would be replayed, per type, and sends nothing', async () => {
      const { run, projected } = await intoProjection(['--from', '1', '--dry-run']);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^TYPE\s+EVENTS$/m);
      expect(run.stdout).toMatch(/^orders\.shipped\s+4$/m);
      expect(run.stdout).toMatch(/^orders\.created\s+8$/m);
      expect(run.stdout).toContain(
        `Dry run: 12 events (positions ${events[0]?.position}–${events[11]?.position}) would be replayed into projection ${PROJECTION}; nothing sent.`,
      );
      expect(projected).toEqual([]);
    });

    it('--json gives the counts and the positions; no destination is needed', async () => {
      const run = await runBus(['replay', '--from', '1', '--dry-run', '--json', '--types', 'orders.shipped', ...store.flags]);
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({
        dryRun: true,
        into: null,
        matched: 4,
        replayed: 0,
        byType: { 'orders.shipped': 4 },
        from: events[0]?.position,
        to: events[9]?.position,
      });
    });
  });

  describe('--into a projection module', () => {
    it('hands each event to the default export, in log order, marked replay: true', async () => {
      const { run, projected } = await intoProjection(['--from', '1', '--json']);
      expect(run.code).toBe(0);
      expect(projected.map((event) => event.id)).toEqual(events.map((record) => record.event.id));
      expect(projected.every((event) => event.replay === true)).toBe(true);
      expect(projected[4]).toMatchObject({ type: 'orders.created', data: { n: 4 }, partitionkey: 'order-0' });
      const summary = JSON.parse(run.stdout);
      expect(summary).toMatchObject({
        dryRun: false,
        matched: 12,
        replayed: 12,
        byType: { 'orders.shipped': 4, 'orders.created': 8 },
        from: events[0]?.position,
        to: events[11]?.position,
        into: `projection ${PROJECTION}`,
      });
      expect(summary.ms).toBeGreaterThanOrEqual(0);
    });

    it('--from and --to positions bound it, both inclusive', async () => {
      const from = events[3]?.position as number;
      const to = events[6]?.position as number;
      const { run, projected } = await intoProjection(['--from', String(from), '--to', String(to)]);
      expect(run.code).toBe(0);
      expect(ns(projected)).toEqual([3, 4, 5, 6]);
      expect(run.stdout).toMatch(
        new RegExp(`^Replayed 4 events \\(positions ${from}–${to}\\) into projection \\S+ in \\d+\\.\\d s\\.$`, 'm'),
      );
    });

    it('--from and --to times select by when events were stored', async () => {
      const { projected } = await intoProjection(['--from', at(2), '--to', at(5)]);
      expect(ns(projected)).toEqual([2, 3, 4, 5]);
      const between = await intoProjection(['--from', at(2.5), '--to', at(4.5)]);
      expect(ns(between.projected)).toEqual([3, 4]);
      const offset = await intoProjection(['--from', '2026-03-01T11:00:09+01:00']);
      expect(ns(offset.projected)).toEqual([9, 10, 11]);
      const after = await intoProjection(['--from', at(60), '--json']);
      expect(after.projected).toEqual([]);
      expect(JSON.parse(after.run.stdout)).toMatchObject({ matched: 0, replayed: 0, from: 0, to: 0 });
    });

    it('--types takes exact types and */# patterns', async () => {
      const exact = await intoProjection(['--from', '1', '--types', 'orders.shipped']);
      expect(ns(exact.projected)).toEqual([0, 3, 6, 9]);
      const pattern = await intoProjection(['--from', '1', '--types', 'orders.*', '--to', String(events[2]?.position)]);
      expect(ns(pattern.projected)).toEqual([0, 1, 2]);
      const none = await intoProjection(['--from', '1', '--types', 'payments.#']);
      expect(none.projected).toEqual([]);
      expect(none.run.stdout).toContain('No events match');
    });

    it('--rate holds it to that many events a second (the JSON says how many batches waited)', async () => {
      const { run, projected } = await intoProjection(['--from', '1', '--rate', '4', '--json']);
      expect(run.code).toBe(0);
      expect(projected).toHaveLength(12);
      const { rate } = JSON.parse(run.stdout);
      expect(rate.eventsPerSecond).toBe(4);
      // 12 events at 4/s in batches of 1: the 5th waits until a second after the 1st, the 9th until a second after the 5th.
      expect(rate.delayedBatches).toBeGreaterThanOrEqual(2);
      const unlimited = await intoProjection(['--from', '1', '--json']);
      expect(JSON.parse(unlimited.run.stdout).rate).toBeUndefined();
    });

    it('a projection that fails stops the replay: exit 1, what was done, and where to resume', async () => {
      const { run, projected } = await intoProjection(['--from', '1'], { BUS_TEST_PROJECTION_FAIL_AT: '5' });
      expect(run.code).toBe(1);
      expect(ns(projected)).toEqual([0, 1, 2, 3, 4]);
      expect(run.stderr).toContain(
        `bus: HANDLER_FAILED: The projection failed on event ${events[5]?.event.id} (orders.created): projection refuses n=5 — 5 of 12 events were replayed before it; resume with --from ${events[5]?.position}.`,
      );
      const resumed = await intoProjection(['--from', String(events[5]?.position)]);
      expect(ns(resumed.projected)).toEqual([5, 6, 7, 8, 9, 10, 11]);
    });
  });

  describe('progress and Ctrl-C', () => {
    it('--progress draws the bar on stderr; --json turns it off', async () => {
      const { run } = await intoProjection(['--from', '1', '--progress']);
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/replayed \[[^\]]*\] 12\/12 100%/);
      const json = await intoProjection(['--from', '1', '--progress', '--json']);
      expect(json.run.stderr).toBe('');
      expect(JSON.parse(json.run.stdout)).toMatchObject({ replayed: 12 });
    });

    it('Ctrl-C stops it between two batches: exit 1, how far it got, and where to resume', async () => {
      // --rate 2 makes batches of one event and holds the third back a second: the signal (sent after the first) lands then.
      const { run, projected } = await intoProjection(['--from', '1', '--rate', '2', '--json'], { BUS_TEST_PROJECTION_SIGINT_AT: '0' });
      expect(run.code).toBe(1);
      const summary = JSON.parse(run.stdout);
      expect(summary).toMatchObject({ matched: 12, interrupted: true });
      expect(summary.replayed).toBeLessThan(12);
      expect(ns(projected)).toEqual([...Array(summary.replayed).keys()]);
      expect(summary.resumeFrom).toBe(events[summary.replayed]?.position);
    });
  });

  describe('above --confirm-above', () => {
    it('refuses without a terminal and without --yes: exit 1, nothing replayed', async () => {
      const { run, projected } = await intoProjection(['--from', '1', '--confirm-above', '10']);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('Refused: 12 events would be replayed, more than --confirm-above 10, and there is no terminal to ask.');
      expect(run.stdout).toBe('');
      expect(projected).toEqual([]);
    });

    it('--yes replays it all the same; at or under the threshold nothing is asked', async () => {
      const yes = await intoProjection(['--from', '1', '--confirm-above', '10', '--yes']);
      expect(yes.run.code).toBe(0);
      expect(yes.projected).toHaveLength(12);
      const under = await intoProjection(['--from', '1', '--confirm-above', '12']);
      expect(under.run.code).toBe(0);
      expect(under.projected).toHaveLength(12);
    });

    it('the default threshold is 10 000 events', async () => {
      const help = await runBus(['replay', '--help']);
      expect(help.stdout.replace(/\s+/g, ' ')).toContain(
        '--confirm-above <n> ask first when more than n events would be replayed (default: 10000)',
      );
    });

    it('on a terminal it asks, and only a "yes" replays', async () => {
      const ask = async (answer: string) => {
        const out = path.join(dir, `asked-${++runs}.jsonl`);
        writeFileSync(out, '');
        let stderr = '';
        process.env.BUS_TEST_PROJECTION_OUT = out;
        try {
          const code = await runCli(['replay', '--from', '1', '--confirm-above', '3', ...store.flags, '--into', PROJECTION], {
            stdout: { write: () => true },
            stderr: { write: (text: string) => (stderr += text) },
            stdin: Object.assign(
              (async function* () {
                yield `${answer}\n`;
              })(),
              { isTTY: true },
            ),
            env: {},
            cwd: process.cwd(),
            signal: new AbortController().signal,
          });
          return { code, stderr, lines: readFileSync(out, 'utf8').split('\n').filter(Boolean).length };
        } finally {
          delete process.env.BUS_TEST_PROJECTION_OUT;
        }
      };
      const no = await ask('n');
      expect(no.stderr).toMatch(/Replay 12 events \(positions \d+–\d+\) of \S+ into projection \S+\? \[y\/N\]/);
      expect(no.stderr).toContain('Not confirmed: nothing replayed.');
      expect(no.code).toBe(1);
      expect(no.lines).toBe(0);
      const yes = await ask('yes');
      expect(yes.code).toBe(0);
      expect(yes.lines).toBe(12);
    });
  });
});

describe('bus replay --into-topic (Kafka)', () => {
  const brokers = testBrokers().join(',');
  const prefix = uniquePrefix('replay', 'cli');
  let store: TestEventStore;
  let events: StoredEvent[];

  beforeAll(async () => {
    store = await sqliteTestStore();
    // Types under the prefix, so `{type}` topics are this file's too (and deleted after).
    events = await store.seed(6, T0, (n) => `${prefix}.orders.${n % 2 === 0 ? 'created' : 'paid'}`);
  });
  afterAll(async () => {
    await store.cleanup();
    await deleteByPrefix(prefix);
  }, 60_000);

  it('sends every event to the topic with its id, attributes and data, and the ce_replay header', async () => {
    const topic = `${prefix}.replayed`;
    const run = await runBus(['replay', '--from', '1', '--into-topic', topic, '--json', ...store.flags], {
      env: { BUS_KAFKA_BROKERS: brokers },
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ replayed: 6, into: `topic ${topic}` });
    const records = await readRecords(topic, 6);
    const byId = new Map(records.map((record) => [headersOf(record).ce_id, record]));
    for (const { event } of events) {
      const record = byId.get(event.id);
      if (record === undefined) throw new Error(`event ${event.id} is not in ${topic}`);
      const headers = headersOf(record);
      expect(headers).toMatchObject({ ce_type: event.type, ce_replay: 'true', ce_partitionkey: event.partitionkey, ce_time: event.time });
      expect(JSON.parse(record.value.toString('utf8'))).toEqual(event.data);
      expect(record.key?.toString()).toBe(event.partitionkey);
    }
  });

  it("'{type}' sends each event to its own type's topic", async () => {
    const run = await runBus([
      'replay',
      '--from',
      '1',
      '--types',
      `${prefix}.orders.paid`,
      '--into-topic',
      '{type}',
      ...store.flags,
      '--brokers',
      brokers,
    ]);
    expect(run.code).toBe(0);
    const records = await readRecords(`${prefix}.orders.paid`, 3);
    expect(records.map((record) => headersOf(record).ce_id).sort()).toEqual(
      events
        .filter((record) => record.event.type.endsWith('.paid'))
        .map((record) => record.event.id)
        .sort(),
    );
  });

  it('exits 1 with a typed message when no broker answers, and counts without one with --dry-run', async () => {
    const run = await runBus(['replay', '--from', '1', '--into-topic', `${prefix}.x`, '--brokers', '127.0.0.1:1', ...store.flags]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^bus: TRANSPORT_FAILED: Kafka could not connect to 127\.0\.0\.1:1/);
    const dry = await runBus(['replay', '--from', '1', '--into-topic', `${prefix}.x`, '--dry-run', '--json', ...store.flags]);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ matched: 6, into: `topic ${prefix}.x` });
  });
});

describe('bus replay: bad input', () => {
  let store: TestEventStore;
  beforeAll(async () => {
    store = await sqliteTestStore();
    await store.seed(2, T0);
  });
  afterAll(() => store.cleanup());

  it('refuses 10 001 events without --yes by default (the threshold is 10 000)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bus-cli-replay-big-'));
    const file = path.join(dir, 'events.db');
    const big = createEventStore({ backend: sqliteBackend({ path: file }) });
    try {
      await big.append(
        'bulk',
        Array.from({ length: 10_001 }, (_, n) => ({ type: 'bulk.loaded', data: { n } })),
      );
      const out = path.join(dir, 'projected.jsonl');
      writeFileSync(out, '');
      const run = await runBus(['replay', '--from', '1', '--store', file, '--into', PROJECTION], { env: { BUS_TEST_PROJECTION_OUT: out } });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('Refused: 10001 events would be replayed, more than --confirm-above 10000');
      expect(readFileSync(out, 'utf8')).toBe('');
      const dry = await runBus(['replay', '--from', '1', '--store', file, '--dry-run', '--json']);
      expect(JSON.parse(dry.stdout)).toMatchObject({ matched: 10_001, byType: { 'bulk.loaded': 10_001 } });
    } finally {
      await big.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a --from or --to that is neither a position nor a time is a usage error (exit 2)', async () => {
    for (const bad of ['yesterday', '-3', '2026-03-01T10:00:00', '1.5']) {
      const run = await runBus(['replay', '--from', bad, '--into', PROJECTION, ...store.flags]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`'${bad}' is neither a position nor a time: use a global position (1200), an RFC 3339 time`);
    }
    const to = await runBus(['replay', '--from', '1', '--to', 'soon', '--into', PROJECTION, ...store.flags]);
    expect(to.code).toBe(2);
    const missing = await runBus(['replay', '--into', PROJECTION, ...store.flags]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--from <position|time>' not specified");
  });

  it('both destinations, or none without --dry-run, is a usage error', async () => {
    const both = await runBus(['replay', '--from', '1', '--into', PROJECTION, '--into-topic', 'orders', ...store.flags]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give one destination: --into-topic <topic> or --into <module>, not both.');
    const none = await runBus(['replay', '--from', '1', ...store.flags]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('say where to replay: --into-topic <topic> or --into <module> (or --dry-run to count only).');
  });

  it('a topic name Kafka does not take, and a bad --rate or --types, are usage errors', async () => {
    const topic = await runBus(['replay', '--from', '1', '--into-topic', 'orders/*', ...store.flags]);
    expect(topic.code).toBe(2);
    expect(topic.stderr).toContain("'orders/*' is not a Kafka topic");
    const rate = await runBus(['replay', '--from', '1', '--rate', '0', '--into', PROJECTION, ...store.flags]);
    expect(rate.code).toBe(2);
    expect(rate.stderr).toContain("'0' is not a whole number >= 1.");
    const types = await runBus(['replay', '--from', '1', '--types', ',', '--into', PROJECTION, ...store.flags]);
    expect(types.code).toBe(2);
  });

  it('a store that is missing or unreachable exits 1 with a typed message', async () => {
    const file = path.join(tmpdir(), `bus-cli-no-store-${process.pid}.db`);
    const sqlite = await runBus(['replay', '--from', '1', '--into', PROJECTION, '--store', file]);
    expect(sqlite.code).toBe(1);
    expect(sqlite.stderr).toBe(`bus: STORE_FAILED: Could not open the SQLite event store: ${file} does not exist.\n`);
    const postgres = await runBus(['replay', '--from', '1', '--dry-run', '--store', 'postgres://postgres@127.0.0.1:1/test']);
    expect(postgres.code).toBe(1);
    expect(postgres.stderr).toMatch(/^bus: STORE_FAILED: Could not open the Postgres event store: .*ECONNREFUSED/);
    const none = await runBus(['replay', '--from', '1', '--dry-run']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('bus: CONFIG_INVALID: No event store given: pass --store <sqlite-path|postgres-url>, set BUS_STORE');
  });

  it('a projection module that is missing or has no default function exits 1 and replays nothing', async () => {
    const missing = await runBus(['replay', '--from', '1', '--into', './no-such-projection.mjs', ...store.flags]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('bus: CONFIG_INVALID: The projection module');
    expect(missing.stderr).toContain('no-such-projection.mjs does not exist.');
    const notFunction = await runBus(['replay', '--from', '1', '--into', NOT_A_PROJECTION, ...store.flags]);
    expect(notFunction.code).toBe(1);
    expect(notFunction.stderr).toContain('must export a handler as its default export');
  });

  it('reads the store from BUS_STORE and from bus.config.json', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bus-cli-replay-config-'));
    try {
      const file = store.flags[1] as string;
      const fromEnv = await runBus(['replay', '--from', '1', '--dry-run', '--json'], { env: { BUS_STORE: file } });
      expect(JSON.parse(fromEnv.stdout)).toMatchObject({ matched: 2 });
      writeFileSync(path.join(dir, 'bus.config.json'), JSON.stringify({ store: { url: `sqlite:${file}` } }));
      const fromFile = await runBus(['replay', '--from', '1', '--dry-run', '--json'], { cwd: dir });
      expect(JSON.parse(fromFile.stdout)).toMatchObject({ matched: 2, store: `sqlite:${file}` });
      writeFileSync(path.join(dir, 'bus.config.json'), JSON.stringify({ store: { url: file, prefix: 'x' } }));
      const bad = await runBus(['replay', '--from', '1', '--dry-run'], { cwd: dir });
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('unknown field "store.prefix"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
