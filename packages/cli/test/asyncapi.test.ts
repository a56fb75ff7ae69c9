// `bus asyncapi`, run as the real binary on a bus.config.json and on a bus module; the YAML and JSON it prints
// are checked by @asyncapi/parser (0 errors) and for their channels, messages and servers.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Diagnostic, DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { runBus } from './support/run-bus.js';

const ORDERS_BUS = fileURLToPath(new URL('./fixtures/orders-bus.mjs', import.meta.url));
const NO_ASYNCAPI = fileURLToPath(new URL('./fixtures/bus-without-asyncapi.mjs', import.meta.url));
const parser = new Parser();

async function expectValid(text: string): Promise<void> {
  const { diagnostics } = await parser.parse(text);
  const errors = diagnostics.filter((d: Diagnostic) => d.severity === DiagnosticSeverity.Error);
  expect(errors.map((d: Diagnostic) => `${d.code}: ${d.message} at ${d.path.join('.')}`)).toEqual([]);
}

describe('bus asyncapi', () => {
  let dir: string;
  const config = (name: string, contents: unknown): string => {
    const file = path.join(dir, name);
    writeFileSync(file, typeof contents === 'string' ? contents : JSON.stringify(contents));
    return file;
  };

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bus-cli-asyncapi-'));
    writeFileSync(
      path.join(dir, 'order-created.json'),
      JSON.stringify({ type: 'object', properties: { id: { type: 'string' }, total: { type: 'number' } }, required: ['id', 'total'] }),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const ordersConfig = {
    kafka: { brokers: ['kafka-1:9092', 'kafka-2:9092'] },
    asyncapi: {
      info: { title: 'Orders service', version: '1.4.0', description: 'Order events.' },
      publishes: ['orders.created'],
      subscribes: ['payments.*.settled', { pattern: 'orders.cancelled', group: 'billing' }],
      schemas: { 'orders.created': './order-created.json' },
    },
  };

  it('prints valid AsyncAPI 3.0.0 YAML from bus.config.json, with Kafka servers and bindings', async () => {
    config('bus.config.json', ordersConfig);
    const run = await runBus(['asyncapi'], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    await expectValid(run.stdout);
    const document = parseYaml(run.stdout);
    expect(document).toMatchObject({ asyncapi: '3.0.0', info: { title: 'Orders service', version: '1.4.0' } });
    expect(document.servers).toEqual({
      'kafka-1': { host: 'kafka-1:9092', protocol: 'kafka', description: 'A bootstrap broker of the Kafka cluster.' },
      'kafka-2': { host: 'kafka-2:9092', protocol: 'kafka', description: 'A bootstrap broker of the Kafka cluster.' },
    });
    expect(Object.keys(document.channels).sort()).toEqual(['orders.cancelled', 'orders.created', 'pattern.payments._.settled']);
    expect(document.channels['orders.created'].bindings.kafka.topic).toBe('orders.created');
    expect(document.channels['pattern.payments._.settled'].address).toBe('payments.{word1}.settled');
    expect(document.components.messages['orders.created'].payload).toEqual({
      type: 'object',
      properties: { id: { type: 'string' }, total: { type: 'number' } },
      required: ['id', 'total'],
    });
    expect(document.operations['receive.orders.cancelled.billing'].bindings.kafka.groupId.enum).toEqual(['billing']);
  });

  it('--json prints the same document as JSON; --title and --api-version override info', async () => {
    const file = config('ops.json', ordersConfig);
    const run = await runBus(['asyncapi', '--config', file, '--json', '--title', 'Orders (staging)', '--api-version', '1.5.0-rc.1']);
    expect(run.code).toBe(0);
    await expectValid(run.stdout);
    expect(JSON.parse(run.stdout).info).toEqual({ title: 'Orders (staging)', version: '1.5.0-rc.1', description: 'Order events.' });
  });

  it('without Kafka in the config (or the environment) there are no servers and no bindings', async () => {
    const file = config('plain.json', { asyncapi: { ...ordersConfig.asyncapi } });
    const run = await runBus(['asyncapi', '--config', file, '--json']);
    expect(run.code).toBe(0);
    await expectValid(run.stdout);
    const document = JSON.parse(run.stdout);
    expect(document.servers).toBeUndefined();
    expect(document.channels['orders.created'].bindings).toBeUndefined();
    const fromEnv = await runBus(['asyncapi', '--config', file, '--json'], { env: { BUS_KAFKA_BROKERS: 'broker:9093' } });
    expect(JSON.parse(fromEnv.stdout).servers).toEqual({ kafka: expect.objectContaining({ host: 'broker:9093', protocol: 'kafka' }) });
  });

  it("describes the bus a config module exports (the service's own wiring)", async () => {
    const run = await runBus(['asyncapi', '--config', ORDERS_BUS, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    await expectValid(run.stdout);
    const document = JSON.parse(run.stdout);
    expect(document.info).toEqual({ title: 'Orders service', version: '2.1.0' });
    expect(Object.keys(document.operations).sort()).toEqual([
      'receive.pattern.payments.__.orders',
      'send.orders.created',
      'send.orders.shipped',
    ]);
    expect(document.components.messages['orders.created'].payload.required).toEqual(['id']);
  });

  it('takes a TypeScript config module too', async () => {
    const run = await runBus(['asyncapi', '--config', fileURLToPath(new URL('./fixtures/game-bus.ts', import.meta.url))]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    await expectValid(run.stdout);
    expect(Object.keys(parseYaml(run.stdout).operations).sort()).toEqual(['receive.player.joined', 'send.player.moved']);
  });

  it('exits 1 with a CONFIG_INVALID message when there is nothing to describe', async () => {
    const module = await runBus(['asyncapi', '--config', NO_ASYNCAPI]);
    expect(module.code).toBe(1);
    expect(module.stderr).toContain('must export as default a bus that uses asyncapi() from @bus/asyncapi');
    const none = await runBus(['asyncapi'], { cwd: tmpdir() });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('bus: CONFIG_INVALID: No bus to describe: pass --config');
    const noSection = await runBus(['asyncapi', '--config', config('outbox-only.json', { outbox: { url: 'sqlite:x.db' } })]);
    expect(noSection.stderr).toContain('has no "asyncapi" section');
    const badSection = await runBus(['asyncapi', '--config', config('bad.json', { asyncapi: { info: { title: 'x' } } })]);
    expect(badSection.code).toBe(1);
    expect(badSection.stderr).toContain('"asyncapi.info" must be { "title": "…", "version": "…" }');
    const missingSchema = await runBus([
      'asyncapi',
      '--config',
      config('missing-schema.json', { asyncapi: { info: { title: 'x', version: '1' }, schemas: { 'a.b': './nope.json' } } }),
    ]);
    expect(missingSchema.code).toBe(1);
    expect(missingSchema.stderr).toContain('Could not read the schema of a.b from');
  });
});
