// GPU utilisation tracks and row-label busy % in headless Chromium, on streams.sqlite (nsys 2025.3.1:
// pid 34 on GPU 0, kernels on streams 7 and 17, copies on 7 and 13). Figures from sqlite3 (the union
// query of tests/gpu-busy.test.ts) over [8349600000, 8764600000] (415 ms): GPU 0 busy 332025806 ns
// (80%), stream 7 135419925 (33%), stream 13 69240402 (17%), stream 17 131439095 (32%); at
// 8500000000..8500414560 stream 17 runs a GEMM (fully busy); 8352505000..8358315000 (pixels 7..20 of
// 415000 ns) the GPU is idle.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { THEME } from '../../src/renderer/timeline/colors';
import { requireFile, tracePath } from '../helpers/paths';
import { type Browser, type ViewerSession, near, pixelAt, rgb, serveTraceInBrowser, waitIdle } from './browser';

const FILE = tracePath('shared:streams.sqlite');
const [T0, T1] = [8_349_600_000, 8_764_600_000];

let session: ViewerSession;
let browser: Browser;
beforeAll(async () => {
  session = await serveTraceInBrowser(requireFile(FILE));
  ({ browser } = session);
  await browser.page.evaluate(([a, b]) => window.__nsysAutomation!.view(a, b, true), [T0, T1] as const);
  await waitIdle(browser.page);
}, 180_000);

afterAll(() => session?.close());

const badge = (key: string) => browser.page.locator(`[data-gpu-busy="${key}"]`);

describe('GPU utilisation (streams.sqlite)', () => {
  it('labels GPU and stream rows with the busy % of the visible window', async () => {
    await badge('gpu:0').waitFor({ timeout: 10_000 });
    await browser.page.waitForFunction(
      () => document.querySelector('[data-gpu-busy="gpu:0"]')?.textContent?.includes('80%') === true,
      undefined,
      { timeout: 10_000 },
    );
    await expect(badge('gpu:0').textContent()).resolves.toBe(' · 80%');
    await expect(badge('stream:0/34/7').textContent()).resolves.toBe(' · 33%');
    await expect(badge('stream:0/34/13').textContent()).resolves.toBe(' · 17%');
    await expect(badge('stream:0/34/17').textContent()).resolves.toBe(' · 32%');
    const title = (await badge('gpu:0').getAttribute('title')) ?? '';
    expect(title).toContain('visible window: 80% (332.026 ms of 415.000 ms');
    expect(title).toContain('whole trace');
    // Zoomed into the GEMM the stream is fully busy: the label follows the view.
    await browser.page.evaluate(() => window.__nsysAutomation!.view(8_500_000_000, 8_500_414_560, true));
    await browser.page.waitForFunction(
      () => document.querySelector('[data-gpu-busy="stream:0/34/17"]')?.textContent === ' · 100%',
      undefined,
      { timeout: 10_000 },
    );
    await expect(badge('stream:0/34/7').textContent()).resolves.toBe(' · 0.0%');
    expect(browser.errors).toEqual([]);
  });

  it('draws a utilisation track per GPU and stream at coarse zoom, at most one rect per pixel', async () => {
    await browser.page.evaluate(([a, b]) => window.__nsysAutomation!.view(a, b, true), [T0, T1] as const);
    await waitIdle(browser.page);
    const state = await browser.page.evaluate(() => window.__nsysAutomation!.state());
    const width = (await browser.page.evaluate(() => window.__nsysAutomation!.canvasRect())).width;
    for (const key of ['gpu:0', 'stream:0/34/7', 'stream:0/34/13', 'stream:0/34/17']) {
      expect(state.utilRects[key], key).toBeGreaterThan(0);
      // The cache window is the view plus one view on each side: ≤ 3 × width pixels, one rect at most each.
      expect(state.utilRects[key], key).toBeLessThanOrEqual(3 * width + 2);
    }
    // The GPU's header row: filled where stream 17 runs its GEMM, empty where the GPU is idle.
    const rowTop = await browser.page.evaluate(() => {
      const el = document.querySelector('[data-row="gpu:0"]')!.getBoundingClientRect();
      return el.top + el.height - 4;
    });
    const x = (t: number) => browser.page.evaluate((tt) => window.__nsysAutomation!.timeToX(tt), t);
    expect(near(await pixelAt(browser.page, await x(8_500_200_000), rowTop), rgb(THEME.summaryGpu))).toBe(true);
    expect(near(await pixelAt(browser.page, await x(8_355_000_000), rowTop), rgb(THEME.summaryGpu))).toBe(false);
    // Zoomed in past 1 µs per pixel the expanded rows draw slices only.
    await browser.page.evaluate(() => window.__nsysAutomation!.view(8_500_000_000, 8_500_500_000, true));
    await waitIdle(browser.page);
    expect((await browser.page.evaluate(() => window.__nsysAutomation!.state())).utilRects['gpu:0']).toBeUndefined();
    expect(browser.errors).toEqual([]);
  });

  it('shows GPU busy per GPU and stream and counts per category for a range selection', async () => {
    await browser.page.evaluate(([a, b]) => window.__nsysAutomation!.view(a, b, true), [T0, T1] as const);
    await waitIdle(browser.page);
    const y = (await browser.page.evaluate(() => window.__nsysAutomation!.trackY('gpu/0/34/17/kernel')))!;
    const x = (t: number) => browser.page.evaluate((tt) => window.__nsysAutomation!.timeToX(tt), t);
    const [x0, x1] = [await x(8_400_000_000), await x(8_600_000_000)];
    await browser.page.keyboard.down('Shift');
    await browser.page.mouse.move(x0, y);
    await browser.page.mouse.down();
    await browser.page.mouse.move((x0 + x1) / 2, y, { steps: 3 });
    await browser.page.mouse.move(x1, y, { steps: 3 });
    await browser.page.mouse.up();
    await browser.page.keyboard.up('Shift');
    const busy = browser.page.getByTestId('range-gpu-busy');
    await busy.waitFor({ timeout: 10_000 });
    for (const key of ['gpu:0', 'stream:0/34/7', 'stream:0/34/13', 'stream:0/34/17'])
      await expect(busy.locator(`tr[data-busy-key="${key}"] td.num`).last().textContent()).resolves.toMatch(/^\d+\.\d%$/);
    const cats = (await browser.page.getByTestId('range-categories').textContent()) ?? '';
    for (const label of ['Kernels', 'gemm', 'Copies', 'CUDA API calls', 'NVTX ranges']) expect(cats).toContain(label);
    await browser.page.keyboard.press('Escape');
    expect(browser.errors).toEqual([]);
  });
});
