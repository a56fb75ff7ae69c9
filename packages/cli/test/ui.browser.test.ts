// The web view in a real headless Chromium (Debian's `chromium`, driven by playwright-core): the pages render
// what the bus holds, and a dead letter redriven from the browser — its confirmation accepted — reaches the fixed
// handler. Each page is screenshot (BUS_UI_SCREENSHOTS=<dir> keeps them; the docs' images come from this test).
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveUi, type UiServer } from '../src/index.js';
import { uiFixture } from './support/ui-fixture.js';

const CHROMIUM = process.env.BUS_CHROMIUM ?? '/usr/bin/chromium';
const shots = process.env.BUS_UI_SCREENSHOTS ?? mkdtempSync(path.join(tmpdir(), 'bus-ui-shots-'));

let browser: Browser;
let fixture: Awaited<ReturnType<typeof uiFixture>>;
let server: UiServer;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`No Chromium at ${CHROMIUM}: apt-get install chromium (or set BUS_CHROMIUM). .ci/run installs it.`);
  mkdirSync(shots, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  fixture = await uiFixture({ allowWrites: true });
  server = await serveUi(fixture.app);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await fixture?.close();
});

describe('bus ui in Chromium', () => {
  it('shows each page, and redrives a dead letter from the browser after the confirmation', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    await page.goto(`${server.url}/`);
    expect(await page.locator('#flow tr', { hasText: 'orders.created' }).locator('td').allTextContents()).toEqual([
      'orders.created',
      '3',
      '3',
      '0',
      '1',
      expect.stringMatching(/^\d+\.\d\d$/),
    ]);
    await page.screenshot({ path: path.join(shots, 'ui-flow.png') });

    await page.goto(`${server.url}/outbox`);
    expect(await page.locator('#outbox-stats').textContent()).toMatch(/pending\s*1[\s\S]*dead\s*1/);
    await page.screenshot({ path: path.join(shots, 'ui-outbox.png') });

    await page.goto(`${server.url}/events`);
    await page.getByRole('link', { name: 'account-1' }).click();
    expect(await page.locator('#stream tr').count()).toBe(3);
    await page.screenshot({ path: path.join(shots, 'ui-event-store.png') });

    await page.goto(`${server.url}/dead-letters`);
    const letter = page.locator('table[data-source="resilience"] tr', { hasText: 'orders.created' });
    expect(await letter.textContent()).toContain('the billing service refused o-2');
    await page.screenshot({ path: path.join(shots, 'ui-dead-letters.png') });
    await letter.getByRole('link').click();
    expect(await page.locator('#payload').textContent()).toContain('"id": "o-2"');
    await page.screenshot({ path: path.join(shots, 'ui-dead-letter.png') });

    // A dismissed confirmation changes nothing.
    fixture.fix();
    page.once('dialog', (dialog) => void dialog.dismiss());
    await page.locator('button[data-action="redrive"]').first().click();
    expect(fixture.handled.some((event) => (event.data as { id: string }).id === 'o-2')).toBe(false);

    // Accepted: the letter goes, and the fixed handler gets the event.
    page.once('dialog', (dialog) => {
      expect(dialog.message()).toBe('Redrive?');
      void dialog.accept();
    });
    await Promise.all([page.waitForURL(/\/dead-letters\?done=/), page.locator('button[data-action="redrive"]').first().click()]);
    expect(await page.locator('#flash').textContent()).toBe('resilience: 1 of 1 redriven');
    expect(fixture.handled.map((event) => (event.data as { id: string }).id)).toContain('o-2');
    expect(await page.locator('table[data-source="resilience"]').count()).toBe(0);
    await page.close();
  });
});
