// Row choices in headless Chromium on defaults_streams (nsys 2025.3.1 with its default options on an
// H200: python3 701 plus 70 helper threads): quiet threads grouped and collapsed, hide / pin /
// reorder through the row tree's menu, keys and drag, search's "filter rows" and dimming.
// Kernel figures from sqlite3 on the same file (CUPTI_ACTIVITY_KIND_KERNEL joined to StringIds).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tracePath } from '../helpers/paths';
import { describeShared } from '../helpers/shared-traces';
import { type ViewerSession, near, pixelAt, serveTraceInBrowser, waitIdle } from './browser';

const KERNELS = 'gpu/0/701/18/kernel';
// Stream 18: an sm80_xmma_gemm kernel 3365550078..3368215404, then vectorized_elementwise_kernel
// 3368216652..3368247340; nothing runs on the stream from 3365309983 to the gemm's start.
const GEMM = [3365550078, 3368215404] as const;
const VECTOR = [3368216652, 3368247340] as const;
const showWindow = async () => {
  await api().evaluate(([a, b]) => window.__nsysAutomation!.view(a, b), [GEMM[0] - 100_000, VECTOR[1] + 100_000] as const);
  await waitIdle(api());
};

let session: ViewerSession;

const api = () => session.browser.page;
const rows = async () => (await api().evaluate(() => window.__nsysAutomation!.state())).rows;
const rowKeys = async () => (await rows()).map((r) => r.key);
const trackY = (id: string) => api().evaluate((i) => window.__nsysAutomation!.trackY(i), id);
const timeToX = (t: number) => api().evaluate((tt) => window.__nsysAutomation!.timeToX(tt), t);

describeShared('rows in Chromium (defaults_streams)', () => {
  beforeAll(async () => {
    session = await serveTraceInBrowser(tracePath('shared:defaults_streams.sqlite'));
    await showWindow();
  }, 180_000);
  afterAll(() => session?.close());

  it('groups the quiet threads into one collapsed row that opens on click', async () => {
    // Threads of pid 701 with rows in SCHED_EVENTS, COMPOSITE_EVENTS or OSRT_API: 701 and 713..782.
    // 701 alone has CUDA API (1554) and NVTX (6) rows; each other thread has at most 177 rows
    // (713 "[NSys]") against 701's 17,428: 70 quiet threads.
    const shown = await rows();
    const group = shown.find((r) => r.key === 'quiet:701');
    expect(group).toEqual({ key: 'quiet:701', label: '70 quiet threads', collapsed: true, pinned: false });
    const threads = (keys: string[]) => keys.filter((k) => k.startsWith('thread:701/'));
    expect(threads(shown.map((r) => r.key))).toEqual(['thread:701/701']);
    expect(shown.map((r) => r.key)).toContain('lane:cpu/701/701/cuda-api');
    await expect(api().getByTestId('row-status').textContent()).resolves.toBe('70 quiet threads grouped');
    await api().locator('[data-row="quiet:701"]').click();
    const open = await rowKeys();
    expect(threads(open)).toHaveLength(71);
    await api().locator('[data-row="quiet:701"]').click();
    expect(await rowKeys()).not.toContain('thread:701/716');
  });

  it('pins a lane to the top: it is drawn there, and stays there after a reload', async () => {
    await showWindow();
    const gemmX = await timeToX((GEMM[0] + GEMM[1]) / 2);
    const oldY = (await trackY(KERNELS))!;
    const gemmColour = await pixelAt(api(), gemmX, oldY);
    await api().locator(`[data-row="lane:${KERNELS}"]`).click({ button: 'right' });
    await api().getByTestId('row-menu').getByText('Pin to top').click();
    expect((await rows())[0]).toEqual({ key: `lane:${KERNELS}`, label: 'Stream 18 › Kernels', collapsed: false, pinned: true });
    const newY = (await trackY(KERNELS))!;
    expect(newY).toBeLessThan(oldY);
    await waitIdle(api());
    expect(near(await pixelAt(api(), gemmX, newY), gemmColour)).toBe(true);
    // Stored per trace: a reload shows the same rows.
    await api().reload();
    await waitIdle(api(), 30_000);
    expect((await rowKeys())[0]).toBe(`lane:${KERNELS}`);
    await api().evaluate(() => window.__nsysAutomation!.resetRows());
    expect((await rowKeys())[0]).toBe('gpu:0');
    expect(await trackY(KERNELS)).toBe(oldY);
  });

  it('hides a row from its menu and shows it again', async () => {
    await api().locator('[data-row="stream:0/701/18"]').click({ button: 'right' });
    await api().getByTestId('row-menu').getByText('Hide').click();
    const keys = await rowKeys();
    expect(keys).not.toContain('stream:0/701/18');
    expect(keys).not.toContain(`lane:${KERNELS}`);
    expect(await trackY(KERNELS)).toBeNull();
    await expect(api().getByTestId('row-status').textContent()).resolves.toBe('1 hidden');
    await api().locator('.row-tree-ruler').getByText('Show all').click();
    expect(await rowKeys()).toContain('stream:0/701/18');
    await api().evaluate(() => window.__nsysAutomation!.resetRows());
  });

  it('reorders streams with Alt+↑ and by dragging', async () => {
    const streams = async () => (await rowKeys()).filter((k) => k.startsWith('stream:'));
    const before = await streams();
    const at = before.indexOf('stream:0/701/18');
    expect(at).toBeGreaterThan(0);
    const y18 = (await trackY(KERNELS))!;
    await api().locator('[data-row="stream:0/701/18"]').focus();
    await api().keyboard.press('Alt+ArrowUp');
    const up = await streams();
    expect(up.indexOf('stream:0/701/18')).toBe(at - 1);
    expect((await trackY(KERNELS))!).toBeLessThan(y18);
    // Drag stream 18 below the stream it passed: the original order again.
    const passed = up[at];
    await api()
      .locator('[data-row="stream:0/701/18"]')
      .dragTo(api().locator(`[data-row="${passed}"]`), { targetPosition: { x: 40, y: 16 } });
    expect(await streams()).toEqual(before);
    // A stream dropped on a thread row goes nowhere.
    await api().locator('[data-row="stream:0/701/18"]').dragTo(api().locator('[data-row="thread:701/701"]'));
    expect(await streams()).toEqual(before);
    await api().evaluate(() => window.__nsysAutomation!.resetRows());
  });

  it('search dims non-matching slices and "filter rows" keeps only the rows holding matches', async () => {
    await showWindow();
    const y = (await trackY(KERNELS))!;
    const vx = await timeToX((VECTOR[0] + VECTOR[1]) / 2);
    const gx = await timeToX((GEMM[0] + GEMM[1]) / 2);
    const vectorBefore = await pixelAt(api(), vx, y);
    const gemmBefore = await pixelAt(api(), gx, y);
    const all = await rowKeys();

    // 48 sm80_xmma_gemm kernels, all on stream 18; no other name holds "xmma_gemm".
    await api().locator('#nsys-search').fill('xmma_gemm');
    await api().waitForFunction(() => window.__nsysAutomation!.state().searchTotal === 48);
    await waitIdle(api());
    // Non-matches are drawn at 30% opacity over the dark background.
    const sum = (c: number[]) => c[0] + c[1] + c[2];
    expect(sum(await pixelAt(api(), vx, y))).toBeLessThan(0.6 * sum(vectorBefore));
    expect(near(await pixelAt(api(), gx, y), gemmBefore)).toBe(true);

    await api().getByTestId('filter-rows').check();
    expect(await rowKeys()).toEqual(['gpu:0', 'stream:0/701/18', `lane:${KERNELS}`]);
    await expect(api().getByTestId('row-status').textContent()).resolves.toBe('Rows with matches');
    await waitIdle(api());
    expect(near(await pixelAt(api(), gx, (await trackY(KERNELS))!), gemmBefore)).toBe(true);
    // No search, no filter: every row is back (and the toggle stays on for the next search).
    await api().locator('#nsys-search').fill('');
    await api().waitForFunction(() => window.__nsysAutomation!.state().searchTotal === 0);
    await api().waitForFunction((n) => window.__nsysAutomation!.state().rows.length === n, all.length);
    expect(await rowKeys()).toEqual(all);
    await api().getByTestId('filter-rows').uncheck();
    expect(session.browser.errors).toEqual([]);
  });
});
