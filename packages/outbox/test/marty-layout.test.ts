// The 'marty' layout read the way a Python Marty service (SQLAlchemy's OutboxEvent and DeadLetterEvent) or a SQL
// dashboard reads it: plain SQL on event_outbox and event_dead_letter, through every status a row goes through.
import { BusError, createBus } from '@bus/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outbox, postgresOutbox, sqliteOutbox } from '../src/index.js';
import { sqliteMartyTime } from '../src/marty-columns.js';
import { postgresEnv, type StoreEnv, sqliteEnv } from './support/store-env.js';

const OUTBOX_COLUMNS = [
  'id',
  'event_id',
  'event_type',
  'event_data',
  'event_metadata',
  'status',
  'priority',
  'created_at',
  'scheduled_at',
  'processed_at',
  'expires_at',
  'attempts',
  'max_attempts',
  'error_message',
  'correlation_id',
  'source_service',
  'tenant_id',
  'is_dead_letter',
];
const DEAD_COLUMNS = [
  'id',
  'original_event_id',
  'event_type',
  'event_data',
  'event_metadata',
  'failure_reason',
  'failed_at',
  'attempts_made',
  'can_retry',
  'source_service',
];

/** Python's column types as each database names them (String/Text, Integer, DateTime(timezone=True), Boolean). */
const TYPES = {
  postgres: { text: 'text', integer: 'integer', time: 'timestamp with time zone', boolean: 'boolean' },
  sqlite: { text: 'TEXT', integer: 'INTEGER', time: 'TEXT', boolean: 'INTEGER' },
} as const;
const TYPE_OF: Record<string, keyof (typeof TYPES)['postgres']> = {
  priority: 'integer',
  attempts: 'integer',
  max_attempts: 'integer',
  attempts_made: 'integer',
  created_at: 'time',
  scheduled_at: 'time',
  processed_at: 'time',
  expires_at: 'time',
  failed_at: 'time',
  is_dead_letter: 'boolean',
  can_retry: 'boolean',
};

describe.each([
  ['sqlite', sqliteEnv],
  ['postgres', postgresEnv],
] as const)('the marty layout on %s, read with plain SQL', (name, makeEnv) => {
  let env: StoreEnv;
  beforeAll(async () => {
    env = await makeEnv('marty');
  });
  afterAll(() => env.cleanup());

  async function columnsOf(table: string): Promise<Map<string, string>> {
    const rows =
      name === 'postgres'
        ? await env.query(
            'SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?',
            [table],
          )
        : await env.query('SELECT name, type FROM pragma_table_info(?)', [table]);
    return new Map(rows.map((row) => [String(row.name), String(row.type)]));
  }
  const row = async (eventId: string) => (await env.query('SELECT * FROM event_outbox WHERE event_id = ?', [eventId]))[0];
  const deadRows = async (eventId: string) => env.query('SELECT * FROM event_dead_letter WHERE original_event_id = ?', [eventId]);
  const yes = (value: unknown) => value === true || value === 1;
  const time = (ms: number) => (name === 'postgres' ? new Date(ms) : sqliteMartyTime(ms));

  it("creates Python's tables and columns with Python's types", async () => {
    const store = env.store('python', {});
    await store.open();
    const types = TYPES[name];
    const outboxColumns = await columnsOf('event_outbox');
    const deadColumns = await columnsOf('event_dead_letter');
    for (const [columns, expected] of [
      [outboxColumns, OUTBOX_COLUMNS],
      [deadColumns, DEAD_COLUMNS],
    ] as const) {
      for (const column of expected) expect([column, columns.get(column)]).toEqual([column, types[TYPE_OF[column] ?? 'text']]);
      // Every other column is the relay's, and says so.
      expect([...columns.keys()].filter((column) => !expected.includes(column)).every((column) => column.startsWith('bus_'))).toBe(true);
    }
    await store.close();
  });

  it('walks a row pending → processing → pending (retry) → completed, and a dead one into event_dead_letter and back', async () => {
    const store = env.store('python', {});
    const bus = createBus({ source: 'users-service' }).use(outbox({ store, relay: false, always: true }));
    await bus.start();
    const metadata = { event_id: 'evt-1', correlation_id: 'corr-1', source_service: 'users', tenant_id: 'acme', priority: 3 };
    const data = { event_type: 'user.created', data: { id: 'u-1' }, metadata };
    const deliverAt = Date.now() + 60_000;
    await bus.publish('user.created', data, { id: 'evt-1', deliverAt: new Date(deliverAt), key: 'u-1' });

    const written = await row('evt-1');
    expect(written).toMatchObject({ event_type: 'user.created', status: 'pending', attempts: 0, max_attempts: 3, priority: 3 });
    expect(written).toMatchObject({ correlation_id: 'corr-1', source_service: 'users', tenant_id: 'acme', error_message: null });
    expect(JSON.parse(String(written?.event_data))).toEqual(data);
    expect(JSON.parse(String(written?.event_metadata))).toEqual(metadata);
    expect(yes(written?.is_dead_letter)).toBe(false);
    expect(written?.scheduled_at).toEqual(time(deliverAt));
    expect(written?.processed_at).toBeNull();
    expect(String(written?.id)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/); // a UUIDv7
    expect(written?.id).not.toBe('evt-1');

    // Not due yet; then due (as a dashboard would move it): claimed, it is processing.
    expect(await store.claim('relay-1', 10, 60_000)).toEqual([]);
    await env.query(`UPDATE event_outbox SET bus_available_at = ${name === 'postgres' ? 'now()' : '0'} WHERE event_id = ?`, ['evt-1']);
    const [claimed] = await store.claim('relay-1', 10, 60_000);
    expect(claimed?.envelope).toMatchObject({ id: 'evt-1', type: 'user.created', data, partitionkey: 'u-1' });
    expect(await row('evt-1')).toMatchObject({ status: 'processing', bus_claimed_by: 'relay-1' });
    await store.release('relay-1', [claimed?.seq ?? -1]);
    expect(await row('evt-1')).toMatchObject({ status: 'pending' });

    const [again] = await store.claim('relay-1', 10, 60_000);
    await store.retry('relay-1', again?.seq ?? -1, 1, Date.now() - 1, 'broker down');
    expect(await row('evt-1')).toMatchObject({ status: 'pending', attempts: 1, error_message: 'broker down' });
    const [third] = await store.claim('relay-1', 10, 60_000);
    expect(third?.attempts).toBe(1);
    await store.complete('relay-1', [third?.seq ?? -1], true);
    const sent = await row('evt-1');
    expect(sent).toMatchObject({ status: 'completed', error_message: null });
    expect(sent?.processed_at).not.toBeNull();
    expect((await bus.outbox.stats()).pending).toBe(0);

    // A row that dies: marked in the outbox, and a dead-letter row beside it.
    await bus.publish('user.deleted', { event_type: 'user.deleted', data: {}, metadata: { source_service: 'users' } }, { id: 'evt-2' });
    const [doomed] = await store.claim('relay-1', 10, 60_000);
    await store.bury('relay-1', doomed?.seq ?? -1, 3, 'topic refused');
    const dead = await row('evt-2');
    expect(dead).toMatchObject({ status: 'dead_letter', attempts: 3, error_message: 'topic refused' });
    expect(yes(dead?.is_dead_letter)).toBe(true);
    const [letter, ...more] = await deadRows('evt-2');
    expect(more).toEqual([]);
    expect(letter).toMatchObject({
      event_type: 'user.deleted',
      failure_reason: 'topic refused',
      attempts_made: 3,
      source_service: 'users',
    });
    expect(letter?.event_data).toBe(dead?.event_data);
    expect(yes(letter?.can_retry)).toBe(true);
    expect(letter?.failed_at).not.toBeNull();
    expect(await store.claim('relay-1', 10, 60_000)).toEqual([]);
    const [listed] = await bus.outbox.deadLetters.list();
    expect([listed?.envelope.id, listed?.lastError, listed?.attempts, listed?.letterId]).toEqual(['evt-2', 'topic refused', 3, letter?.id]);

    // Redrive (by the dead-letter row's id, as Python's retry_dead_letter takes it): the original row is pending
    // again with its attempts reset; the dead-letter row is gone.
    expect(await bus.outbox.deadLetters.redrive({ letterIds: ['no-such-letter'] })).toBe(0);
    expect(await bus.outbox.deadLetters.redrive({ letterIds: [String(letter?.id)] })).toBe(1);
    const revived = await row('evt-2');
    expect(revived).toMatchObject({ status: 'pending', attempts: 0, error_message: null });
    expect(yes(revived?.is_dead_letter)).toBe(false);
    expect(await deadRows('evt-2')).toEqual([]);
    const [retried] = await store.claim('relay-1', 10, 60_000);
    expect(retried?.envelope.id).toBe('evt-2');

    // Dead again: a new dead letter with an id of its own (the old id no longer redrives); purge deletes it and
    // its outbox row.
    await store.bury('relay-1', retried?.seq ?? -1, 3, 'still refused');
    const [deadAgain] = await bus.outbox.deadLetters.list();
    expect(deadAgain?.seq).toBe(listed?.seq);
    expect(deadAgain?.letterId).not.toBe(letter?.id);
    expect(await bus.outbox.deadLetters.redrive({ letterIds: [String(letter?.id)] })).toBe(0);
    expect(await bus.outbox.deadLetters.purge({ ids: ['evt-2'] })).toBe(1);
    expect(await row('evt-2')).toBeUndefined();
    expect(await deadRows('evt-2')).toEqual([]);
    expect(await bus.outbox.store.cleanup(Date.now() + 1_000)).toBe(1);
    expect(await row('evt-1')).toBeUndefined();
    await bus.stop();
  });

  it('keeps encoded bytes exactly: UTF-8 JSON as readable event_data, other bytes in bus_payload', async () => {
    const store = env.store('python', {});
    await store.open();
    const json = new TextEncoder().encode(JSON.stringify({ event_type: 'blob.json', data: { é: 'ü' }, metadata: { tenant_id: 't-9' } }));
    const binary = new Uint8Array([0xff, 0x00, 0xfe, 0x01]);
    const envelope = (id: string, data: Uint8Array) => ({ specversion: '1.0' as const, id, source: 'blobs', type: 'blob.saved', data });
    await store.writeNow([
      { envelope: envelope('bytes-json', json), availableAt: undefined },
      { envelope: envelope('bytes-binary', binary), availableAt: undefined },
    ]);
    const asJson = await row('bytes-json');
    expect(JSON.parse(String(asJson?.event_data))).toMatchObject({ data: { é: 'ü' } });
    expect(asJson).toMatchObject({ tenant_id: 't-9', bus_payload: null });
    const asBinary = await row('bytes-binary');
    expect(asBinary?.event_data).toBe('null');
    expect(new Uint8Array(asBinary?.bus_payload as Uint8Array)).toEqual(binary);
    const claimed = await store.claim('relay-bytes', 10, 60_000);
    expect(claimed.map((record) => new Uint8Array(record.envelope.data as Uint8Array))).toEqual([json, binary]);
    await store.close();
  });

  it('refuses an unknown layout and bad table names with CONFIG_INVALID', () => {
    const make =
      name === 'postgres'
        ? (options: object) => postgresOutbox({ connectionString: 'postgres://x/y', ...options })
        : (options: object) => sqliteOutbox({ path: 'x.db', ...options });
    for (const options of [
      { layout: 'python' },
      { layout: 'marty', tables: { outbox: 'Event-Outbox' } },
      { layout: 'marty', tables: { deadLetters: 'event_outbox' } },
    ]) {
      let thrown: unknown;
      try {
        make(options);
      } catch (error) {
        thrown = error;
      }
      expect(BusError.is(thrown) && thrown.code).toBe('CONFIG_INVALID');
    }
  });
});
