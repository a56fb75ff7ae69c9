// `bus ui` as an operator runs it: the real binary on an outbox with a dead row and live Kafka flow, served on
// 127.0.0.1; the pages answer over HTTP, writes are refused without --allow-writes, Ctrl-C stops it with exit 0.

import { createBus } from '@bus/core';
import { kafka } from '@bus/kafka';
import { deleteByPrefix, testBrokers, uniquePrefix } from '@bus/scripts/kafka-test';
import { serialization } from '@bus/serialization';
import { afterAll, describe, expect, it } from 'vitest';
import { bury, encodedEnvelope, sqliteTestOutbox } from './support/outboxes.js';
import { runBus, startBus } from './support/run-bus.js';

const brokers = testBrokers().join(',');
const prefix = uniquePrefix('cli-ui');
afterAll(() => deleteByPrefix(prefix), 60_000);

describe('bus ui', () => {
  it('serves flow, dead letters and outbox of what it is pointed at, read-only, until Ctrl-C', async () => {
    const outbox = await sqliteTestOutbox();
    await bury(outbox.store, [encodedEnvelope('invoices.due', { invoice: 'i-1' }, 'i-1')], 'broker said no');
    const ui = startBus(['ui', ...outbox.flags, '--port', '0', '--json', '--watch', `${prefix}.#`], {
      env: { BUS_KAFKA_BROKERS: brokers },
    });
    try {
      await ui.waitFor('"url"', 'stdout');
      const { url, allowWrites, showing } = JSON.parse(ui.stdout.trim()) as { url: string; allowWrites: boolean; showing: string[] };
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(allowWrites).toBe(false);
      expect(showing).toHaveLength(2);
      expect(await (await fetch(`${url}/outbox`)).text()).toMatch(/dead<b class="bad">1<\/b>/);
      expect(await (await fetch(`${url}/dead-letters`)).text()).toContain('broker said no (invoices.due)');
      const form = new URLSearchParams({ id: '1', confirmed: 'yes' });
      expect((await fetch(`${url}/dead-letters/outbox/purge`, { method: 'POST', body: form })).status).toBe(403);

      // Live flow: events another service publishes show up on the flow page.
      await ui.waitFor('Serving');
      const publisher = createBus({ source: 'urn:test:ui' })
        .use(serialization())
        .use(kafka({ brokers, groupId: prefix }));
      await publisher.start();
      const type = `${prefix}.orders.created`;
      let page = '';
      for (let round = 0; round < 40 && !page.includes(type); round++) {
        await publisher.publish(type, { id: `o-${round}` });
        await new Promise((resolve) => setTimeout(resolve, 500));
        page = await (await fetch(`${url}/`)).text();
      }
      await publisher.stop();
      expect(page).toContain(`<td>${type}</td>`);
    } finally {
      ui.child.kill('SIGINT');
      const ended = await ui.exited;
      await outbox.cleanup();
      expect(ended.code).toBe(0);
    }
  });

  it('refuses to start with nothing to show, and a bad port, as usage errors (exit 2)', async () => {
    const nothing = await runBus(['ui']);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('Nothing to show');
    const outbox = await sqliteTestOutbox();
    const badPort = await runBus(['ui', ...outbox.flags, '--port', '70000']);
    await outbox.cleanup();
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain('--port');
  });
});
