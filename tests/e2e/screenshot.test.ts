// Timeline screenshots (src/renderer/screenshot) in headless Chromium on the real streams trace:
// the PNG's size, its caption strip, and HtoD copies painted in the memcpy lanes where the trace
// has them (x computed from the copies' times) with the lane background between them.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceModel } from '../../src/core/model/types';
import { CATEGORY_COLORS } from '../../src/core/util/kernel-category';
import { CAPTION_BG, CAPTION_PX, LABEL_COLUMN_PX } from '../../src/renderer/screenshot/capture';
import { THEME } from '../../src/renderer/timeline/colors';
import { RULER_HEIGHT_PX } from '../../src/renderer/timeline/viewport';
import type { RunningServer } from '../../src/server/server';
import { readPng, type Png } from '../helpers/png';
import { type Browser, type ViewerSession, near, rgb, serveTraceInBrowser, waitIdle } from './browser';

const STREAMS = resolve(__dirname, '../fixtures/nsys-2025.3/streams.sqlite');
let server: RunningServer;
let browser: Browser;
let model: TraceModel;
let htod: number;

let session: ViewerSession;
beforeAll(async () => {
  session = await serveTraceInBrowser(STREAMS, 1400, 900);
  ({ model, server, browser } = session);
  htod = [...model.enums.memcpyOper.labels].find(([, l]) => l === 'Host-to-Device')![0];
}, 180_000);

afterAll(() => session?.close());

async function shoot(t0: number, t1: number, rows?: string[]) {
  await browser.page.evaluate(([a, b]) => window.__nsysAutomation!.view(a, b), [t0, t1] as const);
  await waitIdle(browser.page);
  const r = await browser.page.evaluate((o) => window.__nsysAutomation!.screenshot(o), rows ? { rows } : {});
  return { ...r, png: readPng(Buffer.from(r.pngBase64, 'base64')) };
}

/** The window on screen (what Save/Copy PNG draw when no window is typed). */
async function view(): Promise<[number, number]> {
  const v = (await browser.page.evaluate(() => window.__nsysAutomation!.state())).view;
  return [v.t0, v.t1];
}

/** Pixels of a caption-sized strip that are not the strip's background: the caption's text. */
function textPixels(png: Png, y0: number, y1: number, bg: number): number {
  let n = 0;
  for (let y = y0; y < y1; y++) for (let x = 0; x < png.width; x++) if (!near(png.rgb(x, y), rgb(bg), 24)) n++;
  return n;
}

describe('timeline screenshot', () => {
  it('has the ruler, every kernel and memcpy lane and a caption strip, at the canvas width', async () => {
    const step1 = model.nvtx.startNs.findIndex((_, i) => model.strings[model.nvtx.nameId[i]] === 'step 1');
    const t0 = model.nvtx.startNs[step1];
    const t1 = model.nvtx.endNs[step1];
    const s = await shoot(t0, t1, ['kernels', 'memcpy']);
    const canvasW = (await browser.page.evaluate(() => window.__nsysAutomation!.canvasRect())).width;
    expect(s.timelineX).toBeGreaterThanOrEqual(LABEL_COLUMN_PX);
    expect(s.png.width).toBe(s.timelineX + canvasW);
    expect(s.width).toBe(s.png.width);
    const laneIds = s.rows.map((r) => r.trackId);
    const expected = model.tracks.filter((t) => t.lane === 'kernel' || t.lane === 'memcpy').map((t) => t.id);
    expect([...laneIds].sort()).toEqual([...expected].sort());
    expect(s.missing).toEqual([]);
    expect(s.png.height).toBe(RULER_HEIGHT_PX + s.rows.reduce((n, r) => n + r.h, 0) + s.legendH + CAPTION_PX);
    expect(s.caption).toBe(`streams.sqlite  ·  ${(t0 / 1e6).toFixed(3)}–${(t1 / 1e6).toFixed(3)} ms  ·  NVIDIA H100 80GB HBM3`);
    // The caption strip holds text: many pixels differ from its background; a blank strip of the
    // same background (the label column beside the ruler is rulerBg, a flat fill) has none.
    const captionY = s.png.height - CAPTION_PX;
    expect(near(s.png.rgb(s.png.width - 3, captionY + 2), rgb(CAPTION_BG), 2)).toBe(true);
    const text = textPixels(s.png, captionY, s.png.height, CAPTION_BG);
    expect(text).toBeGreaterThan(300);
    let blank = 0;
    for (let y = 0; y < RULER_HEIGHT_PX; y++)
      for (let x = 0; x < s.timelineX; x++) if (!near(s.png.rgb(x, y), rgb(THEME.rulerBg), 2)) blank++;
    expect(blank).toBe(0);
  });

  it('paints HtoD copies in the memcpy lanes where the trace has them, background elsewhere', async () => {
    const m = model.memcpy;
    const step1 = model.nvtx.startNs.findIndex((_, i) => model.strings[model.nvtx.nameId[i]] === 'step 1');
    const t0 = model.nvtx.startNs[step1];
    const t1 = model.nvtx.endNs[step1];
    const s = await shoot(t0, t1, ['memcpy']);
    expect(s.rows.every((r) => r.trackId.endsWith('/memcpy'))).toBe(true);
    const xOf = (t: number) => s.timelineX + ((t - s.view.t0) / (s.view.t1 - s.view.t0)) * s.timelineWidth;
    const rowOf = (i: number) => s.rows.find((r) => r.trackId === `gpu/${m.deviceId[i]}/${m.pid[i]}/${m.streamId[i]}/memcpy`)!;
    let checked = 0;
    for (let i = 0; i < m.count; i++) {
      if (m.copyKind[i] !== htod || m.endNs[i] < s.view.t0 || m.startNs[i] > s.view.t1) continue;
      const x0 = xOf(m.startNs[i]);
      const x1 = xOf(m.endNs[i]);
      if (x1 - x0 < 6) continue;
      // Below the slice's name label: the bottom lines of the bar.
      const row = rowOf(i);
      const y = row.y + row.h - 4;
      for (const f of [0.25, 0.5, 0.75]) expect(near(s.png.rgb(x0 + f * (x1 - x0), y), rgb(CATEGORY_COLORS['memcpy-htod']), 12)).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(3);
    // Columns of each memcpy lane with no copy of that stream within 4 px: lane background only.
    let background = 0;
    for (const row of s.rows) {
      const [, dev, pid, stream] = row.trackId.split('/').map(Number);
      for (let x = s.timelineX + 5; x < s.png.width - 5; x += 37) {
        let busy = false;
        for (let i = 0; i < m.count && !busy; i++) {
          if (m.deviceId[i] !== dev || m.pid[i] !== pid || m.streamId[i] !== stream) continue;
          busy = xOf(m.endNs[i]) > x - 4 && xOf(m.startNs[i]) < x + 4;
        }
        if (busy) continue;
        const c = s.png.rgb(x, row.y + row.h / 2);
        expect(near(c, rgb(THEME.rowAlt), 3) || near(c, rgb(THEME.background), 3)).toBe(true);
        background++;
      }
    }
    expect(background).toBeGreaterThan(20);
  });

  it('"Save PNG" in the Export tab downloads the same picture', async () => {
    const page = browser.page;
    await page.click('[data-tab="export"]');
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 20_000 }), page.click('[data-testid="save-png"]')]);
    expect(download.suggestedFilename()).toMatch(/^streams_\d+\.\d{3}-\d+\.\d{3}ms\.png$/);
    const png = readPng(readFileSync((await download.path())!));
    const same = await shoot(...(await view()));
    expect([png.width, png.height]).toEqual([same.png.width, same.png.height]);
    expect(textPixels(png, png.height - CAPTION_PX, png.height, CAPTION_BG)).toBeGreaterThan(300);
    await expect(page.getByTestId('export-message').textContent()).resolves.toBe(
      `${download.suggestedFilename()}: ${png.width}×${png.height}, ${same.rows.length} lanes.`,
    );
    expect(browser.errors).toEqual([]);
  });

  it('"Copy PNG" puts the picture on the clipboard', async () => {
    const page = browser.page;
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(server.url).origin });
    await page.click('[data-testid="copy-png"]');
    await page.getByTestId('export-message').filter({ hasText: 'to the clipboard' }).waitFor({ timeout: 20_000 });
    const b64 = await page.evaluate(async () => {
      const items = await navigator.clipboard.read();
      const blob = await items[0].getType('image/png');
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let bin = '';
      for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(bin);
    });
    const png = readPng(Buffer.from(b64, 'base64'));
    const same = await shoot(...(await view()));
    expect([png.width, png.height]).toEqual([same.png.width, same.png.height]);
    expect(textPixels(png, png.height - CAPTION_PX, png.height, CAPTION_BG)).toBeGreaterThan(300);
    await expect(page.getByTestId('export-message').textContent()).resolves.toBe(
      `Copied a ${png.width}×${png.height} PNG (${same.rows.length} lanes) to the clipboard.`,
    );
    expect(browser.errors).toEqual([]);
  });
});
