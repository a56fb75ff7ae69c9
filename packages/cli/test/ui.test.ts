// The web view over HTTP (Hono's in-process request): each page shows what the bus, the outbox and the event store
// hold; changes are refused read-only, refused unconfirmed, and done once allowed and confirmed.
import { afterEach, describe, expect, it } from 'vitest';
import { uiFixture } from './support/ui-fixture.js';

const fixtures: Awaited<ReturnType<typeof uiFixture>>[] = [];
afterEach(async () => {
  await Promise.all(fixtures.splice(0).map((fixture) => fixture.close()));
});
async function fixture(allowWrites: boolean) {
  const made = await uiFixture({ allowWrites });
  fixtures.push(made);
  return made;
}
const form = (fields: Record<string, string | string[]>) => {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const one of [value].flat()) body.append(name, one);
  return { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } };
};

describe('bus ui pages', () => {
  it('flow: counts per type and the recent failure, escaped', async () => {
    const { app } = await fixture(false);
    const page = await (await app.request('/')).text();
    expect(page).toContain('read-only');
    // published 3, delivered 3 (a dead-lettered delivery is acked), failed 0, dead-lettered 1.
    expect(page).toMatch(
      /<td>orders\.created<\/td><td class="n">3<\/td><td class="n">3<\/td><td class="n ">0<\/td><td class="n bad">1<\/td>/,
    );
    expect(page).toContain('dead-lettered</a>');
    expect(page).toContain('the billing service refused o-2');
    expect(page).toContain('HANDLER_FAILED');
  });

  it('dead letters: both sources listed, filtered by type and code, and one inspected with its payload and attributes', async () => {
    const { app } = await fixture(false);
    const all = await (await app.request('/dead-letters')).text();
    expect(all).toContain('resilience <span class="note">1 dead letter</span>');
    expect(all).toContain('outbox <span class="note">1 dead letter</span>');
    expect(all).not.toContain('data-action'); // read-only: no redrive or purge buttons
    const byType = await (await app.request('/dead-letters?type=invoices.due')).text();
    expect(byType).toContain('resilience <span class="note">0 dead letters</span>');
    expect(byType).toContain('broker said no (invoices.due)');
    const byCode = await (await app.request('/dead-letters?code=HANDLER_FAILED')).text();
    expect(byCode).toContain('resilience <span class="note">1 dead letter</span>');

    const link = /href="(\/dead-letters\/resilience\/[^"]+)"/.exec(all)?.[1];
    const letter = await (await app.request(link as string)).text();
    expect(letter).toContain('&quot;id&quot;: &quot;o-2&quot;'); // the payload, escaped
    expect(letter).toContain('&quot;partitionkey&quot;: &quot;o-2&quot;');
    expect(letter).toContain('the billing service refused o-2');
    expect((await app.request('/dead-letters/resilience/no-such-id')).status).toBe(404);
    // An outbox row holds the encoded envelope: its payload is shown decoded by its content type.
    const outboxLink = /href="(\/dead-letters\/outbox\/[^"]+)"/.exec(all)?.[1];
    expect(await (await app.request(outboxLink as string)).text()).toContain('&quot;invoice&quot;: &quot;i-9&quot;');
  });

  it('outbox: pending, dead and the key shards; event store: streams and one stream', async () => {
    const { app } = await fixture(false);
    const outbox = await (await app.request('/outbox')).text();
    expect(outbox).toMatch(/pending<b>1<\/b>/);
    expect(outbox).toMatch(/dead<b class="bad">1<\/b>/);
    expect([...outbox.matchAll(/<tr><td>(\d)<\/td>/g)].map((match) => match[1])).toEqual(['0', '1', '2', '3']);
    const streams = await (await app.request('/events')).text();
    expect(streams).toMatch(/account-1<\/a><\/td><td class="n">2<\/td><td class="n">1<\/td>/);
    expect(streams).toContain('account-2');
    const stream = await (await app.request('/events/streams/account-1')).text();
    expect(stream).toContain('account.credited');
    expect(stream).toContain('{&quot;amount&quot;:10}');
  });

  it('refuses redrive and purge read-only (403) and unconfirmed (400), and does them once allowed and confirmed', async () => {
    const readOnly = await fixture(false);
    expect((await readOnly.app.request('/dead-letters/outbox/purge', form({ id: '1', confirmed: 'yes' }))).status).toBe(403);

    const { app, outbox, handled, fix } = await fixture(true);
    const [row] = await outbox.listDeadLetters({});
    expect((await app.request('/dead-letters/outbox/redrive', form({ id: String(row?.seq) }))).status).toBe(400);
    expect((await outbox.stats()).dead).toBe(1);

    const redriven = await app.request('/dead-letters/outbox/redrive', form({ id: String(row?.seq), confirmed: 'yes' }));
    expect(redriven.status).toBe(303);
    expect(decodeURIComponent(redriven.headers.get('location') ?? '')).toContain('outbox: 1 of 1 redriven');
    expect(await outbox.stats()).toMatchObject({ dead: 0, pending: 2 });

    fix();
    const page = await (await app.request('/dead-letters')).text();
    const id = /name="id" value="([^"]+)"/.exec(page.slice(page.indexOf('data-source="resilience"')))?.[1] as string;
    await app.request('/dead-letters/resilience/redrive', form({ id, confirmed: 'yes' }));
    expect(handled.map((event) => (event.data as { id: string }).id)).toContain('o-2');
    expect(await (await app.request('/dead-letters')).text()).toContain('resilience <span class="note">0 dead letters</span>');
    expect((await app.request('/dead-letters/nowhere/purge', form({ id: '1', confirmed: 'yes' }))).status).toBe(404);
  });
});
