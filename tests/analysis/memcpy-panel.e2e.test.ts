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
    const cells = async (src: string) => page.locator('[data-testid="memcpy-groups"] tbody tr', { hasText: `${src} → Device` }).locator('td').allTextContents();
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
    const sel = await page.evaluate(() => window.__nsysTest!.state().selected);
    expect(sel?.lane).toBe('memcpy');
    const view = await page.evaluate(() => window.__nsysTest!.state().view);
    const i = sel!.index;
    expect(model.memcpy.startNs[i]).toBeGreaterThanOrEqual(view.t0);
    expect(model.memcpy.endNs[i]).toBeLessThanOrEqual(view.t1);
    expect(model.memcpy.srcKind[i]).toBe(0); // the filtered group: pageable (ENUM_CUDA_MEM_KIND 0)
    expect(browser.errors).toEqual([]);
  });
});
