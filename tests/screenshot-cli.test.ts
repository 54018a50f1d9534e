// `nsys-viewer screenshot` end to end: the real CLI entry (in-process), the serve host, headless
// Chromium, the real streams trace; the PNG is decoded and its pixels checked against the trace.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/nsys-viewer';
import { openTrace } from '../src/core/io/open-trace';
import type { TraceModel } from '../src/core/model/types';
import { CATEGORY_COLORS } from '../src/core/util/kernel-category';
import { CAPTION_BG, CAPTION_PX, LABEL_COLUMN_PX, LEGEND_LINE_PX } from '../src/renderer/screenshot/capture';
import { THEME } from '../src/renderer/timeline/colors';
import { LANE_ROW_PX } from '../src/renderer/timeline/layout';
import { RULER_HEIGHT_PX } from '../src/renderer/timeline/viewport';
import { ensureRendererBuilt, near, rgb } from './e2e/browser';
import { readPng, type Png } from './helpers/png';

const STREAMS = resolve(__dirname, 'fixtures/nsys-2025.3/streams.sqlite');
let dir: string;
let model: TraceModel;

/**
 * Where the timeline starts: the label column is as wide as the longest row name. Along the bottom
 * line of the first row (under its name), the column's fill ends where the timeline begins.
 */
function timelineX(png: Png): number {
  const y = RULER_HEIGHT_PX + LANE_ROW_PX - 3;
  let x = 0;
  while (x < png.width && near(png.rgb(x, y), rgb(THEME.groupRow), 1)) x++;
  return x;
}

/** The legend strip between the rows and the caption: whole lines of entries plus its padding. */
function legendLines(png: Png, rowsH: number): number {
  return (png.height - RULER_HEIGHT_PX - rowsH - CAPTION_PX - 12) / LEGEND_LINE_PX;
}

async function cli(args: string[], env: Record<string, string | undefined> = {}) {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const apply = (vars: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(vars)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(env);
  let out = '';
  let err = '';
  try {
    const code = await main(args, { out: (t) => (out += t), err: (t) => (err += t) });
    return { code, out, err };
  } finally {
    apply(saved);
  }
}

beforeAll(async () => {
  ensureRendererBuilt();
  dir = mkdtempSync(join(tmpdir(), 'nsys-viewer-shot-test-'));
  model = (await openTrace(STREAMS)).model;
}, 180_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('nsys-viewer screenshot', () => {
  // Step 1 of the streams trace: four HtoD copies on stream 13, one DtoH on stream 7, GEMMs on 17.
  const fromMs = 8458.78;
  const toMs = 8538.18;

  it('draws exactly the window asked for when --to is past the last event (no silent slide back)', async () => {
    // The streams trace's events end at 9639.354 ms; the view's pan limits are the events ± 1%
    // (~95 ms), so this window used to slide back to end near 9735 ms and be captioned so.
    expect(model.meta.lastEventNs / 1e6).toBeLessThan(9700);
    const out = join(dir, 'past-end.png');
    const r = await cli(['screenshot', STREAMS, '--from', '9630', '--to', '9900', '--out', out, '--width', '800']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('streams.sqlite  ·  9630.000–9900.000 ms  ·  NVIDIA H100 80GB HBM3');
  }, 120_000);

  it('writes the window as a PNG: width as asked, kernel + memcpy lanes, legend, caption, copies where the trace has them', async () => {
    const out = join(dir, 'step1.png');
    const r = await cli(['screenshot', STREAMS, '--from', String(fromMs), '--to', String(toMs), '--out', out, '--width', '1200']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('streams.sqlite  ·  8458.780–8538.180 ms  ·  NVIDIA H100 80GB HBM3');
    const png = readPng(readFileSync(out));
    const lanes = model.tracks.filter((t) => t.lane === 'kernel' || t.lane === 'memcpy');
    expect(png.width).toBe(1200);
    const left = timelineX(png);
    expect(left).toBeGreaterThanOrEqual(LABEL_COLUMN_PX);
    // One line of legend (GEMM, elementwise, HtoD, DtoH copies fit across 1200 px).
    expect(legendLines(png, lanes.length * LANE_ROW_PX)).toBe(1);
    expect(r.out).toContain(`1200×${png.height} px, ${lanes.length} lanes`);

    // Caption: text pixels on the caption background; the same strip of a blank render has none.
    let text = 0;
    for (let y = png.height - CAPTION_PX; y < png.height; y++)
      for (let x = 0; x < png.width; x++) if (!near(png.rgb(x, y), rgb(CAPTION_BG), 24)) text++;
    expect(text).toBeGreaterThan(300);

    // Lanes are drawn in row-tree order: find each memcpy lane's band by its index among the lanes.
    const order = lanes
      .map((t) => t.id)
      .sort((a, b) => {
        const pa = a.split('/');
        const pb = b.split('/');
        // gpu/dev/pid/stream/lane: stream ascending, kernels before memcpy (the row tree's order).
        return Number(pa[3]) - Number(pb[3]) || (pa[4] === 'kernel' ? -1 : 1) - (pb[4] === 'kernel' ? -1 : 1);
      });
    const bandY = (trackId: string) => RULER_HEIGHT_PX + order.indexOf(trackId) * LANE_ROW_PX;
    const xOf = (t: number) => left + ((t - fromMs * 1e6) / ((toMs - fromMs) * 1e6)) * (png.width - left);
    const m = model.memcpy;
    const htod = [...model.enums.memcpyOper.labels].find(([, l]) => l === 'Host-to-Device')![0];
    let copies = 0;
    for (let i = 0; i < m.count; i++) {
      if (m.copyKind[i] !== htod || m.endNs[i] < fromMs * 1e6 || m.startNs[i] > toMs * 1e6) continue;
      const y = bandY(`gpu/${m.deviceId[i]}/${m.pid[i]}/${m.streamId[i]}/memcpy`) + LANE_ROW_PX - 4;
      const x0 = xOf(m.startNs[i]);
      const x1 = xOf(m.endNs[i]);
      for (const f of [0.2, 0.5, 0.8]) expect(near(png.rgb(x0 + f * (x1 - x0), y), rgb(CATEGORY_COLORS['memcpy-htod']), 12)).toBe(true);
      copies++;
    }
    expect(copies).toBe(4);
    // Between the copies and after the last one: the lane's background, no copy colour.
    const s13 = bandY('gpu/0/34/13/memcpy') + LANE_ROW_PX / 2;
    let background = 0;
    for (let x = left + 3; x < png.width - 3; x += 11) {
      const t = fromMs * 1e6 + ((x - left) / (png.width - left)) * (toMs - fromMs) * 1e6;
      const slack = (4 * ((toMs - fromMs) * 1e6)) / (png.width - left);
      let busy = false;
      for (let i = 0; i < m.count && !busy; i++) busy = m.streamId[i] === 13 && m.endNs[i] > t - slack && m.startNs[i] < t + slack;
      if (busy) continue;
      const c = png.rgb(x, s13);
      expect(near(c, rgb(THEME.rowAlt), 3) || near(c, rgb(THEME.background), 3)).toBe(true);
      background++;
    }
    expect(background).toBeGreaterThan(40);
  }, 120_000);

  it('takes rows by name pattern, CPU threads included', async () => {
    // The thread issue 14's screenshot cut to "cuda000028000b (62) · O…": its lanes, by name.
    const lanes = model.tracks.filter((t) => t.tid === 62);
    expect(lanes.length).toBeGreaterThan(0);
    const out = join(dir, 'thread.png');
    const r = await cli([
      'screenshot',
      STREAMS,
      '--from',
      '8000',
      '--to',
      '9000',
      '--out',
      out,
      '--rows',
      'cuda0000280000b*',
      '--width',
      '1000',
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`1000×`);
    expect(r.out).toContain(`px, ${lanes.length} lanes`);
    const png = readPng(readFileSync(out));
    expect(png.width).toBe(1000);
  }, 120_000);

  it('refuses to overwrite an existing file unless --force', async () => {
    const out = join(dir, 'exists.png');
    writeFileSync(out, 'keep me');
    const r = await cli(['screenshot', STREAMS, '--from', '8458', '--to', '8460', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`nsys-viewer screenshot: File exists: ${out}. Pass --force to overwrite, or choose another --out.\n`);
    expect(readFileSync(out, 'utf8')).toBe('keep me');
    const forced = await cli(['screenshot', STREAMS, '--from', '8458', '--to', '8460', '--out', out, '--force', '--rows', 'memcpy']);
    expect(forced.code).toBe(0);
    const png = readPng(readFileSync(out));
    expect(png.width).toBe(1600);
    expect(legendLines(png, model.tracks.filter((t) => t.lane === 'memcpy').length * LANE_ROW_PX)).toBe(1);
  }, 120_000);

  it('says in one line what to install when Chromium is missing, and rejects bad options', async () => {
    const out = join(dir, 'none.png');
    const missing = await cli(['screenshot', STREAMS, '--from', '8458', '--to', '8460', '--out', out], {
      CHROMIUM_PATH: join(dir, 'no-chromium'),
    });
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(
      /^nsys-viewer screenshot: CHROMIUM_PATH=.*no-chromium does not exist: point it at a Chromium or Chrome executable\.\n$/,
    );
    expect(existsSync(out)).toBe(false);
    const rows = await cli(['screenshot', STREAMS, '--from', '1', '--to', '2', '--out', out, '--rows', ',']);
    expect(rows).toMatchObject({
      code: 2,
      err: expect.stringContaining(
        '--rows takes a comma list of row kinds (kernels, memcpy, memset, api, nvtx, osrt, samples, sched, memory), all, or row names',
      ),
    });
    const empty = await cli(['screenshot', STREAMS, '--from', '5', '--to', '5', '--out', out]);
    expect(empty).toMatchObject({ code: 2, err: expect.stringContaining('Empty window') });
    const outside = await cli(['screenshot', STREAMS, '--from', '1', '--to', '2', '--out', out]);
    expect(outside).toMatchObject({ code: 2, err: expect.stringContaining("holds no events: the trace's events span") });
    expect(existsSync(out)).toBe(false);
    expect(statSync(dir).isDirectory()).toBe(true);
  }, 60_000);
});
