// GPU memory in use (llm_eager_pageable, nsys 2025.3.1 --cuda-memory-usage=true, H100) drawn as a
// counter row at the top of its GPU in headless Chromium. From sqlite3 (device memory kinds only):
// the first allocation is at 20456487365 ns, 555962987 bytes are in use at 24 s and 558096994 at
// the peak, so at 24 s the bar fills ~99.6% of the row and before the first allocation nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LANE_DEFAULT } from '../../src/renderer/timeline/colors';
import { requireFile, tracePath } from '../helpers/paths';
import { type Browser, type ViewerSession, near, pixelAt, rgb, serveTraceInBrowser, waitIdle } from './browser';

const FILE = tracePath('shared:llm_eager_pageable.sqlite');
const TRACK = 'gpu/0/memory';

let session: ViewerSession;
let browser: Browser;
beforeAll(async () => {
  session = await serveTraceInBrowser(requireFile(FILE));
  ({ browser } = session);
  await browser.page.evaluate(([a, b]) => window.__nsysAutomation!.view(a, b), [20_000_000_000, 27_000_000_000] as const);
  await waitIdle(browser.page);
}, 180_000);

afterAll(() => session?.close());

describe('GPU memory counter row (llm_eager_pageable)', () => {
  it('is the first row of its GPU and shows the level over time', async () => {
    const rows = (await browser.page.evaluate(() => window.__nsysAutomation!.state())).rows.map((r) => `${r.key}|${r.label}`);
    expect(rows.slice(0, 2)).toEqual(['gpu:0|GPU 0 · NVIDIA H100 80GB HBM3', `lane:${TRACK}|Memory in use`]);
    const y = (await browser.page.evaluate((id) => window.__nsysAutomation!.trackY(id), TRACK))!;
    const xAt = (t: number) => browser.page.evaluate((tt) => window.__nsysAutomation!.timeToX(tt), t);
    const color = rgb(LANE_DEFAULT['gpu-memory']);
    expect(near(await pixelAt(browser.page, await xAt(24_000_000_000), y), color, 12)).toBe(true);
    expect(near(await pixelAt(browser.page, await xAt(20_200_000_000), y), color, 12)).toBe(false);
    expect(browser.errors).toEqual([]);
  });
});
