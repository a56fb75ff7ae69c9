// Runs the example as a user would (`node src/main.ts`), against the test
// broker, in a namespace of its own whose topics and groups are deleted after.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { deleteByPrefix } from '@bus/scripts/kafka-test';
import { readServicesEnv } from '@bus/scripts/services-env';
import { afterAll, describe, expect, it } from 'vitest';

const brokers = readServicesEnv().kafkaBrokers;
const namespace = `test.example-kafka.${randomBytes(4).toString('hex')}`;

afterAll(async () => {
  if (brokers) await deleteByPrefix(namespace, brokers.split(','));
}, 60_000);

describe('the Kafka example', () => {
  it('starts both services with one command, invoices every order, and exits 0', async () => {
    if (!brokers) throw new Error('BUS_KAFKA_BROKERS is not set: start the broker with `node scripts/services.mjs up`.');
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(import.meta.dirname, '..', 'src', 'main.ts')], {
      env: { ...process.env, BUS_KAFKA_BROKERS: brokers, EXAMPLE_NAMESPACE: namespace, EXAMPLE_ORDERS: '12' },
      timeout: 90_000,
    });
    expect(stdout).toContain('[billing] billing: consuming orders.placed in group "billing"');
    for (let n = 1; n <= 12; n++) {
      expect(stdout).toMatch(new RegExp(`\\[orders \\] placed o-${n} for \\w+`));
      expect(stdout).toMatch(new RegExp(`\\[billing\\] invoiced o-${n}: \\w+ owes €[\\d.]+`));
    }
    expect(stdout).toContain('✔ 12 of 12 orders invoiced (orders exited 0, billing exited 0)');
  });
});
