// A cluster node for the fault tests: a bus whose leadership work appends
// fenced writes to the `accepted` log as fast as it can, each row carrying the
// monotonic time (CLOCK_MONOTONIC, shared by every process of the host) at
// which the node checked that it still leads. The tests kill, stop and cut it.
// Run with `node node-child.ts` (Node strips the types); it loads the built package.
import { setTimeout as sleep } from 'node:timers/promises';
import { cluster, postgresLease } from '@bus/cluster';
import { createBus } from '@bus/core';
import pg from 'pg';

const { PG_URL, PG_SCHEMA, ELECTION, TAG, TTL_MS, RENEW_MS, MARGIN_MS, MAX_USES, WRITE_PAUSE_MS } = process.env;
if (!PG_URL || !PG_SCHEMA || !ELECTION || !TAG) throw new Error('node-child needs PG_URL, PG_SCHEMA, ELECTION, TAG');

const now = () => Number(process.hrtime.bigint()) / 1e6;
const out = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ tag: TAG, at: now(), ...line })}\n`);

const pool = new pg.Pool({
  connectionString: PG_URL,
  max: 4,
  application_name: `bus-cluster-${TAG}`,
  // A pool recycle: every connection is replaced after a few statements.
  ...(MAX_USES ? { maxUses: Number(MAX_USES), idleTimeoutMillis: 200 } : {}),
});
// A terminated idle connection is reported here; the pool replaces it.
pool.on('error', (error) => out({ ev: 'pool-error', message: error.message }));

const bus = createBus({ source: `urn:bus:cluster-fault:${TAG}` }).use(
  cluster({
    elector: postgresLease({
      pool,
      name: ELECTION,
      schema: PG_SCHEMA,
      ttlMs: Number(TTL_MS ?? 1_500),
      renewIntervalMs: Number(RENEW_MS ?? 300),
      safetyMarginMs: Number(MARGIN_MS ?? 500),
    }),
    heartbeatMs: 500,
  }),
);
bus.events.on('error', (error) => out({ ev: 'error', code: error.code, message: error.message }));
bus.events.on('leaderElected', ({ epoch }) => out({ ev: 'elected', epoch }));
bus.events.on('leadershipLost', ({ epoch }) => out({ ev: 'lost', epoch }));

const onClientError = (error: Error) => out({ ev: 'pool-error', message: error.message });

bus.cluster.onLeadership(async (leadership) => {
  const pause = Number(WRITE_PAUSE_MS ?? 10);
  while (!leadership.signal.aborted) {
    let client: pg.PoolClient | undefined;
    let broken = false;
    try {
      client = await pool.connect();
      // A checked-out connection that is terminated emits `error`: the statement in flight rejects too.
      client.on('error', onClientError);
      await client.query('BEGIN');
      const believedAt = now();
      if (!leadership.isValid()) {
        await client.query('ROLLBACK');
        break;
      }
      const { rows } = await client.query(
        `INSERT INTO "${PG_SCHEMA}".accepted (epoch, node, believed_at) VALUES ($1, $2, $3) RETURNING seq`,
        [leadership.epoch, TAG, believedAt],
      );
      await leadership.fence(client);
      await client.query('COMMIT');
      out({ ev: 'write', epoch: leadership.epoch, seq: Number(rows[0].seq) });
    } catch (error) {
      broken = true;
      out({ ev: 'refused', epoch: leadership.epoch, code: (error as { code?: string }).code, message: (error as Error).message });
      await client?.query('ROLLBACK').catch(() => undefined);
    } finally {
      // A connection that failed is destroyed, not reused.
      client?.off('error', onClientError);
      client?.release(broken);
    }
    await sleep(pause);
  }
});

await bus.start();
out({ ev: 'ready', node: bus.cluster.node.id });
process.once('SIGTERM', () => {
  void bus.stop().then(async () => {
    await pool.end();
    process.exit(0);
  });
});
