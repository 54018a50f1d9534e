// The Memcpy panel in real headless Chromium on the streams trace (nsys 2025.3, H100), served by
// the `serve` host: groups by direction × memory kind, sortable rows, click → timeline selection.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceModel } from '../../src/core/model/types';
import { type Browser, type ViewerSession, serveTraceInBrowser, waitIdle } from '../e2e/browser';

const STREAMS = resolve(__dirname, '../fixtures/nsys-2025.3/streams.sqlite');
let browser: Browser;
let model: TraceModel;

let session: ViewerSession;
beforeAll(async () => {
  session = await serveTraceInBrowser(STREAMS);
  ({ model, browser } = session);
}, 180_000);

afterAll(() => session?.close());

describe('Memcpy panel', () => {
  it('groups the 30 copies by direction and memory kind, pageable slower than pinned', async () => {
    const page = browser.page;
    await page.locator('[data-tab="memcpy"]').click();
    await page.locator('[data-testid="memcpy-groups"] tbody tr').first().waitFor();
    const groups = await page.locator('[data-testid="memcpy-groups"] tbody tr').allTextContents();
    expect(groups.length).toBe(3);
    const row = (src: string) => groups.find((g) => g.startsWith('Host-to-Device') && g.includes(`${src} → Device`))!;
    expect(row('Pinned')).toContain('12');
    expect(row('Pageable')).toContain('12');
    const cells = async (src: string) =>
      page
        .locator('[data-testid="memcpy-groups"] tbody tr', { hasText: `${src} → Device` })
        .locator('td')
        .allTextContents();
    const pinned = await cells('Pinned');
    const pageable = await cells('Pageable');
    // Column 6 is GB/s: 6.26 (pageable) against 54.46 (pinned) in this trace.
    expect(Number(pageable[5])).toBeLessThan(Number(pinned[5]));
    if (process.env.MEMCPY_PANEL_SHOT) await page.screenshot({ path: process.env.MEMCPY_PANEL_SHOT });
    expect(await page.locator('[data-testid="memcpy-rows"] tbody tr[data-row]').count()).toBe(30);
    expect(browser.errors).toEqual([]);
  });

  it('sorts by GB/s and filters by a group', async () => {
    const page = browser.page;
    await page.locator('[data-testid="memcpy-rows"] th[data-sort="gbps"]').click();
    const col = await page.locator('[data-testid="memcpy-rows"] tbody tr[data-row] td:nth-child(6)').allTextContents();
    const values = col.map(Number);
    expect(values).toEqual([...values].sort((a, b) => b - a));
    await page.locator('[data-testid="memcpy-groups"] tbody tr', { hasText: 'Pageable → Device' }).click();
    expect(await page.locator('[data-testid="memcpy-rows"] tbody tr[data-row]').count()).toBe(12);
  });

  it('selects the clicked copy on the timeline', async () => {
    const page = browser.page;
    const first = page.locator('[data-testid="memcpy-rows"] tbody tr[data-row]').first();
    await first.click();
    await waitIdle(page);
    const sel = await page.evaluate(() => window.__nsysAutomation!.state().selected);
    expect(sel?.lane).toBe('memcpy');
    const view = await page.evaluate(() => window.__nsysAutomation!.state().view);
    const i = sel!.index;
    expect(model.memcpy.startNs[i]).toBeGreaterThanOrEqual(view.t0);
    expect(model.memcpy.endNs[i]).toBeLessThanOrEqual(view.t1);
    expect(model.memcpy.srcKind[i]).toBe(0); // the filtered group: pageable (ENUM_CUDA_MEM_KIND 0)
    expect(browser.errors).toEqual([]);
  });

  it('plots bandwidth vs size: every HtoD copy drawn where its GB/s puts it, pageable below pinned', async () => {
    const page = browser.page;
    await page.locator('[data-tab="memcpy"]').click();
    const showAll = page.locator('button', { hasText: 'Show all kinds' });
    if (await showAll.count()) await showAll.click();
    const canvas = page.locator('[data-testid="memcpy-plot-bw"]');
    await canvas.waitFor();
    const axes = JSON.parse((await canvas.getAttribute('data-axes'))!) as { xMin: number; xMax: number; yMax: number };
    // The plot geometry of src/renderer/panels/memcpy-plot.tsx (360×180, padding 46/8/8/26).
    const x = (bytes: number) => 46 + ((Math.log10(bytes) - axes.xMin) / (axes.xMax - axes.xMin)) * (360 - 46 - 8);
    const y = (gbps: number) => 180 - 26 - (gbps / axes.yMax) * (180 - 8 - 26);
    const htod = [...model.enums.memcpyOper.labels].find(([, l]) => l === 'Host-to-Device')![0];
    const points: { x: number; y: number; pinned: boolean }[] = [];
    for (let i = 0; i < model.memcpy.count; i++) {
      if (model.memcpy.copyKind[i] !== htod) continue;
      const gbps = model.memcpy.bytes[i] / (model.memcpy.endNs[i] - model.memcpy.startNs[i]);
      points.push({
        x: x(model.memcpy.bytes[i]),
        y: y(gbps),
        pinned: model.enums.memKind.labels.get(model.memcpy.srcKind[i]) === 'Pinned',
      });
    }
    expect(points.length).toBe(24);
    const pixels = await canvas.evaluate(
      (c: HTMLCanvasElement, pts) => {
        const g = c.getContext('2d')!;
        const s = c.width / 360;
        return pts.map((p) => Array.from(g.getImageData(Math.round(p.x * s), Math.round(p.y * s), 1, 1).data.slice(0, 3)));
      },
      points.map(({ x: px, y: py }) => ({ x: px, y: py })),
    );
    const background = [0x15, 0x17, 0x1c];
    pixels.forEach((rgbv, k) => expect(rgbv, `point ${k}`).not.toEqual(background));
    const pinnedY = Math.max(...points.filter((p) => p.pinned).map((p) => p.y));
    const pageableY = Math.min(...points.filter((p) => !p.pinned).map((p) => p.y));
    expect(pageableY).toBeGreaterThan(pinnedY); // larger y = lower on screen = slower
    // An empty spot between the two bands is background.
    const gap = await canvas.evaluate(
      (c: HTMLCanvasElement, pt) =>
        Array.from(
          c
            .getContext('2d')!
            .getImageData(Math.round(pt.x * (c.width / 360)), Math.round(pt.y * (c.width / 360)), 1, 1)
            .data.slice(0, 3),
        ),
      { x: points[0].x, y: (pinnedY + pageableY) / 2 },
    );
    expect(gap).toEqual(background);
  });
});
