// `serve A B`: one tab per trace; switching tabs shows the other trace's own lanes.
import { resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openTrace } from '../../src/core/io/open-trace';
import { startServer, type RunningServer } from '../../src/server/server';
import { ensureRendererBuilt, openBrowser, openViewer, waitIdle, type Browser } from './browser';

let server: RunningServer;
let browser: Browser;
beforeAll(async () => {
  ensureRendererBuilt();
  const traces = await Promise.all(
    ['streams', 'multiproc'].map((t) => openTrace(resolve(__dirname, `../fixtures/nsys-2025.3/${t}.sqlite`))),
  );
  // multiproc still "opening" when the page loads: the tabs appear once listTraces answers.
  server = await startServer({ traces: [traces[0]], pending: [new Promise((ok) => setTimeout(() => ok(traces[1]), 300))] });
  browser = await openBrowser();
  await openViewer(browser.page, server.url);
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

it('shows a tab per served trace and each tab its own lanes', async () => {
  const page = browser.page;
  const tabs = page.locator('[data-testid="trace-tabs"] [role="tab"]');
  expect(await tabs.allTextContents()).toEqual(['streams.sqlite', 'multiproc.sqlite']);
  const rowKeys = async () => (await page.evaluate(() => window.__nsysAutomation!.state().rows)).map((r) => r.key);
  expect(await rowKeys()).toContain('stream:0/34/13');
  await tabs.nth(1).click();
  // The old timeline's hooks go with it; the new one's appear once its WebGL is up.
  await page.waitForFunction(() => window.__nsysAutomation?.state().rows.some((r) => r.key === 'stream:0/163/7') === true, undefined, {
    timeout: 15_000,
  });
  await waitIdle(page);
  const keys = await rowKeys();
  expect(keys).toContain('stream:0/164/7');
  expect(keys).not.toContain('stream:0/34/13');
  expect(await tabs.nth(1).getAttribute('aria-selected')).toBe('true');
  expect(await page.title()).toBe('multiproc.sqlite — nsys-viewer');
  expect(browser.errors).toEqual([]);
});
