// `serve A B --compare` in headless Chromium: eager vs torch.compile (nsys 2025.3, H100) stacked,
// aligned at the first decode step, one zoom, and a kernel row highlighting that kernel in both.
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
  expect(await page.getByTestId('compare-align').inputValue()).toBe('1');
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
