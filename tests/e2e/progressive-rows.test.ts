// Issue 15's progressive first frame in the page: the GPU rows are drawn from the GPU-first model
// while the CPU rows are still read (a strip names the phase), and the CPU rows appear when the
// whole model lands, with the GPU rows kept. The open is driven by the test (a ServeOpen), so the
// moment the CPU rows land is the test's, not a race.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LoadingState } from '../../src/core/service/types';
import type { RunningServer } from '../../src/server/server';
import { serveHeldOpen, type HeldOpen } from './held-open';
import { ensureRendererBuilt, openBrowser, waitIdle, type Browser } from './browser';

let server: RunningServer;
let browser: Browser;
let held: HeldOpen;
let state: LoadingState = { phase: 'tables', fraction: 0.4, message: 'CUPTI_ACTIVITY_KIND_RUNTIME' };

beforeAll(async () => {
  ensureRendererBuilt();
  held = await serveHeldOpen(() => state);
  server = held.server;
  held.gpuRowsLand();
  browser = await openBrowser();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

it('draws the GPU rows first, then adds the CPU rows when they land', async () => {
  const page = browser.page;
  await page.goto(server.url);
  await waitIdle(page, 30_000);
  const strip = page.locator('[data-testid="rows-loading"]');
  await strip.waitFor({ timeout: 15_000 });
  expect(await strip.locator('[data-testid="open-phase"]').textContent()).toBe('Reading tables');
  const gpuRows = await page.evaluate(() => window.__nsysAutomation!.state().rows.map((r) => r.key));
  expect(gpuRows.length).toBeGreaterThan(0);
  expect(gpuRows.filter((k) => k.includes('cpu'))).toEqual([]);
  // An analysis asked meanwhile waits for the CPU rows instead of answering from the GPU ones.
  await page.evaluate(() => {
    const w = window as unknown as { summaryStatus?: Promise<number>; summaryAnswered?: boolean };
    const token = new URLSearchParams(location.search).get('token')!;
    w.summaryStatus = fetch('/api/getSummary', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Nsys-Token': token },
      body: '["t1"]',
    }).then((r) => ((w.summaryAnswered = true), r.status));
  });
  await page.waitForTimeout(500);
  expect(await page.evaluate(() => (window as unknown as { summaryAnswered?: boolean }).summaryAnswered)).toBeUndefined();

  state = { phase: 'tracks', fraction: 0.95 };
  await expect.poll(() => strip.locator('[data-testid="open-phase"]').textContent(), { timeout: 5000 }).toBe('Building tracks');
  held.cpuRowsLand();
  await strip.waitFor({ state: 'detached', timeout: 15_000 });
  await waitIdle(page, 15_000);
  const rows = await page.evaluate(() => window.__nsysAutomation!.state().rows.map((r) => r.key));
  expect(rows.filter((k) => k.includes('cpu')).length).toBeGreaterThan(0);
  for (const k of gpuRows) expect(rows).toContain(k);
  expect(await page.evaluate(() => (window as unknown as { summaryStatus: Promise<number> }).summaryStatus)).toBe(200);
  expect(browser.errors).toEqual([]);
});
