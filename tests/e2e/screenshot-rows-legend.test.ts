// Screenshots of the rows and window the user chose (issue 14), in headless Chromium on the real
// streams trace: every row of the timeline in its order (CPU threads too, stitched from below the
// fold), full row names, a legend of exactly the colours drawn, and the Export tab's typed window.
// Expected names, categories and positions come from the trace (model tables, sqlite strings).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LaneKind, TraceModel } from '../../src/core/model/types';
import { laneTable } from '../../src/core/query/lanes';
import { CATEGORY_COLORS, CATEGORY_LABELS, kernelCategory } from '../../src/core/util/kernel-category';
import { CAPTION_PX, LEGEND_SWATCH_PX, type ScreenshotResult } from '../../src/renderer/screenshot/capture';
import { LANE_DEFAULT, LANE_LEGEND, THEME } from '../../src/renderer/timeline/colors';
import { RULER_HEIGHT_PX } from '../../src/renderer/timeline/viewport';
import { readPng, type Png } from '../helpers/png';
import { type Browser, type ViewerSession, near, rgb, serveTraceInBrowser, waitIdle } from './browser';

const STREAMS = resolve(__dirname, '../fixtures/nsys-2025.3/streams.sqlite');
let browser: Browser;
let model: TraceModel;
let session: ViewerSession;

// Step 1's GEMMs on stream 17 and the elementwise kernels between them (sqlite3 on the file: GEMMs
// 8482.604–8485.262, 8485.353–8488.003 and from 8488.096 ms; elementwise kernels of 42–47 µs
// between them): 2.7 µs per pixel, so no kernel here is merged with another.
const W0 = 8_485_000_000;
const W1 = 8_488_200_000;

beforeAll(async () => {
  session = await serveTraceInBrowser(STREAMS, 1400, 900);
  ({ model, browser } = session);
}, 180_000);
afterAll(() => session?.close());

type Shot = ScreenshotResult & { png: Png };
async function shoot(opts: { rows?: string[]; window?: { t0: number; t1: number } } = {}): Promise<Shot> {
  await waitIdle(browser.page);
  const r = await browser.page.evaluate((o) => window.__nsysAutomation!.screenshot(o), opts);
  return { ...r, png: readPng(Buffer.from(r.pngBase64, 'base64')) };
}

/** Events of a track overlapping [t0, t1] (what the viewer draws there). */
function eventsIn(trackId: string, t0: number, t1: number): number[] {
  const t = model.tracks.find((x) => x.id === trackId)!;
  const { startNs, endNs } = laneTable(model, t.lane);
  return [...t.indices].filter((i) => startNs[i] < t1 && endNs[i] > t0);
}

describe('screenshot rows, labels and legend', () => {
  it('takes every row of the timeline in its order, CPU threads included, and draws rows below the fold', async () => {
    const plain = await shoot({ window: { t0: W0, t1: W1 } });
    const st = await browser.page.evaluate(() => window.__nsysAutomation!.state());
    // The timeline's own row list in its order: every lane it draws, and the rows that draw
    // something of their own (lanes; collapsed groups, as their summary), nothing else.
    const drawnKeys = st.rows.map((r) => r.key);
    const keys = plain.rows.map((r) => r.key);
    expect(keys).toEqual(drawnKeys.filter((k) => keys.includes(k)));
    for (const k of drawnKeys) if (k.startsWith('lane:')) expect(keys).toContain(k);
    expect(plain.rows.flatMap((r) => r.trackIds).sort()).toEqual(model.tracks.map((t) => t.id).sort());
    expect(plain.rows.some((r) => r.trackId.startsWith('cpu/'))).toBe(true);
    expect(plain.view).toEqual({ t0: W0, t1: W1 });

    // A short page: every row (GPU streams, then the threads) is far taller than the canvas.
    await browser.page.setViewportSize({ width: 1400, height: 420 });
    const s = await shoot({ rows: ['all'], window: { t0: W0, t1: W1 } });
    const canvasH = (await browser.page.evaluate(() => window.__nsysAutomation!.canvasRect())).height;
    await browser.page.setViewportSize({ width: 1400, height: 900 });
    expect(
      s.rows
        .map((r) => r.trackIds)
        .flat()
        .sort(),
    ).toEqual(model.tracks.map((t) => t.id).sort());
    expect(s.rows.every((r) => r.key.startsWith('lane:'))).toBe(true);
    expect(s.rows.reduce((n, r) => n + r.h, 0)).toBeGreaterThan(canvasH);
    expect(s.missing).toEqual([]);

    // An OS runtime call on a row far below the first screenful sits where the trace has it.
    const xOf = (t: number) => s.timelineX + ((t - s.view.t0) / (s.view.t1 - s.view.t0)) * s.timelineWidth;
    const osrtRows = s.rows.filter((r) => r.trackId.endsWith('/osrt') && r.y > canvasH);
    let checked = 0;
    for (const row of osrtRows) {
      for (const i of eventsIn(row.trackId, W0, W1)) {
        const x0 = Math.max(s.timelineX, xOf(model.osrt.startNs[i]));
        const x1 = Math.min(s.png.width, xOf(model.osrt.endNs[i]));
        if (x1 - x0 < 8) continue;
        // The bar's bottom lines, under its label.
        expect(near(s.png.rgb((x0 + x1) / 2, row.y + row.h - 4), rgb(LANE_DEFAULT.osrt), 12)).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('names every row in full: the label column widens to the longest name', async () => {
    const s = await shoot({ rows: ['all'], window: { t0: W0, t1: W1 } });
    // The thread that read "cuda0000280000b (62) · O…" in issue 14.
    const cut = s.rows.find((r) => r.label === 'cuda0000280000b (62) · OS runtime');
    expect(cut).toBeDefined();
    const widths = await browser.page.evaluate(
      (labels) => {
        const g = document.createElement('canvas').getContext('2d')!;
        g.font = '11px system-ui, sans-serif';
        return labels.map((l) => g.measureText(l).width);
      },
      s.rows.map((r) => r.label),
    );
    for (const [k, r] of s.rows.entries()) {
      expect(r.truncated).toBe(false);
      expect(r.lines).toEqual([r.label]);
      // The whole text fits left of the timeline (6 px padding on each side)...
      expect(6 + widths[k]).toBeLessThanOrEqual(s.timelineX - 6);
    }
    // ...and is drawn: the label's ink reaches as far right as its measured width.
    const ink = (row: (typeof s.rows)[number]) => {
      let right = -1;
      for (let y = row.y + 1; y < row.y + row.h - 1; y++)
        for (let x = 0; x < s.timelineX; x++) if (!near(s.png.rgb(x, y), rgb(THEME.groupRow), 40)) right = Math.max(right, x);
      return right;
    };
    const k = s.rows.indexOf(cut!);
    expect(Math.abs(ink(cut!) - (6 + widths[k]))).toBeLessThanOrEqual(3);
  });

  it('has a legend of exactly the colours drawn, named by category', async () => {
    const s = await shoot({ rows: ['all'], window: { t0: W0, t1: W1 } });
    // Expected from the data: the categories of the kernels in the window (nsys's short names),
    // one line per lane colour present (CUDA API, OS runtime), one per NVTX range name.
    const expected = new Set<string>();
    for (const row of s.rows) {
      for (const id of row.trackIds) {
        const lane = model.tracks.find((t) => t.id === id)!.lane as LaneKind;
        for (const i of eventsIn(id, W0, W1)) {
          if (lane === 'kernel') expected.add(CATEGORY_LABELS[kernelCategory(model.strings[model.kernels.shortNameId[i]])]);
          else if (lane === 'nvtx') expected.add(`NVTX ${model.strings[model.nvtx.nameId[i]]}`);
          else if (lane === 'nvtx-gpu') expected.add(`NVTX ${model.strings[model.nvtx.nameId[model.nvtxGpu.nvtxIndex[i]]]}`);
          else expected.add(LANE_LEGEND[lane]);
        }
      }
    }
    expect([...expected].sort()).toContain('GEMM / conv');
    expect([...expected].sort()).toContain('Activation / elementwise');
    expect(s.legend.map((e) => e.label).sort()).toEqual([...expected].sort());

    // In the picture: each swatch has its colour, and the colour is drawn in the rows.
    const rowsTop = RULER_HEIGHT_PX;
    const rowsBottom = s.legendY;
    const drawn = new Map<number, number>();
    for (let y = rowsTop; y < rowsBottom; y++)
      for (let x = s.timelineX; x < s.png.width; x++) {
        const [r, g, b] = s.png.rgb(x, y);
        const c = (r << 16) | (g << 8) | b;
        drawn.set(c, (drawn.get(c) ?? 0) + 1);
      }
    // Drawn: a slice's worth of pixels (a 1 px slice is 14 tall); a few pixels of a colour can be
    // the edge of white text blended over another slice.
    const drawnNear = (c: number) => [...drawn].reduce((n, [d, count]) => n + (near(rgb(d), rgb(c), 1) ? count : 0), 0) >= 14;
    for (const e of s.legend) {
      expect(e.color).not.toBeNull();
      expect(near(s.png.rgb(e.x + LEGEND_SWATCH_PX / 2, e.y + LEGEND_SWATCH_PX / 2), rgb(e.color!), 2)).toBe(true);
      expect([e.label, drawnNear(e.color!)]).toEqual([e.label, true]);
    }
    // And no category or lane colour drawn in the rows is missing from the legend.
    const palette = [...Object.values(CATEGORY_COLORS), ...Object.values(LANE_DEFAULT)];
    const legendColors = s.legend.map((e) => e.color!);
    for (const c of palette)
      if (drawnNear(c)) expect([c.toString(16), legendColors.some((l) => near(rgb(l), rgb(c), 2))]).toEqual([c.toString(16), true]);
    // The legend sits between the rows and the caption.
    expect(s.legendY).toBe(RULER_HEIGHT_PX + s.rows.reduce((n, r) => n + r.h, 0));
    expect(s.png.height).toBe(s.legendY + s.legendH + CAPTION_PX);
  });

  it('takes CPU rows when asked by kind or by name, opening collapsed groups for them', async () => {
    const cpu = await shoot({ rows: ['api', 'nvtx', 'osrt'], window: { t0: W0, t1: W1 } });
    expect(cpu.rows.map((r) => r.trackId).sort()).toEqual(
      model.tracks
        .filter((t) => t.lane === 'cuda-api' || t.lane === 'nvtx' || t.lane === 'osrt')
        .map((t) => t.id)
        .sort(),
    );
    // By name: the lanes of the thread named cuda0000280000b (tid 62), as the trace lists them.
    const lanes62 = model.tracks.filter((t) => t.tid === 62).map((t) => t.id);
    expect(lanes62.length).toBeGreaterThan(0);
    // Collapse its process group first: asking for the rows opens it for the picture, then closes it again.
    const procKey = (await browser.page.evaluate(() => window.__nsysAutomation!.state())).rows.find((r) =>
      r.key.startsWith(`proc:${model.tracks.find((t) => t.tid === 62)!.pid}`),
    )!.key;
    await browser.page.click(`[data-row="${procKey}"]`);
    const byName = await shoot({ rows: ['cuda0000280000b*'] });
    expect(byName.rows.map((r) => r.trackId).sort()).toEqual(lanes62.sort());
    expect(byName.unmatched).toEqual([]);
    const after = await browser.page.evaluate(() => window.__nsysAutomation!.state());
    expect(after.rows.some((r) => r.key === `lane:${lanes62[0]}`)).toBe(false);
    // The plain capture keeps the collapsed group as the timeline draws it: one summary row.
    const plain = await shoot();
    expect(plain.rows.filter((r) => r.key === procKey)).toHaveLength(1);
    await browser.page.click(`[data-row="${procKey}"]`);
    const none = await shoot({ rows: ['no-such-thread'] });
    expect(none.unmatched).toEqual(['no-such-thread']);
    expect(browser.errors).toEqual([]);
  });

  it('"Save PNG" draws the window typed in the Export tab, not the view on screen', async () => {
    const page = browser.page;
    await page.evaluate(() => window.__nsysAutomation!.view(9_000_000_000, 9_200_000_000));
    await waitIdle(page);
    await page.click('[data-tab="export"]');
    await page.fill('[data-testid="export-from"]', String(W0 / 1e6));
    await page.fill('[data-testid="export-to"]', String(W1 / 1e6));
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click('[data-testid="save-png"]')]);
    expect(download.suggestedFilename()).toBe('streams_8485.000-8488.200ms.png');
    const png = readPng(readFileSync((await download.path())!));
    // The same picture as the automation API's of that window; GEMMs where the trace has them.
    const s = await shoot({ window: { t0: W0, t1: W1 } });
    expect([png.width, png.height]).toEqual([s.png.width, s.png.height]);
    expect(Buffer.from(png.data).equals(Buffer.from(s.png.data))).toBe(true);
    const row = s.rows.find((r) => r.trackId.endsWith('/17/kernel'))!;
    const k = model.kernels;
    let gemms = 0;
    for (const i of eventsIn(row.trackId, W0, W1)) {
      if (kernelCategory(model.strings[k.shortNameId[i]]) !== 'gemm') continue;
      const x0 = Math.max(s.timelineX, s.timelineX + ((k.startNs[i] - W0) / (W1 - W0)) * s.timelineWidth);
      const x1 = Math.min(png.width, s.timelineX + ((k.endNs[i] - W0) / (W1 - W0)) * s.timelineWidth);
      // The bar's bottom line (its name is written across the rest), all the way along.
      let inBar = 0;
      for (let x = Math.ceil(x0) + 1; x < Math.floor(x1) - 1; x++)
        if (near(png.rgb(x, row.y + row.h - 3), rgb(CATEGORY_COLORS.gemm), 12)) inBar++;
      expect(inBar).toBe(Math.floor(x1) - 1 - (Math.ceil(x0) + 1));
      gemms++;
    }
    expect(gemms).toBe(3);
    expect(browser.errors).toEqual([]);
  });
});
