// Steps panel in headless Chromium on the real torch.compile trace (nsys 2025.3, H100) through the
// `serve` host: table, verdict, uPlot plots, and a row or a plotted point moving the timeline there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireFile, tracePath } from '../helpers/paths';
import { type ViewerSession, serveTraceInBrowser, waitIdle } from './browser';

let session: ViewerSession;
const page = () => session.browser.page;
const view = () => page().evaluate(() => window.__nsysAutomation!.state().view);

beforeAll(async () => {
  session = await serveTraceInBrowser(requireFile(tracePath('shared:llm_compiled_capture.sqlite')));
}, 180_000);
afterAll(() => session?.close());

describe('Steps panel', () => {
  it('lists the 48 forward passes with the verdict, evidence and plots', async () => {
    await page().click('[data-tab="steps"]');
    const table = page().getByTestId('steps-table');
    await table.waitFor({ timeout: 30_000 });
    expect(await table.locator('tbody tr').count()).toBe(48);
    expect(await page().getByTestId('steps-verdict').textContent()).toBe('cpu-bound');
    expect(await page().getByTestId('steps-summary').textContent()).toMatch(/^48 steps from kernel void at::native::reduce_kernel/);
    expect(await page().getByTestId('steps-evidence').textContent()).toMatch(/cpu-bound: GPU busy 9% of decode \(47 steps\)/);
    const plot = page().getByTestId('steps-time-plot');
    expect(await plot.getAttribute('data-points')).toBe('48');
    expect(await plot.locator('canvas').count()).toBe(1);
    const bins = (await page().getByTestId('steps-hist-plot').getAttribute('data-bins'))?.split(',').map(Number) ?? [];
    expect(bins.reduce((a, b) => a + b, 0)).toBe(48);
  }, 60_000);

  it('shows a step on the timeline when its row is clicked', async () => {
    // Step #1 (the second pass) is [28689371, 36941721] ns (sqlite3, tests/steps/steps.test.ts).
    await page().click('[data-testid="steps-table"] tbody tr:nth-child(2)');
    await waitIdle(page());
    const v = await view();
    expect(v.t0).toBeLessThanOrEqual(28689371);
    expect(v.t1).toBeGreaterThanOrEqual(36941721);
    expect(v.t1 - v.t0).toBeLessThan(3 * 8252350);
  }, 30_000);

  it('shows a step on the timeline when its point is clicked', async () => {
    const over = page().locator('[data-testid="steps-time-plot"] .u-over');
    await over.scrollIntoViewIfNeeded();
    const box = await over.boundingBox();
    expect(box).not.toBeNull();
    const before = await view();
    await page().mouse.move(box!.x + box!.width * 0.75, box!.y + box!.height / 2);
    await page().mouse.click(box!.x + box!.width * 0.75, box!.y + box!.height / 2);
    await waitIdle(page());
    const v = await view();
    expect(v).not.toEqual(before);
    // Every step is 7-14 ms long: the view frames one of them, three quarters through the run.
    expect(v.t1 - v.t0).toBeLessThan(3 * 13_100_000);
    expect((v.t0 + v.t1) / 2).toBeGreaterThan(0.5 * 432_718_334);
  }, 30_000);
});

describe('Steps panel evidence', () => {
  it('leads from a verdict to its longest gap on the timeline', async () => {
    const link = page().locator('[data-testid="steps-evidence"] li[data-scope="decode"] [data-testid="steps-gap"]').first();
    await link.scrollIntoViewIfNeeded();
    const text = (await link.textContent()) ?? '';
    await link.click();
    await waitIdle(page());
    const v = await view();
    // The link reads the gap's length ("1.234 ms"); the view frames it.
    const m = /([\d.]+) (ms|µs|s)/.exec(text);
    expect(m).not.toBeNull();
    const gapNs = Number(m![1]) * (m![2] === 's' ? 1e9 : m![2] === 'ms' ? 1e6 : 1e3);
    expect(v.t1 - v.t0).toBeGreaterThanOrEqual(gapNs * 0.99);
    expect(v.t1 - v.t0).toBeLessThan(gapNs * 3);
  }, 30_000);
});
