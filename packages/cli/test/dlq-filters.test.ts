// `bus dlq` filters by error code (`--code`, the CODE of the relay's "CODE: message") and by
// partition key (`--key`), on list, redrive and purge; real SQLite file and real Postgres.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bury, encodedEnvelope, OUTBOXES, type TestOutbox } from './support/outboxes.js';
import { runBus } from './support/run-bus.js';

describe.each(OUTBOXES)('on %s', (_name, makeOutbox) => {
  let outbox: TestOutbox;
  const refused = [encodedEnvelope('orders.created', { id: 'o-1' }, 'o-1'), encodedEnvelope('orders.created', { id: 'o-2' }, 'o-2')];
  const invalid = [encodedEnvelope('orders.created', { id: 'o-1b' }, 'o-1'), encodedEnvelope('payments.failed', { id: 'p-1' }, 'p-1')];
  const plain = [encodedEnvelope('orders.created', { id: 'o-3' }, 'o-3')];
  const bus = (...args: string[]) => runBus([...args, ...outbox.flags]);
  const ids = async (...args: string[]) => {
    const run = await bus('dlq', 'list', '--json', ...args);
    expect(run.stderr).toBe('');
    return JSON.parse(run.stdout).map((row: { id: string }) => row.id);
  };

  beforeAll(async () => {
    outbox = await makeOutbox();
    await bury(outbox.store, refused, 'TRANSPORT_FAILED: broker refused');
    await bury(outbox.store, invalid, 'SCHEMA_INVALID: total must be positive');
    await bury(outbox.store, plain, 'no code here');
  });
  afterAll(() => outbox.cleanup());

  it('--code selects by the error code, and --json shows it (null when the error has none)', async () => {
    expect(await ids('--code', 'TRANSPORT_FAILED')).toEqual(refused.map((event) => event.id));
    expect(await ids('--code', 'SCHEMA_INVALID')).toEqual(invalid.map((event) => event.id));
    expect(await ids('--code', 'TRANSPORT')).toEqual([]);
    const rows = JSON.parse((await bus('dlq', 'list', '--json')).stdout) as { id: string; errorCode: string | null }[];
    expect(rows.map((row) => row.errorCode)).toEqual(['TRANSPORT_FAILED', 'TRANSPORT_FAILED', 'SCHEMA_INVALID', 'SCHEMA_INVALID', null]);
  });

  it('--key selects by partition key, combines with --code and --type, and --limit applies after them', async () => {
    expect(await ids('--key', 'o-1')).toEqual([refused[0]?.id, invalid[0]?.id]);
    expect(await ids('--key', 'o-1', '--code', 'SCHEMA_INVALID')).toEqual([invalid[0]?.id]);
    expect(await ids('--key', 'p-1', '--type', 'orders.created')).toEqual([]);
    expect(await ids('--code', 'SCHEMA_INVALID', '--limit', '1')).toEqual([invalid[0]?.id]);
    expect(await ids('--key', 'o-3', '--limit', '1')).toEqual([plain[0]?.id]);
  });

  it('redrive and purge take the same filters', async () => {
    const dry = JSON.parse((await bus('dlq', 'redrive', '--code', 'TRANSPORT_FAILED', '--dry-run', '--json')).stdout);
    expect(dry).toMatchObject({ dryRun: true, matched: 2 });
    const redrive = await bus('dlq', 'redrive', '--code', 'TRANSPORT_FAILED', '--key', 'o-2', '--yes');
    expect(redrive.code).toBe(0);
    expect(await ids()).not.toContain(refused[1]?.id);
    const purge = await bus('dlq', 'purge', '--key', 'o-1', '--code', 'SCHEMA_INVALID', '--yes');
    expect(purge.code).toBe(0);
    expect(await ids()).toEqual([refused[0]?.id, invalid[1]?.id, plain[0]?.id]);
    const stats = await outbox.store.stats();
    expect(stats).toMatchObject({ pending: 1, dead: 3 });
  });
});
