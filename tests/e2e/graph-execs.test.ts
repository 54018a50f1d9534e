// CUDA graph executions of graphs_default (nsys 2025.3.1 default graph-level trace, H200) drawn on
// their stream's kernel row in headless Chromium, picked, linked to their cudaGraphLaunch, and in
// the default screenshot rows. Times from sqlite3 on the file: the first execution runs
// 2581660193..2581724672 on stream 7 (graph 1, exec 2, correlation 4268), launched by
// cudaGraphLaunch_v10000 at 2581568709..2581658461; no kernel of stream 7 overlaps it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LANE_DEFAULT } from '../../src/renderer/timeline/colors';
import { readPng } from '../helpers/png';
import { requireFile, tracePath } from '../helpers/paths';
import { type Browser, type ViewerSession, near, pixelAt, rgb, serveTraceInBrowser, waitIdle } from './browser';

const FILE = tracePath('shared:graphs_default.sqlite');
const EXEC = { start: 2581660193, end: 2581724672 };
const LAUNCH_START = 2581568709;
const KERNEL_ROW = 'gpu/0/583/7/kernel';
const GRAPH_TRACK = 'gpu/0/583/7/graph';

let session: ViewerSession;
let browser: Browser;
beforeAll(async () => {
  session = await serveTraceInBrowser(requireFile(FILE));
  ({ browser } = session);
  await browser.page.evaluate(([a, b]) => window.__nsysAutomation!.view(a, b), [2581500000, 2581800000] as const);
  await waitIdle(browser.page);
}, 180_000);

afterAll(() => session?.close());

const hooks = () => browser.page.evaluate(() => window.__nsysAutomation!.state());
const timeToX = (t: number) => browser.page.evaluate((tt) => window.__nsysAutomation!.timeToX(tt), t);
const trackY = (id: string) => browser.page.evaluate((i) => window.__nsysAutomation!.trackY(i), id);

describe('CUDA graph executions on the timeline (graphs_default)', () => {
  it('draws them on the kernel row of their stream, in the graph colour', async () => {
    const rows = (await hooks()).rows.map((r) => `${r.key}|${r.label}`);
    expect(rows).toContain(`lane:${KERNEL_ROW}|Kernels`);
    expect(rows.some((r) => r.startsWith(`lane:${GRAPH_TRACK}`))).toBe(false);
    const y = await trackY(GRAPH_TRACK);
    expect(y).toBe(await trackY(KERNEL_ROW));
    const x = await timeToX((EXEC.start + EXEC.end) / 2);
    expect(near(await pixelAt(browser.page, x, y!), rgb(LANE_DEFAULT.graph), 12)).toBe(true);
  });

  it('names the graph and its exec id in the tooltip', async () => {
    await browser.page.mouse.move(await timeToX((EXEC.start + EXEC.end) / 2), (await trackY(KERNEL_ROW))!);
    const tip = browser.page.getByTestId('tooltip');
    await tip.waitFor({ timeout: 5000 });
    const text = (await tip.textContent()) ?? '';
    expect(text).toContain('[CUDA graph 1]');
    expect(text).toContain('Graph / exec id1 / 2');
    expect(text).toContain('64.479 µs'); // 2581724672 - 2581660193 ns
  });

  it('picks an execution on click and draws the flow arrow from its cudaGraphLaunch', async () => {
    const x = await timeToX((EXEC.start + EXEC.end) / 2);
    const y = (await trackY(KERNEL_ROW))!;
    await browser.page.mouse.click(x, y);
    await browser.page.waitForFunction(() => (window.__nsysAutomation!.state().flows.length ?? 0) > 0, undefined, { timeout: 5000 });
    await waitIdle(browser.page);
    const st = await hooks();
    expect(st.selected).toMatchObject({ lane: 'graph', partners: 1 });
    expect(st.flows).toHaveLength(1);
    expect(st.flows[0].from.x).toBeCloseTo(await timeToX(LAUNCH_START), 0);
    expect(st.flows[0].to.x).toBeCloseTo(await timeToX(EXEC.start), 0);
    const details = (await browser.page.getByTestId('details').textContent()) ?? '';
    expect(details).toContain('[CUDA graph 1]');
    expect(details).toContain('Graph exec id');
    expect(details).toContain('cudaGraphLaunch_v10000');
  });

  it('is in the default screenshot rows (every row the timeline shows)', async () => {
    const r = await browser.page.evaluate(() => window.__nsysAutomation!.screenshot({}));
    const row = r.rows.find((p) => p.trackId === KERNEL_ROW);
    expect(row).toBeDefined();
    expect(r.missing).not.toContain(GRAPH_TRACK);
    const png = readPng(Buffer.from(r.pngBase64, 'base64'));
    const px = Math.round(r.timelineX + (((EXEC.start + EXEC.end) / 2 - r.view.t0) / (r.view.t1 - r.view.t0)) * r.timelineWidth);
    expect(near(png.rgb(px, Math.round(row!.y + row!.h / 2)), rgb(LANE_DEFAULT.graph), 12)).toBe(true);
    expect(browser.errors).toEqual([]);
  });
});
