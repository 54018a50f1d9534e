// Two ranks of one trace in the compare view (`serve tp2_decode.sqlite#82 tp2_decode.sqlite#83 --compare
// --align phase:decode` serves the trace once and puts pidA/pidB/align in the URL).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openTrace } from '../../src/core/io/open-trace';
import { startServer, type RunningServer } from '../../src/server/server';
import { sharedSqlite } from '../helpers/shared-sqlite';
import { ensureRendererBuilt, openBrowser, type Browser } from './browser';

let server: RunningServer;
let browser: Browser;
beforeAll(async () => {
  ensureRendererBuilt();
  const { model } = await openTrace(sharedSqlite('tp2_decode.sqlite'));
  server = await startServer({ traces: [{ model, name: 'tp2_decode.sqlite' }] });
  browser = await openBrowser();
  await browser.page.goto(`${server.url}&compare=1&pidA=82&pidB=83&align=phase%3Adecode`);
  await browser.page.waitForFunction(() => window.__nsysCompare?.ready() === true, undefined, { timeout: 60_000, polling: 100 });
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/*
 * sqlite3 tp2_decode.sqlite: select pid, name from PROCESSES where pid in (82, 83)  →  python3 both;
 * phase:decode starts (select (globalTid>>24)&16777215, start from NVTX_EVENTS ... 'phase:decode')
 * at 15880528563 (82) and 15873814269 (83). Kernels per decode step: tests/compare/compare-runs.test.ts (262 | 262).
 */
it('compares rank 82 with rank 83 of tp2_decode, aligned at phase:decode, each timeline with its rank open', async () => {
  const page = browser.page;
  await page.getByTestId('compare-kernels').waitFor({ timeout: 30_000 });
  expect(await page.getByTestId('compare-corner-a').textContent()).toBe('A · tp2_decode.sqlite · python3 (82)');
  expect(await page.getByTestId('compare-corner-b').textContent()).toBe('B · tp2_decode.sqlite · python3 (83)');
  expect(await page.getByTestId('compare-summary').textContent()).toMatch(/ · kernels\/step 262 → 262$/);
  expect(await page.getByTestId('compare-align').inputValue()).toBe('phase:phase:decode');
  expect(await page.evaluate(() => window.__nsysCompare!.offsetNs())).toBe(15873814269 - 15880528563);
  // Each timeline keeps its own rank's process rows open and the other rank's collapsed.
  const rows = (side: string) =>
    page.locator(`.compare-pane:has([data-testid="compare-timeline-${side}"]) .row-tree .row.group`).allTextContents();
  const a = await rows('a');
  const b = await rows('b');
  expect(a.filter((r) => /^▸python3 \(83\)/.test(r)).length).toBeGreaterThan(0);
  expect(a.filter((r) => /^▸python3 \(82\)/.test(r))).toEqual([]);
  expect(b.filter((r) => /^▸python3 \(82\)/.test(r)).length).toBeGreaterThan(0);
  expect(b.filter((r) => /^▸python3 \(83\)/.test(r))).toEqual([]);
  expect(browser.errors).toEqual([]);
}, 60_000);
