// The Kysely adapter (`@bus/outbox/kysely`) against the real Postgres: the
// outbox row goes through the connection of `db.transaction().execute(…)` and
// commits or rolls back with the app's own query-builder writes. The relay
// sends to the in-process transport; the Kafka tests cover the broker.
import { randomBytes } from 'node:crypto';
import { type Bus, BusError, createBus, type EventEnvelope } from '@bus/core';
import { waitFor } from '@bus/transport-tests';
import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OutboxExtension, outbox, postgresOutbox } from '../src/index.js';
import { kyselyTransaction } from '../src/kysely-transaction.js';
import { requirePostgresUrl } from './support/store-env.js';

interface Database {
  orders: { id: string; total: number };
}

class RolledBack extends Error {}

describe('kyselyTransaction on Postgres', () => {
  const schema = `bus_outbox_kysely_${process.pid}_${randomBytes(3).toString('hex')}`;
  let pool: pg.Pool;
  let db: Kysely<Database>;
  let bus: Bus & OutboxExtension;
  const received: EventEnvelope[] = [];
  const ids = () => received.map((event) => event.id);

  beforeAll(async () => {
    const url = requirePostgresUrl();
    const setup = new pg.Client({ connectionString: url });
    await setup.connect();
    await setup.query(`CREATE SCHEMA "${schema}"`);
    await setup.end();
    // The app's table and the outbox's live in the test's own schema.
    pool = new pg.Pool({ connectionString: url, max: 5, options: `-c search_path=${schema}` });
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    await db.schema
      .createTable('orders')
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('total', 'integer', (column) => column.notNull())
      .execute();
    bus = createBus({ source: 'orders' }).use(outbox({ store: postgresOutbox({ pool, schema }), pollIntervalMs: 50 }));
    bus.subscribe('orders.created', (event) => void received.push(event));
    await bus.start();
  });

  afterAll(async () => {
    await bus?.stop();
    await pool?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db?.destroy(); // ends the pool
  });

  const orderIds = async () => (await db.selectFrom('orders').select('id').orderBy('id').execute()).map((row) => row.id);
  const outboxRows = async (eventId: string) =>
    (await pool.query(`SELECT count(*)::int AS n FROM "${schema}".bus_outbox WHERE event_id = $1`, [eventId])).rows[0]?.n as number;

  it('sends the event once the Kysely transaction commits, with the app row', async () => {
    const receipt = await db.transaction().execute(async (trx) => {
      await trx.insertInto('orders').values({ id: 'o-1', total: 42 }).execute();
      const published = await bus.publish(
        'orders.created',
        { id: 'o-1', total: 42 },
        { tx: kyselyTransaction(trx, 'postgres'), key: 'o-1' },
      );
      expect(await outboxRows(published.id)).toBe(0); // not visible outside the transaction before COMMIT
      return published;
    });
    await waitFor(() => ids().includes(receipt.id), 10_000, { message: 'the committed order event' });
    await waitFor(async () => (await bus.outbox.stats()).pending === 0, 10_000);
    expect(received).toHaveLength(1);
    expect(received[0]?.data).toEqual({ id: 'o-1', total: 42 });
    expect(received[0]?.partitionkey).toBe('o-1');
    expect(await orderIds()).toEqual(['o-1']);
  });

  it('writes a publishBatch in the Kysely transaction: all of it, after commit', async () => {
    const receipts = await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('orders')
        .values([
          { id: 'o-2', total: 2 },
          { id: 'o-3', total: 3 },
        ])
        .execute();
      return bus.publishBatch(
        [
          { type: 'orders.created', data: { id: 'o-2', total: 2 }, partitionkey: 'o-2' },
          { type: 'orders.created', data: { id: 'o-3', total: 3 }, partitionkey: 'o-3' },
        ],
        { tx: kyselyTransaction(trx, 'postgres') },
      );
    });
    await waitFor(() => receipts.every((receipt) => ids().includes(receipt.id)), 10_000, { message: 'the batch' });
    expect(await orderIds()).toEqual(['o-1', 'o-2', 'o-3']);
  });

  it('leaves no row and sends nothing when the transaction throws (rollback)', async () => {
    let rolledBackId: string | undefined;
    const failure = await db
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto('orders').values({ id: 'o-gone', total: 1 }).execute();
        rolledBackId = (await bus.publish('orders.created', { id: 'o-gone' }, { tx: kyselyTransaction(trx, 'postgres'), key: 'o-gone' }))
          .id;
        throw new RolledBack('the app failed after publishing');
      })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RolledBack);
    expect(rolledBackId).toBeDefined();
    // A later commit on the same key is sent; the relay sends in table order, so once it arrived the rolled-back one would have too.
    const after = await db.transaction().execute(async (trx) => {
      await trx.insertInto('orders').values({ id: 'o-after', total: 7 }).execute();
      return bus.publish('orders.created', { id: 'o-after' }, { tx: kyselyTransaction(trx, 'postgres'), key: 'o-gone' });
    });
    await waitFor(() => ids().includes(after.id), 10_000, { message: 'the order committed after the rollback' });
    await waitFor(async () => (await bus.outbox.stats()).pending === 0, 10_000);
    expect(ids()).not.toContain(rolledBackId);
    expect(await outboxRows(rolledBackId as string)).toBe(0);
    expect(await orderIds()).not.toContain('o-gone');
    expect(await bus.outbox.stats()).toMatchObject({ pending: 0, dead: 0 });
  });

  it('sends from a controlled transaction (db.startTransaction()) once it commits', async () => {
    const trx = await db.startTransaction().execute();
    // `<Database>` spelled out: TypeScript does not infer Transaction<DB>'s DB from a ControlledTransaction<DB, S>.
    await trx.insertInto('orders').values({ id: 'o-controlled', total: 5 }).execute();
    const receipt = await bus.publish('orders.created', { id: 'o-controlled' }, { tx: kyselyTransaction<Database>(trx, 'postgres') });
    expect(await outboxRows(receipt.id)).toBe(0);
    await trx.commit().execute();
    await waitFor(() => ids().includes(receipt.id), 10_000, { message: 'the event of the controlled transaction' });
    expect(await orderIds()).toContain('o-controlled');
  });

  it('refuses a trx whose transaction already ended with a BusError, and writes nothing', async () => {
    const ended = await db.transaction().execute(async (trx) => trx);
    const failure = await bus
      .publish('orders.created', { id: 'o-late' }, { tx: kyselyTransaction(ended, 'postgres'), id: 'evt-kysely-ended' })
      .catch((error: unknown) => error);
    expect(BusError.is(failure) && failure.code).toBe('TX_INVALID');
    expect((failure as BusError).message).toMatch(/ended \(committed\)/);
    expect(await outboxRows('evt-kysely-ended')).toBe(0);
  });

  it('checks the database a trx is on when told it, with TX_INVALID for another', async () => {
    await db.transaction().execute(async (trx) => {
      const failure = await bus
        .publish(
          'orders.created',
          { id: 'o-db' },
          { tx: kyselyTransaction(trx, 'postgres', { database: 'not_this_one' }), id: 'evt-kysely-other-db' },
        )
        .catch((error: unknown) => error);
      expect(BusError.is(failure) && failure.code).toBe('TX_INVALID');
      expect((failure as BusError).message).toMatch(/not_this_one/);
    });
    expect(await outboxRows('evt-kysely-other-db')).toBe(0);
  });

  it('refuses a controlled transaction after its commit with TX_INVALID, before any statement', async () => {
    const trx = await db.startTransaction().execute();
    await trx.commit().execute();
    const failure = await bus
      .publish('orders.created', { id: 'o-after' }, { tx: kyselyTransaction<Database>(trx, 'postgres'), id: 'evt-kysely-after' })
      .catch((error: unknown) => error);
    expect(BusError.is(failure) && failure.code).toBe('TX_INVALID');
    expect((failure as BusError).message).toMatch(/BEGIN/);
    expect(await outboxRows('evt-kysely-after')).toBe(0);
  });

  it('refuses the Kysely db itself (not a transaction) with TX_INVALID, and writes nothing', async () => {
    const before = received.length;
    const notATransaction = db as unknown as Transaction<Database>;
    const failure = await bus
      .publish('orders.created', { id: 'o-no' }, { tx: kyselyTransaction(notATransaction, 'postgres'), id: 'evt-kysely-db' })
      .catch((error: unknown) => error);
    expect(BusError.is(failure) && failure.code).toBe('TX_INVALID');
    expect((failure as BusError).eventId).toBe('evt-kysely-db');
    expect((failure as BusError).message).toMatch(/BEGIN/);
    expect(await outboxRows('evt-kysely-db')).toBe(0);
    expect((await bus.outbox.stats()).pending).toBe(0);
    expect(received.length).toBe(before);
  });

  it('refuses what is not a Kysely transaction, and a dialect it does not know, with TX_INVALID', async () => {
    const codeOf = (make: () => unknown) => {
      try {
        make();
        return 'no error';
      } catch (error) {
        return BusError.is(error) ? error.code : String(error);
      }
    };
    expect(codeOf(() => kyselyTransaction({} as Transaction<Database>, 'postgres'))).toBe('TX_INVALID');
    await db.transaction().execute(async (trx) => {
      expect(codeOf(() => kyselyTransaction(trx, 'mysql' as 'postgres'))).toBe('TX_INVALID');
    });
  });
});
