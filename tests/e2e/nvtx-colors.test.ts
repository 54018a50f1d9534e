// NVTX colours and nesting on the timeline, from a real nsys 2022.4 report whose ranges set ARGB
// colours (tests/fixtures/nsys-2022.4/nvtx-colors.c): each range is drawn in its own colour, the
// nested "inner" ranges one row below, and the uncoloured range in the hashed pastel instead.
import { resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TraceModel } from '../../src/core/model/types';
import { NVTX_DEPTH_PX } from '../../src/renderer/timeline/layout';
import { near, pixelAt, rgb, serveTraceInBrowser, waitIdle, type ViewerSession } from './browser';

let session: ViewerSession;
let model: TraceModel;
beforeAll(async () => {
  session = await serveTraceInBrowser(resolve(__dirname, '../fixtures/nsys-2022.4/nvtx_colors.sqlite'));
  model = session.model;
}, 180_000);
afterAll(() => session?.close());

it('draws each range in the colour the program gave it, nested ranges one row down', async () => {
  const page = session.browser.page;
  const track = model.tracks.find((t) => t.lane === 'nvtx')!;
  expect(track.depthCount).toBe(2);
  await page.evaluate(([a, b]) => window.__nsysAutomation!.view(a, b), [model.meta.firstEventNs, model.meta.lastEventNs] as const);
  await waitIdle(page);
  // trackY: the middle of the lane's depth-0 row; each depth is NVTX_DEPTH_PX lower.
  const depth0 = (await page.evaluate((id) => window.__nsysAutomation!.trackY(id), track.id))!;
  const seen: string[] = [];
  for (let i = 0; i < model.nvtx.count; i++) {
    const name = model.strings[model.nvtx.nameId[i]];
    const depth = model.nvtx.depth[i];
    expect(depth, name).toBe(name === 'inner' ? 1 : 0);
    // Sample a quarter of the way in: outside the nested range, which covers the middle half.
    const x = await page.evaluate(
      (t) => window.__nsysAutomation!.timeToX(t),
      model.nvtx.startNs[i] + 0.15 * (model.nvtx.endNs[i] - model.nvtx.startNs[i]),
    );
    const y = depth0 + depth * NVTX_DEPTH_PX;
    const px = await pixelAt(page, x, y);
    const argb = model.nvtx.color[i];
    if (argb >= 0) expect(near(px, rgb(argb % 0x1000000), 6), `${name} at ${x},${y}: ${px}`).toBe(true);
    else
      expect(
        ['FFE53935', 'FF43A047', 'FF1E88E5', 'FFFDD835'].some((c) => near(px, rgb(parseInt(c, 16) % 0x1000000), 30)),
        name,
      ).toBe(false);
    seen.push(`${name}@${depth}`);
  }
  expect(seen).toEqual(['phase 0@0', 'inner@1', 'phase 1@0', 'inner@1', 'phase 2@0', 'inner@1', 'uncoloured@0']);
  expect(session.browser.errors).toEqual([]);
});
