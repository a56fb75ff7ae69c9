// `bus publish` and `bus tail`, run as the real binary against the real broker
// (`node scripts/services.mjs up`). Every topic and group starts with this file's prefix.
import { deleteByPrefix, testBrokers, uniquePrefix } from '@bus/scripts/kafka-test';
import { Admin } from '@platformatic/kafka';
import { afterAll, describe, expect, it } from 'vitest';
import { runBus, startBus } from './support/run-bus.js';

const brokers = testBrokers().join(',');
const prefix = uniquePrefix('publish-tail', 'cli');
const env = { BUS_KAFKA_BROKERS: brokers };
let groups = 0;
const group = () => `${prefix}.tail.${++groups}`;

afterAll(() => deleteByPrefix(prefix), 60_000);

describe('bus publish', () => {
  it('publishes JSON data with a key and headers, and says where it went', async () => {
    const run = await runBus(['publish', `${prefix}.orders.eu.created`, '{"id":"o-1"}', '--key', 'o-1', '-H', 'tenantid=acme'], { env });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^Published \\S+ \\(${prefix}.orders.eu.created\\) to topic ${prefix}.orders.eu.created.\\n$`));
  });

  it('--json prints the receipt; data comes from @file or stdin too', async () => {
    const fromStdin = await runBus(['publish', `${prefix}.orders.us.created`, '-', '--json', '--brokers', brokers], {
      stdin: '{"id":"o-2"}',
    });
    expect(fromStdin.code).toBe(0);
    expect(JSON.parse(fromStdin.stdout)).toMatchObject({
      type: `${prefix}.orders.us.created`,
      topic: `${prefix}.orders.us.created`,
      key: null,
    });
  });

  it('rejects data that is not JSON and a malformed header as usage errors (exit 2)', async () => {
    const notJson = await runBus(['publish', `${prefix}.orders.eu.created`, '{id: o-1}'], { env });
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain('the data argument is not JSON');
    const badHeader = await runBus(['publish', `${prefix}.orders.eu.created`, '{}', '-H', 'Tenant=acme'], { env });
    expect(badHeader.code).toBe(2);
    expect(badHeader.stderr).toContain("'Tenant' is not a CloudEvents extension name");
    const missingFile = await runBus(['publish', `${prefix}.orders.eu.created`, '@/no/such/file.json'], { env });
    expect(missingFile.code).toBe(2);
    expect(missingFile.stderr).toContain('cannot read the data file /no/such/file.json');
  });

  it('exits 1 with a typed message when no broker answers', async () => {
    const run = await runBus(['publish', `${prefix}.orders.eu.created`, '{}', '--brokers', '127.0.0.1:1']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^bus: TRANSPORT_FAILED: Kafka could not connect to 127\.0\.0\.1:1/);
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('bus tail', () => {
  it('prints the events of a * pattern from the earliest, one line each, and stops after --max', async () => {
    const run = await runBus(['tail', `${prefix}.orders.*.created`, '--from', 'earliest', '--max', '2', '--group', group()], { env });
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n').sort();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^\\S+Z ${prefix}.orders.eu.created \\S+ key=o-1 \\{"id":"o-1"\\}$`));
    expect(lines[1]).toMatch(new RegExp(`^\\S+Z ${prefix}.orders.us.created \\S+ \\{"id":"o-2"\\}$`));
    expect(run.stderr).toContain('Stopped after 2 events.');
  });

  it('--json prints one CloudEvent a line, headers as extension attributes', async () => {
    const run = await runBus(['tail', `${prefix}.#`, '--from', 'earliest', '--max', '2', '--json', '--group', group()], { env });
    expect(run.code).toBe(0);
    const events = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const eu = events.find((event) => event.type === `${prefix}.orders.eu.created`);
    expect(eu).toMatchObject({ specversion: '1.0', source: 'bus-cli', partitionkey: 'o-1', tenantid: 'acme', data: { id: 'o-1' } });
  });

  it('--from latest shows only what is published after it started', async () => {
    const tail = startBus(['tail', `${prefix}.orders.*.created`, '--from', 'latest', '--max', '1', '--json', '--group', group()], { env });
    await tail.waitFor('Tailing');
    const published = await runBus(['publish', `${prefix}.orders.eu.created`, '{"id":"o-3"}', '--json'], { env });
    const { id } = JSON.parse(published.stdout);
    const run = await tail.exited;
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout.trim())).toMatchObject({ id, data: { id: 'o-3' } });
  });

  it('stops cleanly on Ctrl-C (SIGINT) with exit 0', async () => {
    const tail = startBus(['tail', `${prefix}.nothing.here.#`, '--group', group()], { env });
    await tail.waitFor('Tailing');
    tail.child.kill('SIGINT');
    const run = await tail.exited;
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('Stopped after 0 events.');
  });

  it('deletes the consumer group it made for itself when it stops (and keeps one given with --group)', async () => {
    const listGroups = async () => {
      const admin = new Admin({ clientId: `${prefix}.admin`, bootstrapBrokers: brokers.split(',') });
      try {
        return [...(await admin.listGroups()).keys()];
      } finally {
        await admin.close();
      }
    };
    const own = await runBus(['tail', `${prefix}.orders.*.created`, '--from', 'earliest', '--max', '1'], { env });
    expect(own.code).toBe(0);
    const made = /in group (bus-cli-tail-[0-9a-f]+)/.exec(own.stderr)?.[1];
    expect(made).toBeDefined();
    const given = group();
    expect((await runBus(['tail', `${prefix}.orders.*.created`, '--from', 'earliest', '--max', '1', '--group', given], { env })).code).toBe(
      0,
    );
    const groups = await listGroups();
    expect(groups).not.toContain(made);
    expect(groups).toContain(given);
  });

  it('needs brokers: exit 1 with a message that says where to give them', async () => {
    const run = await runBus(['tail', 'orders.#']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('bus: CONFIG_INVALID: No Kafka brokers given: pass --brokers');
  });
});
