// Runs the demo as a user would (`node src/main.ts`) against the real broker,
// once on SQLite and once on Postgres, each in a namespace of its own, then
// reads both services' databases: every committed order has exactly one
// invoice, the rolled-back order left no trace anywhere, and the outbox is empty.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { promisify } from 'node:util';
import { deleteByPrefix } from '@bus/scripts/kafka-test';
import { readServicesEnv } from '@bus/scripts/services-env';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { schemaPrefixOf } from '../src/config.ts';

const { kafkaBrokers: brokers, pgUrl } = readServicesEnv();
const namespace = `test.example-outbox.${randomBytes(4).toString('hex')}`;
const dataDir = mkdtempSync(path.join(tmpdir(), 'bus-example-outbox-test-'));
const schemas: string[] = [];

afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  if (pgUrl && schemas.length > 0) {
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  }
  if (brokers) await deleteByPrefix(namespace, brokers.split(','));
}, 60_000);

/** What the demo printed, parsed. */
interface DemoRun {
  readonly stdout: string;
  /** Committed orders: event id → order id. */
  readonly committed: Map<string, string>;
  readonly rolledBack: { readonly orderId: string; readonly eventId: string };
  /** Invoice lines: [order id, event id], in the order printed. */
  readonly invoiced: [string, string][];
}

async function runDemo(env: NodeJS.ProcessEnv): Promise<DemoRun> {
  if (!brokers) throw new Error('BUS_KAFKA_BROKERS is not set: start the broker with `node scripts/services.mjs up`.');
  const { DATABASE_URL: _ignored, ...rest } = process.env;
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(import.meta.dirname, '..', 'src', 'main.ts')], {
    env: { ...rest, BUS_KAFKA_BROKERS: brokers, EXAMPLE_ORDERS: '5', ...env },
    timeout: 90_000,
  });
  const committed = new Map(
    [...stdout.matchAll(/\[orders \] wrote (ord-\S+) .* orders\.created (\S+) in one transaction/g)].map((m) => [
      m[2] as string,
      m[1] as string,
    ]),
  );
  const rolled = /\[orders \] rolled back (ord-\S+) \(payment declined\): its row and its event (\S+) never existed/.exec(stdout);
  expect(rolled, stdout).not.toBeNull();
  const invoiced = [...stdout.matchAll(/\[billing\] invoiced (ord-\S+): \w+ owes €[\d.]+ \(event (\S+)\)/g)].map(
    (m) => [m[1], m[2]] as [string, string],
  );
  return { stdout, committed, rolledBack: { orderId: rolled?.[1] as string, eventId: rolled?.[2] as string }, invoiced };
}

/** Reads a service's tables. */
type Inspect = (service: 'orders' | 'billing', sql: string) => Promise<Record<string, unknown>[]>;

async function expectEveryOrderInvoicedOnce(demo: DemoRun, inspect: Inspect): Promise<void> {
  const { stdout, committed, rolledBack, invoiced } = demo;
  // What the demo said.
  expect(committed.size, stdout).toBe(5);
  expect(invoiced.map(([, eventId]) => eventId).sort()).toEqual([...committed.keys()].sort());
  for (const [orderId, eventId] of invoiced) expect(committed.get(eventId)).toBe(orderId);
  expect(invoiced.map(([orderId]) => orderId)).not.toContain(rolledBack.orderId);
  const [firstEventId, firstOrderId] = [...committed.entries()][0] as [string, string];
  expect(stdout).toContain(`[orders ] sent ${firstEventId} (${firstOrderId}) to Kafka again`);
  expect(stdout).toContain(`[billing] inbox skipped the redelivered ${firstEventId}: no second invoice for ${firstOrderId}`);
  expect(stdout).toContain('[orders ] relay: 5 events relayed to Kafka, 0 pending, 0 dead');
  expect(stdout).toContain(
    `summary: 5 orders written, 5 events relayed, 5 invoices made, 1 redelivery skipped, 1 rolled-back order (${rolledBack.orderId}) whose event never appeared: true`,
  );
  expect(stdout).toContain('✔ every committed order was invoiced exactly once');

  // What the databases hold.
  const orderIds = (await inspect('orders', 'SELECT id FROM orders ORDER BY id')).map((row) => row.id);
  expect(orderIds).toEqual([...committed.values()].sort());
  const invoices = await inspect('billing', 'SELECT order_id, event_id FROM invoices ORDER BY order_id');
  expect(invoices.map((row) => [row.order_id, row.event_id])).toEqual([...committed.entries()].map(([e, o]) => [o, e]).sort());
  expect(await inspect('orders', 'SELECT event_id FROM bus_outbox')).toEqual([]);
  expect(await inspect('orders', 'SELECT event_id FROM bus_outbox_dead')).toEqual([]);
  const handled = (await inspect('billing', 'SELECT event_id FROM bus_inbox')).map((row) => row.event_id);
  expect([...handled].sort()).toEqual([...committed.keys()].sort());
  expect(handled).not.toContain(rolledBack.eventId);
  console.log(
    `example-outbox: ${committed.size} orders committed, 1 rolled back, ${invoices.length} invoices, ${handled.length} inbox records, 1 redelivery skipped, 0 outbox rows left`,
  );
}

describe('the outbox example', () => {
  it('on SQLite (zero setup): relays every committed order to Kafka, invoices each once, skips the redelivery, never sends the rolled-back one', async () => {
    const dir = path.join(dataDir, 'sqlite');
    mkdirSync(dir);
    const demo = await runDemo({ EXAMPLE_NAMESPACE: `${namespace}.sqlite`, EXAMPLE_DATA_DIR: dir });
    expect(demo.stdout).toContain(`[orders ] database: ${path.join(dir, 'orders.db')}`);
    const files = { orders: new DatabaseSync(path.join(dir, 'orders.db')), billing: new DatabaseSync(path.join(dir, 'billing.db')) };
    try {
      await expectEveryOrderInvoicedOnce(demo, async (service, sql) => files[service].prepare(sql).all() as Record<string, unknown>[]);
    } finally {
      files.orders.close();
      files.billing.close();
    }
  });

  it('on Postgres (DATABASE_URL): the same, each service in a schema of its own', async () => {
    if (!pgUrl) throw new Error('BUS_PG_URL is not set: start the services (`pnpm services:up`) or set BUS_PG_URL.');
    const prefix = schemaPrefixOf(`${namespace}.postgres`);
    schemas.push(`${prefix}orders`, `${prefix}billing`);
    const demo = await runDemo({ EXAMPLE_NAMESPACE: `${namespace}.postgres`, DATABASE_URL: pgUrl });
    expect(demo.stdout).toContain(`[orders ] database: schema ${prefix}orders of`);
    const pool = new pg.Pool({ connectionString: pgUrl, max: 2 });
    try {
      await expectEveryOrderInvoicedOnce(demo, async (service, sql) => {
        const client = await pool.connect();
        try {
          await client.query(`SET search_path TO "${prefix}${service}"`);
          return (await client.query(sql)).rows;
        } finally {
          client.release();
        }
      });
    } finally {
      await pool.end();
    }
  });
});
