// The JSON Lines backend's files: the Ares layout, daily rotation, gzip, and recovery
// from what a crash leaves behind.
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createEventStore, type EventStore, jsonlBackend } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'bus-persistence-jsonl-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let directories = 0;
const DAY = 86_400_000;
const START = Date.UTC(2025, 7, 14, 9, 30); // 2025-08-14

function open(directory: string, clock: { now: number }, options: { compress?: boolean } = {}) {
  const warnings: string[] = [];
  const store = createEventStore({
    backend: jsonlBackend({ directory, onWarning: (message) => void warnings.push(message), ...options }),
    clock: () => clock.now,
  });
  return { store, warnings };
}

function fresh(): string {
  return join(root, `store-${++directories}`);
}

async function data(store: EventStore): Promise<unknown[]> {
  return (await store.readAll()).map((record) => record.event.data);
}

describe('jsonl backend files', () => {
  it('writes one event per line to events/events_YYYYMMDD.jsonl, a new file each UTC day, and snapshots to snapshots/', async () => {
    const directory = fresh();
    const clock = { now: START };
    const { store } = open(directory, clock);
    await store.append('trader_1', [
      { type: 'trade.executed', data: 1 },
      { type: 'trade.executed', data: 2 },
    ]);
    clock.now += DAY;
    await store.append('trader_1', { type: 'trade.executed', data: 3 });
    await store.saveSnapshot({ stream: 'trader_1', version: 2, state: { balance: 1000 } });
    await store.close();

    expect(readdirSync(join(directory, 'events')).sort()).toEqual(['events_20250814.jsonl', 'events_20250815.jsonl']);
    const lines = readFileSync(join(directory, 'events', 'events_20250814.jsonl'), 'utf8')
      .trimEnd()
      .split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ position: 1, stream: 'trader_1', version: 0, more: true, event: { data: 1 } });
    expect(JSON.parse(lines[1] as string)).not.toHaveProperty('more');
    expect(readdirSync(join(directory, 'snapshots'))).toEqual(['snapshot_trader_1_2.json']);
    expect(JSON.parse(readFileSync(join(directory, 'snapshots', 'snapshot_trader_1_2.json'), 'utf8'))).toMatchObject({
      state: { balance: 1000 },
    });
  });

  it('gzips a day once the next day starts (and past days at open), and reads gzipped days back', async () => {
    const directory = fresh();
    const clock = { now: START };
    const first = open(directory, clock, { compress: true });
    await first.store.append('s', { type: 'e', data: 'day 1' });
    clock.now += DAY;
    await first.store.append('s', { type: 'e', data: 'day 2' });
    await first.store.close();
    const files = readdirSync(join(directory, 'events')).sort();
    expect(files).toEqual(['events_20250814.jsonl.gz', 'events_20250815.jsonl']);
    const unzipped = gunzipSync(readFileSync(join(directory, 'events', 'events_20250814.jsonl.gz'))).toString('utf8');
    expect(JSON.parse(unzipped.trim())).toMatchObject({ event: { data: 'day 1' } });

    // A store written without compression is compressed when opened with it.
    const plain = fresh();
    const writer = open(plain, clock);
    await writer.store.append('s', { type: 'e', data: 'a' });
    clock.now += DAY;
    await writer.store.append('s', { type: 'e', data: 'b' });
    await writer.store.close();
    const reader = open(plain, clock, { compress: true });
    expect(await data(reader.store)).toEqual(['a', 'b']);
    expect(readdirSync(join(plain, 'events')).sort()).toEqual(['events_20250815.jsonl.gz', 'events_20250816.jsonl']);
    await reader.store.close();

    const again = open(directory, clock, { compress: true });
    expect(await data(again.store)).toEqual(['day 1', 'day 2']);
    expect(again.warnings).toEqual([]);
    await again.store.close();
  });

  it('skips a truncated last line with a warning, keeps everything before it, and appends on a clean line', async () => {
    const directory = fresh();
    const clock = { now: START };
    const first = open(directory, clock);
    await first.store.append('s', [
      { type: 'e', data: 1 },
      { type: 'e', data: 2 },
    ]);
    await first.store.close();
    // A crash in the middle of writing the next event: half a line, no newline.
    const file = join(directory, 'events', 'events_20250814.jsonl');
    appendFileSync(file, '{"position":3,"stream":"s","version":2,"storedAt":"2025-08-14T09:30:00.000Z","event":{"id":"x","ty');

    const second = open(directory, clock);
    expect(await data(second.store)).toEqual([1, 2]);
    expect(second.warnings.join('\n')).toMatch(/events_20250814\.jsonl: line 3 is cut short/);
    const { version } = await second.store.append('s', { type: 'e', data: 3 }, { expectedVersion: 1 });
    expect(version).toBe(2);
    await second.store.close();
    expect(readdirSync(join(directory, 'events')).some((name) => name.startsWith('events_20250814.jsonl.torn-'))).toBe(true);

    const third = open(directory, clock);
    expect(await data(third.store)).toEqual([1, 2, 3]);
    expect(third.warnings).toEqual([]);
    await third.store.close();
  });

  it('warns on its logger when no onWarning is given', async () => {
    const directory = fresh();
    const clock = { now: START };
    const first = open(directory, clock);
    await first.store.append('s', { type: 'e', data: 1 });
    await first.store.close();
    appendFileSync(join(directory, 'events', 'events_20250814.jsonl'), '{"position":2,"stream":"s","ver');
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const store = createEventStore({ backend: jsonlBackend({ directory, logger }), clock: () => clock.now });
    expect(await data(store)).toEqual([1]);
    await store.close();
    expect(logger.warn).toHaveBeenCalledWith(
      { backend: 'jsonl', directory },
      expect.stringMatching(/events_20250814\.jsonl: line 2 is cut short/),
    );
  });

  it('keeps an append atomic: a crash inside a multi-event append loses all of its events, none of the earlier ones', async () => {
    const directory = fresh();
    const clock = { now: START };
    const first = open(directory, clock);
    await first.store.append('s', { type: 'e', data: 'before' });
    await first.store.append('s', [
      { type: 'e', data: 'batch 1' },
      { type: 'e', data: 'batch 2' },
      { type: 'e', data: 'batch 3' },
    ]);
    await first.store.close();
    const file = join(directory, 'events', 'events_20250814.jsonl');
    const text = readFileSync(file, 'utf8');
    // Cut the file inside the batch's last line, as a crash during that write would.
    truncateSync(file, text.lastIndexOf('batch 3'));

    const second = open(directory, clock);
    expect(await data(second.store)).toEqual(['before']);
    expect(second.warnings.join('\n')).toMatch(/incomplete/);
    expect(await second.store.streamVersion('s')).toBe(0);
    await second.store.append('s', { type: 'e', data: 'after' }, { expectedVersion: 0 });
    await second.store.close();
    const third = open(directory, clock);
    expect(await data(third.store)).toEqual(['before', 'after']);
    await third.store.close();
  });

  it('skips garbage lines in the middle of a file with a warning, reads the events after them, and cuts garbage off the end', async () => {
    const directory = fresh();
    const clock = { now: START };
    const first = open(directory, clock);
    await first.store.append('s', { type: 'e', data: 1 });
    await first.store.append('s', { type: 'e', data: 2 });
    await first.store.close();
    const file = join(directory, 'events', 'events_20250814.jsonl');
    const [one, two] = readFileSync(file, 'utf8').trimEnd().split('\n');
    writeFileSync(file, `${one}\nthis is not json\n{"valid json":"but not an event"}\n${two}\nmore garbage at the end\n`);

    const second = open(directory, clock);
    expect(await data(second.store)).toEqual([1, 2]);
    expect(second.warnings).toHaveLength(4);
    expect(second.warnings[0]).toMatch(/line 2 is not a stored event/);
    expect(second.warnings[1]).toMatch(/line 3 is not a stored event/);
    expect(second.warnings[2]).toMatch(/line 5 is not a stored event/);
    expect(second.warnings[3]).toMatch(/cut back/);
    await second.store.append('s', { type: 'e', data: 3 }, { expectedVersion: 1 });
    await second.store.close();

    const third = open(directory, clock);
    expect(await data(third.store)).toEqual([1, 2, 3]);
    expect(third.warnings).toHaveLength(2); // the two in the middle stay where they are
    await third.store.close();
  });

  it('never crashes on an unreadable gzip file or snapshot: it warns and carries on', async () => {
    const directory = fresh();
    const clock = { now: START };
    const first = open(directory, clock);
    await first.store.append('acct', { type: 'e', data: 'kept' });
    await first.store.saveSnapshot({ stream: 'acct', version: 0, state: { ok: true } });
    await first.store.close();
    writeFileSync(join(directory, 'events', 'events_20250101.jsonl.gz'), 'not gzip at all');
    writeFileSync(join(directory, 'snapshots', 'snapshot_acct_7.json'), '{"torn":');

    const second = open(directory, clock);
    expect(await data(second.store)).toEqual(['kept']);
    expect(await second.store.loadSnapshot('acct')).toMatchObject({ version: 0, state: { ok: true } });
    expect(second.warnings.join('\n')).toMatch(/events_20250101\.jsonl\.gz could not be decompressed/);
    expect(second.warnings.join('\n')).toMatch(/snapshot_acct_7\.json is unreadable/);
    await second.store.close();
    expect(existsSync(join(directory, 'events', 'events_20250101.jsonl.gz'))).toBe(true);
  });
});
