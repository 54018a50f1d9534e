// Issue 15's first frame in the page: WebGL is set up while the trace is still opening (not after its
// info arrives), the first fetch asks the GPU rows' utilisation together with their slices, and the
// canvas keeps its first size through the loading strip and the CPU rows landing (each resize
// reallocates the WebGL buffer). The open is held by the test (a ServeOpen), so "still opening" is
// the test's to decide, not a race with the machine's speed.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server';
import { serveHeldOpen, type HeldOpen } from './held-open';
import { ensureRendererBuilt, openBrowser, REPO, waitIdle, type Browser } from './browser';

let server: RunningServer;
let browser: Browser;
let held: HeldOpen;

beforeAll(async () => {
  ensureRendererBuilt();
  held = await serveHeldOpen(() => ({ phase: 'tables', fraction: 0.3 }));
  server = held.server;
  browser = await openBrowser();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

it('sets up WebGL while the trace opens and draws the first frame without resizing the canvas', async () => {
  const page = browser.page;
  await page.goto(server.url);
  await page.locator('[data-testid="open-progress"]').waitFor({ timeout: 15_000 });
  // Nothing of the trace has reached the page yet, and WebGL is ready.
  await page.waitForFunction(() => performance.getEntriesByName('nsys:webgl-prewarmed').length === 1, undefined, { timeout: 15_000 });
  expect(await page.evaluate(() => performance.getEntriesByName('nsys:trace-info').length)).toBe(0);

  held.gpuRowsLand();
  await waitIdle(page, 30_000);
  const first = await page.evaluate(() => {
    const s = window.__nsysAutomation!.state();
    return { marks: s.marks, resizes: s.resizes, fetches: s.fetches, utilRects: s.utilRects };
  });
  // The timeline took the scene prewarmed before the trace info, not one started after it.
  expect(first.marks.webglReady).toBeGreaterThan(0);
  expect(first.marks.webglReady).toBeLessThan(first.marks.initStart);
  // One fetch drew the first view whole: the utilisation was asked with the slices, not a frame later.
  expect(Object.keys(first.utilRects).length).toBeGreaterThan(0);
  expect(first.fetches).toBe(1);
  expect(first.resizes).toBe(0);

  // The strip over the GPU rows goes when the CPU rows land; the canvas keeps its size.
  held.cpuRowsLand();
  await page.locator('[data-testid="rows-loading"]').waitFor({ state: 'detached', timeout: 15_000 });
  await waitIdle(page, 15_000);
  expect(await page.evaluate(() => window.__nsysAutomation!.state().resizes)).toBe(0);
  expect(browser.errors).toEqual([]);
});

// The page's own load (issue 15): its first script is the shell, which asks for the trace list before
// pixi and the timeline are evaluated (index.html preloads their chunks); the bottom panel's extra tabs (uPlot, tables, PNG export) and the
// compare view are chunks of their own that no first frame loads. Runs after the test above: the
// trace is open, the page is loaded afresh.
it('asks for the trace list before evaluating pixi, and loads no panel chunk before the first frame', async () => {
  const assets = join(REPO, 'out/renderer/assets');
  const entry = /src="\.\/assets\/([^"]+\.js)"/.exec(readFileSync(join(REPO, 'out/renderer/index.html'), 'utf8'))![1];
  const scripts = readdirSync(assets).filter((f) => f.endsWith('.js'));
  const withPixi = scripts.filter((f) => readFileSync(join(assets, f), 'utf8').includes('PixiJS'));
  const lazyPanels = ['memcpy-panel', 'stats-panel', 'summary-panel', 'steps-panel', 'export-panel', 'compare-view', 'capture'];
  const panelChunks = scripts.filter((f) => lazyPanels.some((p) => f.startsWith(`${p}-`)));
  expect(withPixi).not.toContain(entry);
  // Each lazy module is a chunk of its own (rollup names a chunk after its module; hashes may hold '-').
  expect(lazyPanels.filter((p) => scripts.some((f) => f.startsWith(`${p}-`)))).toEqual(lazyPanels);

  const page = browser.page;
  await page.goto(server.url);
  await waitIdle(page, 30_000);
  const loaded = await page.evaluate(() =>
    performance.getEntriesByType('resource').map((e) => ({ file: e.name.replace(/^.*\//, '').replace(/\?.*$/, ''), startMs: e.startTime })),
  );
  const listSent = loaded.find((r) => r.file === 'listTraces')!.startMs;
  // Fetched early (index.html preloads them), evaluated only once the list was asked for.
  expect(loaded.filter((r) => withPixi.includes(r.file)).length).toBeGreaterThan(0);
  const evaluated = await page.evaluate(() => performance.getEntriesByName('nsys:timeline-chunk')[0]?.startTime ?? -1);
  expect(evaluated).toBeGreaterThan(listSent);
  expect(loaded.filter((r) => panelChunks.includes(r.file))).toEqual([]);

  // A tab's chunk loads when the tab is opened, and the panel shows.
  await page.click('[data-tab="stats"]');
  await page.locator('[data-testid="stats-report"]').waitFor({ timeout: 15_000 });
  const after = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name.replace(/^.*\//, '')));
  expect(after.filter((f) => f.startsWith('stats-panel-'))).toHaveLength(1);
  expect(browser.errors).toEqual([]);
});
