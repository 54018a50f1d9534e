// `serve A B --compare` in headless Chromium: eager vs torch.compile (nsys 2025.3, H100) stacked,
// aligned at the first decode step or a chosen phase, one zoom, row labels per timeline, and a kernel
// row highlighting that exact kernel (demangled name) in both.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openTrace } from '../../src/core/io/open-trace';
import { startServer, type RunningServer } from '../../src/server/server';
import { requireFile, tracePath } from '../helpers/paths';
import { ensureRendererBuilt, openBrowser, type Browser } from './browser';

let server: RunningServer;
let browser: Browser;
beforeAll(async () => {
  ensureRendererBuilt();
  const traces = await Promise.all(
    ['llm_eager_pinned_capture', 'llm_compiled_capture'].map((t) => openTrace(requireFile(tracePath(`shared:${t}.sqlite`)))),
  );
  server = await startServer({ traces });
  browser = await openBrowser();
  await browser.page.goto(`${server.url}&compare=1`);
  await browser.page.waitForFunction(() => window.__nsysCompare?.ready() === true, undefined, { timeout: 60_000, polling: 100 });
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/*
 * Step 1 (the first decode step) starts where the pace kernel's first run ends (sqlite3:
 *   select k.end from CUPTI_ACTIVITY_KIND_KERNEL k join StringIds s on s.id=k.demangledName
 *    where s.value like 'void at::native::reduce_kernel<(int)512, (int)1, at::native::ReduceOp<long, at::native::func_wrapper_t<long, at::native::MaxNanFunctor<long>>%'
 *    order by k.start limit 1;
 * eager 53689277, compiled 28689371). The cuDNN SDPA kernel runs 564 times in each
 * (select count(*) ... where shortName = 'cudnn_generated_fort_native_sdpa_sm80_flash_fprop_wmma_f16_knob_3_64x64x64_4x1x1_cga1x1x1_kernel0_0').
 */
it('aligns the first decode steps, zooms both together and highlights a kernel in both', async () => {
  const page = browser.page;
  await page.getByTestId('compare-kernels').waitFor({ timeout: 30_000 });
  expect(await page.getByTestId('compare-summary').textContent()).toMatch(
    /^median step A 89\.249 ms · B 7\.945 ms · B 11\.23× faster · kernels\/step 555 → 279$/,
  );
  expect(await page.getByTestId('compare-align').inputValue()).toBe('step:1');
  const offset = 28689371 - 53689277;
  expect(await page.evaluate(() => window.__nsysCompare!.offsetNs())).toBe(offset);
  const views = () => page.evaluate(() => window.__nsysCompare!.views());
  let v = await views();
  expect(v.a.t0).toBeLessThan(53689277);
  expect(v.b.t0 - v.a.t0).toBeCloseTo(offset, 3);
  expect(v.b.t1 - v.b.t0).toBeCloseTo(v.a.t1 - v.a.t0, 3);
  const span = v.a.t1 - v.a.t0;
  await page.evaluate(() => window.__nsysCompare!.zoomA(2));
  v = await views();
  expect(v.a.t1 - v.a.t0).toBeCloseTo(span / 2, 0);
  expect(v.b.t0 - v.a.t0).toBeCloseTo(offset, 3);
  expect(v.b.t1 - v.b.t0).toBeCloseTo(v.a.t1 - v.a.t0, 3);

  await page
    .locator('[data-testid="compare-kernels"] tbody tr', { hasText: 'cudnn_generated_fort_native_sdpa_sm80_flash_fprop_wmma_f16_knob_3' })
    .click();
  await page.waitForFunction(() => window.__nsysCompare!.searchTotals().b > 0, undefined, { timeout: 15_000 });
  expect(await page.evaluate(() => window.__nsysCompare!.searchTotals())).toEqual({ a: 564, b: 564 });
  expect(browser.errors).toEqual([]);
}, 120_000);

/* phase:inference (the traces' one NVTX phase) starts at 16665105 ns (eager) and 15481278 ns (compiled):
 *   select start from NVTX_EVENTS where text like 'phase:%'. */
it('aligns at a phase chosen in the view, and names each timeline and its rows', async () => {
  const page = browser.page;
  expect(await page.getByTestId('compare-corner-a').textContent()).toBe('A · llm_eager_pinned_capture.sqlite');
  expect(await page.getByTestId('compare-corner-b').textContent()).toBe('B · llm_compiled_capture.sqlite');
  // Row labels as the main viewer names them: each timeline's own row tree, beside its canvas.
  const labels = (side: string) =>
    page.locator(`.compare-pane:has([data-testid="compare-timeline-${side}"]) .row-tree .row`).allTextContents();
  for (const side of ['a', 'b']) {
    const rows = await labels(side);
    expect(rows[0], side).toMatch(/^▾GPU 0 · NVIDIA H100/);
    expect(rows, side).toContain('Kernels');
    expect(rows, side).toContain('CUDA API');
  }

  await page.getByTestId('compare-align').selectOption('phase:phase:inference');
  await page.waitForFunction(() => window.__nsysCompare!.offsetNs() === 15481278 - 16665105, undefined, { timeout: 10_000 });
  expect(await page.getByTestId('compare-offset').textContent()).toBe('aligned at phase:inference · B shifted 1.184 ms');
  const v = await page.evaluate(() => window.__nsysCompare!.views());
  expect(v.a.t0).toBeLessThan(16665105);
  expect(v.a.t1).toBeGreaterThan(16665105 + 3943907965);
  expect(v.b.t0 - v.a.t0).toBeCloseTo(15481278 - 16665105, 3);
  await page.getByTestId('compare-align').selectOption('step:1');
  await page.waitForFunction(() => window.__nsysCompare!.offsetNs() === 28689371 - 53689277, undefined, { timeout: 10_000 });
  expect(browser.errors).toEqual([]);
}, 60_000);

/*
 * reduce_kernel is the short name of 6 kernels in eager (1539 runs) and 5 in compiled (293); the
 * MaxNanFunctor one runs 48 times in each (sqlite3: select count(*) from CUPTI_ACTIVITY_KIND_KERNEL k
 * join StringIds d on d.id=k.demangledName where d.value like '%MaxNanFunctor%'). Kernels around
 * step 1's pace kernel (select k.start, short, demangled ... where k.start between ...):
 *   eager    53545722 reduce_kernel<128, 4, ReduceOp<bool, or>>   53686909 reduce_kernel<512, 1, …MaxNanFunctor…>
 *   compiled 28561049 and 28593274 reduce_kernel<128, 4, ReduceOp<bool, or>>, 28687067 MaxNanFunctor
 * A's window [53540000, 53730000] is B's [28540094, 28730094] (offset −24999906): by short name 2 and
 * 3 slices would light up; by the exact name one in each.
 */
it('a kernel row highlights that exact template instance in both timelines, not every kernel of its short name', async () => {
  const page = browser.page;
  await page.getByTestId('compare-filter').fill('MaxNanFunctor');
  const row = page.locator('[data-testid="compare-kernels"] tbody tr');
  expect(await row.count()).toBe(1);
  expect(await row.first().locator('td').first().textContent()).toBe('reduce_kernel');
  await row.first().click();
  await page.waitForFunction(() => window.__nsysCompare!.searchTotals().b === 48, undefined, { timeout: 15_000 });
  expect(await page.evaluate(() => window.__nsysCompare!.searchTotals())).toEqual({ a: 48, b: 48 });
  await page.evaluate(() => window.__nsysCompare!.showA(53540000, 53730000));
  const v = await page.evaluate(() => window.__nsysCompare!.views());
  expect(v.b.t0).toBeCloseTo(28540094, 3);
  await page.waitForFunction(() => window.__nsysCompare!.settled(), undefined, { timeout: 15_000, polling: 100 });
  expect(await page.evaluate(() => window.__nsysCompare!.highlighted())).toEqual({
    a: { slices: 1, events: 1 },
    b: { slices: 1, events: 1 },
  });
  expect(browser.errors).toEqual([]);
}, 60_000);
