// The "NVTX (projected)" row of graphs_default (nsys 2025.3.1, H200) in headless Chromium: under
// GPU 0, above its streams, each range drawn at the GPU span of the work it launched. Times from
// sqlite3 on the file (runtime calls on the range's thread joined to kernel, memcpy and graph-trace
// rows by correlationId): the first "graph replay" range runs 2581362992..2581664207 on the CPU and
// its 2 GPU ops (a copy and the graph execution) 2581521250..2581724672; the "eager" range before
// it ends its GPU work at 2581340259, so the projected row is empty between that and 2581521250.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatNsExact } from '../../src/core/util/format';
import { requireFile, tracePath } from '../helpers/paths';
import { type Browser, type ViewerSession, near, pixelAt, serveTraceInBrowser, waitIdle } from './browser';

const FILE = tracePath('shared:graphs_default.sqlite');
const CPU = { start: 2581362992, end: 2581664207 };
const GPU = { start: 2581521250, end: 2581724672 };
const ROW = 'gpu/0/583/nvtx-gpu';
const CPU_ROW = 'cpu/583/583/nvtx';

let session: ViewerSession;
let browser: Browser;
beforeAll(async () => {
  session = await serveTraceInBrowser(requireFile(FILE));
  ({ browser } = session);
  await browser.page.evaluate(([a, b]) => window.__nsysAutomation!.view(a, b), [2581300000, 2581800000] as const);
  await waitIdle(browser.page);
}, 180_000);

afterAll(() => session?.close());

const timeToX = (t: number) => browser.page.evaluate((tt) => window.__nsysAutomation!.timeToX(tt), t);
const trackY = (id: string) => browser.page.evaluate((i) => window.__nsysAutomation!.trackY(i), id);

describe('NVTX projected onto the GPU (graphs_default)', () => {
  it('is a row under GPU 0, above its streams', async () => {
    const rows = (await browser.page.evaluate(() => window.__nsysAutomation!.state())).rows.map((r) => `${r.key}|${r.label}`);
    const at = rows.indexOf(`lane:${ROW}|NVTX (projected)`);
    expect(at).toBeGreaterThan(rows.findIndex((r) => r.startsWith('gpu:0|')));
    expect(at).toBeLessThan(rows.findIndex((r) => r.startsWith('stream:0/583/')));
    expect(at).toBeLessThan(rows.findIndex((r) => r.startsWith('proc:583|')));
  });

  it('draws the range at its GPU span in its NVTX colour, not at its CPU span', async () => {
    const y = (await trackY(ROW))!;
    const cpuY = (await trackY(CPU_ROW))!;
    expect(y).toBeLessThan(cpuY);
    const page = browser.page;
    // Inside the GPU span after the CPU range has ended: only the projection is there.
    const inside = await pixelAt(page, await timeToX((CPU.end + GPU.end) / 2), y);
    // The CPU range, in its row: the projection has the same colour.
    const cpuColour = await pixelAt(page, await timeToX((CPU.start + CPU.end) / 2), cpuY);
    expect(near(inside, cpuColour, 12)).toBe(true);
    // Within the CPU range but before its first GPU op: nothing drawn in the projected row.
    const before = await pixelAt(page, await timeToX((CPU.start + GPU.start) / 2), y);
    expect(near(before, cpuColour, 40)).toBe(false);
  });

  it('names the range and shows its CPU and GPU spans on hover', async () => {
    await browser.page.mouse.move(await timeToX((CPU.end + GPU.end) / 2), (await trackY(ROW))!);
    const tip = browser.page.getByTestId('tooltip');
    await tip.waitFor({ timeout: 5000 });
    const text = (await tip.textContent()) ?? '';
    expect(text).toContain('graph replay');
    expect(text).toContain(formatNsExact(GPU.end - GPU.start));
    expect(text).toContain(formatNsExact(CPU.end - CPU.start));
    expect(text).toContain('GPU ops launched2');
    expect(browser.errors).toEqual([]);
  });
});
