// The timeline in real headless Chromium (SwiftShader WebGL) on the real streams trace
// (nsys 2025.3, H100), served by the `serve` host. Positions come from the automation API
// (window.__nsysAutomation: time → page x, track → page y); colours are read back from the canvas.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import type { TraceModel } from '../../src/core/model/types';
import { CATEGORY_COLORS } from '../../src/core/util/kernel-category';
import { THEME } from '../../src/renderer/timeline/colors';
import { type Browser, type ViewerSession, near, pixelAt, rgb, serveTraceInBrowser, waitIdle } from './browser';

const STREAMS = resolve(__dirname, '../fixtures/nsys-2025.3/streams.sqlite');
let browser: Browser;
let model: TraceModel;

const hooks = () => browser.page.evaluate(() => window.__nsysAutomation!.state());
const timeToX = (t: number) => browser.page.evaluate((tt) => window.__nsysAutomation!.timeToX(tt), t);
const trackY = (id: string) => browser.page.evaluate((i) => window.__nsysAutomation!.trackY(i), id);
async function showWindow(t0: number, t1: number) {
  await browser.page.evaluate(([a, b]) => window.__nsysAutomation!.view(a, b), [t0, t1] as const);
  await waitIdle(browser.page);
}

let session: ViewerSession;
beforeAll(async () => {
  session = await serveTraceInBrowser(STREAMS);
  ({ model, browser } = session);
}, 180_000);

afterAll(() => session?.close());

describe('timeline in Chromium', () => {
  it('shows GPU, stream and thread lanes from the trace', async () => {
    const labels = (await hooks()).rows.map((r) => `${r.key}|${r.label}`);
    expect(labels).toContain('gpu:0|GPU 0 · NVIDIA H100 80GB HBM3');
    for (const s of [7, 13, 17]) expect(labels).toContain(`stream:0/34/${s}|Stream ${s}`);
    expect(labels).toContain('lane:gpu/0/34/7/kernel|Kernels');
    expect(labels).toContain('lane:gpu/0/34/7/memcpy|Memcpy');
    expect(labels).toContain('lane:gpu/0/34/13/memcpy|Memcpy');
    expect(labels).toContain('lane:gpu/0/34/17/kernel|Kernels');
    expect(labels.some((l) => l.startsWith('proc:34|python3 (34)'))).toBe(true);
    expect(labels.some((l) => /^lane:cpu\/34\/\d+\/cuda-api\|CUDA API$/.test(l))).toBe(true);
    expect(labels.some((l) => /^lane:cpu\/34\/\d+\/nvtx\|NVTX$/.test(l))).toBe(true);
    expect(labels.some((l) => /^lane:cpu\/34\/\d+\/osrt\|OS runtime$/.test(l))).toBe(true);
    // The DOM row tree shows the same rows.
    await expect(browser.page.locator('[data-row="gpu:0"]').textContent()).resolves.toContain('NVIDIA H100 80GB HBM3');
    expect(browser.errors).toEqual([]);
  });

  it('changes ruler units when zooming with the wheel', async () => {
    await browser.page.keyboard.press('f');
    await waitIdle(browser.page);
    const before = (await hooks()).rulerLabels;
    expect(before.length).toBeGreaterThan(3);
    expect(before.every((l) => / s$/.test(l))).toBe(true); // 9.5 s of events: second ticks
    const r = await browser.page.evaluate(() => window.__nsysAutomation!.canvasRect());
    await browser.page.mouse.move(r.left + r.width / 2, r.top + 100);
    // Wheel up zooms in at the cursor; on a slow machine Chromium may drop or merge wheel events,
    // so keep scrolling (each step must narrow the view) until 1000× in, within 40 steps.
    let span = 9.6e9;
    for (let i = 0; i < 40 && span > 9.5e9 / 1000; i++) {
      await browser.page.mouse.wheel(0, -600);
      await browser.page.waitForFunction(
        (prev) => {
          const v = window.__nsysAutomation!.state().view;
          return v.t1 - v.t0 < prev;
        },
        span,
        { timeout: 5000 },
      );
      const v = (await hooks()).view;
      span = v.t1 - v.t0;
    }
    await waitIdle(browser.page);
    const after = await hooks();
    expect(after.view.t1 - after.view.t0).toBeLessThan(9.5e9 / 1000);
    expect(after.rulerLabels.some((l) => /(ms|µs)$/.test(l))).toBe(true);
    expect(after.rulerLabels).not.toEqual(before);
  });

  it('zooms and pans with W/S/A/D and arrows, fits with F', async () => {
    const view = async () => (await hooks()).view;
    await browser.page.locator('[data-testid="timeline"] canvas').focus();
    await browser.page.keyboard.press('f');
    const fit = await view();
    await browser.page.keyboard.press('w');
    const zin = await view();
    expect((fit.t1 - fit.t0) / (zin.t1 - zin.t0)).toBeCloseTo(1.5, 5);
    await browser.page.keyboard.press('d');
    const right = await view();
    expect(right.t0 - zin.t0).toBeCloseTo((zin.t1 - zin.t0) * 0.15, -3);
    await browser.page.keyboard.press('ArrowLeft');
    expect((await view()).t0).toBeCloseTo(zin.t0, -3);
    await browser.page.keyboard.press('s');
    await browser.page.keyboard.press('f');
    expect(await view()).toEqual(fit);
  });

  it("shows a hovered kernel's name, grid and block in the tooltip", async () => {
    // First sm80_xmma_gemm kernel on stream 17: 8349603188 .. 8352261705 (sqlite3)
    const a = 8349603188,
      b = 8352261705;
    await showWindow(a - 2e6, b + 2e6);
    const x = await timeToX((a + b) / 2);
    const y = (await trackY('gpu/0/34/17/kernel'))!;
    await browser.page.mouse.move(x, y);
    const tip = browser.page.getByTestId('tooltip');
    await tip.waitFor({ timeout: 5000 });
    const text = (await tip.textContent()) ?? '';
    expect(text).toContain('sm80_xmma_gemm_f32f32_f32f32_f32_nn_n_tilesize256x128x8');
    expect(text).toContain('2.658\u202f517 ms'); // 2658517 ns, exact
    expect(text).toContain('8.349\u202f603\u202f188 s → 8.352\u202f261\u202f705 s');
    expect(text).toContain('Launch latency');
    expect(text).toContain('Stream17');
    expect((await hooks()).hoverName).toMatch(/^sm80_xmma_gemm/);
  });

  it('links a clicked memcpy to its cudaMemcpyAsync call with a flow arrow', async () => {
    // First HtoD copy 8143930890..8144541046 (corr 753), its API call 8143886886..8143931230
    await showWindow(8143800000, 8144700000);
    const x = await timeToX((8143930890 + 8144541046) / 2);
    const y = (await trackY('gpu/0/34/13/memcpy'))!;
    await browser.page.mouse.click(x, y);
    await browser.page.waitForFunction(() => (window.__nsysAutomation!.state().flows.length ?? 0) > 0, undefined, { timeout: 5000 });
    await waitIdle(browser.page);
    const st = await hooks();
    expect(st.selected).toMatchObject({ lane: 'memcpy', partners: 1 });
    expect(st.flows).toHaveLength(1);
    const f = st.flows[0];
    // From the API call (CPU row, below) to the copy (GPU row).
    expect(f.from.x).toBeCloseTo(await timeToX(8143886886), 0);
    expect(f.to.x).toBeCloseTo(await timeToX(8143930890), 0);
    expect(f.from.y).toBeGreaterThan(f.to.y);
    // The arrow is drawn: flow colour at the curve's midpoint (a cubic with mirrored control points passes through it).
    const mx = (f.from.x + f.to.x) / 2;
    const my = (f.from.y + f.to.y) / 2;
    let found = false;
    for (let dx = -2; dx <= 2 && !found; dx++)
      for (let dy = -2; dy <= 2 && !found; dy++) found = near(await pixelAt(browser.page, mx + dx, my + dy), rgb(THEME.flow), 40);
    expect(found).toBe(true);
    const details = (await browser.page.getByTestId('details').textContent()) ?? '';
    expect(details).toContain('Host-to-Device');
    expect(details).toContain('cudaMemcpyAsync');
    expect(details).not.toContain('_v3020'); // the partner reads as nsys stats names it
  });

  it('paints HtoD copies in their colour and leaves the lane background between them', async () => {
    // The longest HtoD copy on stream 13 (pageable, ~6 ms) with room around it.
    const m = model.memcpy;
    let best = -1;
    for (let i = 0; i < m.count; i++)
      if (m.streamId[i] === 13 && m.copyKind[i] === 1 && (best < 0 || m.endNs[i] - m.startNs[i] > m.endNs[best] - m.startNs[best]))
        best = i;
    const a = m.startNs[best],
      b = m.endNs[best],
      d = b - a;
    await browser.page.keyboard.press('Escape');
    await showWindow(a - 3 * d, b + 3 * d);
    const y = (await trackY('gpu/0/34/13/memcpy'))!;
    const inside = await pixelAt(browser.page, await timeToX(a + d / 2), y);
    expect(near(inside, rgb(CATEGORY_COLORS['memcpy-htod']))).toBe(true);
    // A time in view with no stream-13 copy within 5 px either side: the lane's background.
    const nsPerPx = (7 * d) / (await browser.page.evaluate(() => window.__nsysAutomation!.canvasRect().width));
    let empty = -1;
    for (let t = a - 3 * d; t < b + 3 * d && empty < 0; t += nsPerPx * 4) {
      let busy = false;
      for (let i = 0; i < m.count && !busy; i++)
        busy = m.streamId[i] === 13 && m.endNs[i] > t - 5 * nsPerPx && m.startNs[i] < t + 5 * nsPerPx;
      if (!busy) empty = t;
    }
    expect(empty).toBeGreaterThan(0);
    const outside = await pixelAt(browser.page, await timeToX(empty), y);
    expect(near(outside, rgb(THEME.rowAlt), 3)).toBe(true);
  });

  it('highlights search matches and steps through them', async () => {
    const a = 8349603188,
      b = 8352261705;
    await showWindow(a - 2e6, b + 2e6);
    await browser.page.fill('#nsys-search', 'xmma_gemm');
    await browser.page.getByTestId('match-count').filter({ hasText: '48 matches' }).waitFor({ timeout: 5000 });
    await waitIdle(browser.page);
    expect((await hooks()).searchTotal).toBe(48);
    // Yellow outline along the top edge of the matching kernel.
    const x = await timeToX((a + b) / 2);
    const y = (await trackY('gpu/0/34/17/kernel'))!;
    let yellow = false;
    for (let dy = -9; dy <= 0 && !yellow; dy++) yellow = near(await pixelAt(browser.page, x, y + dy), rgb(THEME.searchHit), 30);
    expect(yellow).toBe(true);
    // Enter jumps to the first match (in time order) and selects it.
    await browser.page.focus('#nsys-search');
    await browser.page.keyboard.press('Enter');
    await browser.page.waitForFunction(() => window.__nsysAutomation!.state().selected?.lane === 'kernel', undefined, { timeout: 5000 });
    await expect(browser.page.getByTestId('match-count').textContent()).resolves.toContain('1 / 48');
    await browser.page.fill('#nsys-search', '');
    await browser.page.waitForFunction(() => window.__nsysAutomation!.state().searchTotal === 0, undefined, { timeout: 5000 });
    expect(browser.errors).toEqual([]);
  });

  it('aggregates a shift-dragged range per kernel name', async () => {
    const a = 8349603188,
      b = 8352261705;
    await showWindow(a - 2e6, b + 2e6);
    const y = (await trackY('gpu/0/34/17/kernel'))!;
    const x0 = await timeToX(a - 1e5);
    const x1 = await timeToX(b + 1e5);
    await browser.page.keyboard.down('Shift');
    await browser.page.mouse.move(x0, y);
    await browser.page.mouse.down();
    await browser.page.mouse.move((x0 + x1) / 2, y, { steps: 3 });
    await browser.page.mouse.move(x1, y, { steps: 3 });
    await browser.page.mouse.up();
    await browser.page.keyboard.up('Shift');
    const table = browser.page.getByTestId('range-table');
    await table.locator('td.name', { hasText: 'sm80_xmma_gemm' }).waitFor({ timeout: 5000 });
    const row = table.locator('tr', { hasText: 'sm80_xmma_gemm' });
    await expect(row.locator('td.num').first().textContent()).resolves.toBe('1'); // one gemm in the range
    await expect(row.textContent()).resolves.toContain('2.659 ms'); // 2658517 ns
    await browser.page.keyboard.press('Escape');
  });

  it('collapses a stream into a busy summary and lists every key in the help overlay', async () => {
    const a = 8349603188,
      b = 8352261705;
    await showWindow(a - 2e6, b + 2e6);
    await browser.page.locator('[data-row="stream:0/34/17"]').click();
    await waitIdle(browser.page);
    expect((await hooks()).rows.some((r) => r.key === 'lane:gpu/0/34/17/kernel')).toBe(false);
    // The kernel's track now maps to the collapsed stream row, drawn as a busy profile.
    const y = (await trackY('gpu/0/34/17/kernel'))!;
    expect(near(await pixelAt(browser.page, await timeToX((a + b) / 2), y + 4), rgb(THEME.summaryGpu))).toBe(true);
    expect(near(await pixelAt(browser.page, await timeToX(a - 1e6), y + 4), rgb(THEME.groupRow), 3)).toBe(true);
    await browser.page.locator('[data-row="stream:0/34/17"]').click();
    await waitIdle(browser.page);
    expect((await hooks()).rows.some((r) => r.key === 'lane:gpu/0/34/17/kernel')).toBe(true);

    await browser.page.locator('[data-testid="timeline"] canvas').focus();
    await browser.page.keyboard.press('?');
    const help = browser.page.getByTestId('help');
    await help.waitFor({ timeout: 3000 });
    const text = (await help.textContent()) ?? '';
    for (const k of [
      'Zoom at the cursor',
      'Fit the whole trace',
      'Zoom to the selected range',
      'Jump to the correlated partner',
      'Memcpy HtoD',
    ])
      expect(text).toContain(k);
    await browser.page.keyboard.press('Escape');
    await expect(help.count()).resolves.toBe(0);
    expect(browser.errors).toEqual([]);
  });

  it("keeps a long NVTX range's label at the left edge when it starts far off screen", async () => {
    // NVTX "step 0" spans 8140702950..8458742208 (sqlite3); show 1 ms, 259 ms after it began.
    await showWindow(8400000000, 8401000000);
    await browser.page.waitForFunction(() => window.__nsysAutomation!.state().labelTexts.length > 0, undefined, { timeout: 5000 });
    expect((await hooks()).labelTexts).toContain('step 0');
  });

  it('labels merged slices with their count, busy fraction and the name with the most time', async () => {
    // The whole of step 1 (8458781620..8538177701): the 2 streams' kernels merge at this zoom.
    await showWindow(8458781620, 8538177701);
    const merged = (await hooks()).labelTexts.filter((l) => / events · /.test(l));
    expect(merged.length).toBeGreaterThan(0);
    // Full labels end with the name's time ("mostly X (1.234 ms)"); narrower slices cut the label with "…".
    for (const l of merged) expect(l).toMatch(/^[\d,]+ events · \d{1,3}% busy( · mostly .+( \([\d.]+ (ns|µs|ms|s)\)|…))?$/);
    expect(merged.some((l) => l.includes(' · mostly '))).toBe(true);
  });
});
