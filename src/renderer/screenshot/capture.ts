import type { LaneKind, Ns, TraceInfo } from '../../shared/bridge';
import { THEME } from '../timeline/colors';
import type { TimelineController } from '../timeline/controller';
import { LANE_LABEL } from '../timeline/layout';
import { RULER_HEIGHT_PX } from '../timeline/viewport';

/**
 * A PNG of the timeline to paste into a chat or an issue: the ruler and the chosen lanes (by
 * default every kernel and memcpy lane) cut from the WebGL canvas as drawn, a label column naming
 * each lane, and a caption strip with the trace name, the window in ms and the GPU. The lanes are
 * copied from the frame on screen (the canvas keeps its drawing buffer), so the image is exactly
 * what the viewer shows; lanes scrolled out of view are reported in `missing`, not drawn.
 */

/** Lane names accepted by the CLI's --rows and the capture options. */
export const ROW_KINDS: Record<string, LaneKind> = {
  kernels: 'kernel',
  kernel: 'kernel',
  memcpy: 'memcpy',
  memset: 'memset',
  api: 'cuda-api',
  'cuda-api': 'cuda-api',
  nvtx: 'nvtx',
  osrt: 'osrt',
  samples: 'sample',
  sched: 'sched',
  memory: 'gpu-memory',
};
export const DEFAULT_ROWS = ['kernels', 'memcpy'];

export const LABEL_COLUMN_PX = 170;
export const CAPTION_PX = 26;
export const CAPTION_BG = 0x2d333d;
// The timeline's row titles; beside a GPU name in a screenshot caption the memory row reads "GPU memory".
const LANE_TITLE: Record<LaneKind, string> = { ...LANE_LABEL, 'gpu-memory': 'GPU memory' };

export interface ScreenshotOptions {
  /** Lane kinds by CLI name (kernels, memcpy, memset, api, nvtx, osrt); default kernels + memcpy. */
  rows?: string[];
}

export interface PlacedRow {
  trackId: string;
  label: string;
  /** Rows of the image this lane occupies: [y, y + h). */
  y: number;
  h: number;
}

export interface Screenshot {
  canvas: HTMLCanvasElement;
  width: number;
  height: number;
  caption: string;
  /** Image x of the timeline's left edge and its width: x = timelineX + (t - t0) / (t1 - t0) * timelineWidth. */
  timelineX: number;
  timelineWidth: number;
  view: { t0: Ns; t1: Ns };
  rows: PlacedRow[];
  /** Wanted lanes that were not on screen (scrolled away or inside a collapsed group). */
  missing: string[];
  /** Canvas height (CSS px) that would show every wanted lane at the current scroll. */
  neededCanvasHeightPx: number;
}

const css = (c: number) => `#${c.toString(16).padStart(6, '0')}`;

/** "12.345" ms since session start, from ns (the clock of the ruler and of export-csv). */
export function msText(ns: Ns, sessionStartNs: Ns): string {
  return ((ns - sessionStartNs) / 1e6).toFixed(3);
}

export function captionText(info: TraceInfo, t0: Ns, t1: Ns, deviceIds: number[]): string {
  const gpus = info.gpus.filter((g) => deviceIds.length === 0 || deviceIds.includes(g.deviceId));
  const gpuText = [...new Set(gpus.map((g) => g.name))].join(', ') || 'no GPU';
  return `${info.name}  ·  ${msText(t0, info.sessionStartNs)}–${msText(t1, info.sessionStartNs)} ms  ·  ${gpuText}`;
}

export function parseRows(rows: string[] | undefined): LaneKind[] {
  const names = rows && rows.length ? rows : DEFAULT_ROWS;
  return names.map((n) => {
    const k = ROW_KINDS[n.trim().toLowerCase()];
    if (!k)
      throw new Error(
        `Unknown row kind "${n}": use ${Object.keys(ROW_KINDS)
          .filter((x) => !['kernel', 'cuda-api'].includes(x))
          .join(', ')}.`,
      );
    return k;
  });
}

function laneLabel(info: TraceInfo, trackId: string): string {
  const t = info.tracks.find((x) => x.id === trackId);
  if (!t) return trackId;
  const multiPid = new Set(info.tracks.filter((x) => x.deviceId !== undefined && x.pid !== undefined).map((x) => x.pid)).size > 1;
  if (t.lane === 'gpu-memory') return `GPU ${t.deviceId} · ${LANE_TITLE[t.lane]}`;
  if (t.lane === 'nvtx-gpu') return `GPU ${t.deviceId}${multiPid ? ` (pid ${t.pid})` : ''} · ${LANE_TITLE[t.lane]}`;
  if (t.deviceId !== undefined && t.streamId !== undefined) {
    return `GPU ${t.deviceId} · S${t.streamId}${multiPid ? ` (pid ${t.pid})` : ''} · ${LANE_TITLE[t.lane]}`;
  }
  const thread = info.threads.find((x) => x.pid === t.pid && x.tid === t.tid);
  return `${thread?.name || 'Thread'} (${t.tid}) · ${LANE_TITLE[t.lane]}`;
}

/** Wait until the slices of the current view are in and drawn (two frames after the last fetch). */
export async function settle(c: TimelineController, timeoutMs = 15_000): Promise<void> {
  const frame = () => new Promise<void>((r) => requestAnimationFrame(() => r()));
  const end = performance.now() + timeoutMs;
  c.markDirty();
  for (;;) {
    await frame();
    await frame();
    if (!c.cache.busyFetching && c.stats.framesDrawn > 0) {
      const drawn = c.stats.framesDrawn;
      await frame();
      await frame();
      // A frame after the data, and none pending: nothing new was asked for while it drew.
      if (c.settled && c.stats.framesDrawn >= drawn) return;
    }
    if (performance.now() > end) throw new Error('The timeline did not finish loading its slices in time.');
  }
}

/** Compose the PNG canvas from the frame on screen. Call settle() first for a finished frame. */
export function composeScreenshot(c: TimelineController, opts: ScreenshotOptions = {}): Screenshot {
  const kinds = parseRows(opts.rows);
  const src = c.scene.canvas;
  const vp = c.viewport;
  const cssW = vp.widthPx;
  const cssH = vp.heightPx;
  const scale = src.width / Math.max(1, cssW);
  const all = c.rows.filter((r) => r.node.kind === 'lane' && r.node.lane && kinds.includes(r.node.lane));
  const placed: { trackId: string; label: string; srcY: number; h: number }[] = [];
  const missing: string[] = [];
  let needed = RULER_HEIGHT_PX;
  for (const r of all) {
    const y = vp.contentToCanvasY(r.y);
    needed = Math.max(needed, y + r.h);
    if (y < RULER_HEIGHT_PX || y + r.h > cssH) missing.push(r.node.trackIds[0]);
    else placed.push({ trackId: r.node.trackIds[0], label: laneLabel(c.info, r.node.trackIds[0]), srcY: y, h: r.h });
  }
  // Lanes of wanted kinds hidden inside collapsed groups are missing too.
  // Graph executions are drawn on kernel rows, so they go with the kernels.
  const shown = new Set(all.flatMap((r) => r.node.trackIds));
  for (const t of c.info.tracks) if (kinds.includes(t.lane === 'graph' ? 'kernel' : t.lane) && !shown.has(t.id)) missing.push(t.id);

  const width = LABEL_COLUMN_PX + cssW;
  const height = RULER_HEIGHT_PX + placed.reduce((n, p) => n + p.h, 0) + CAPTION_PX;
  const out = document.createElement('canvas');
  out.width = width;
  out.height = height;
  const g = out.getContext('2d')!;
  g.imageSmoothingEnabled = false;
  g.fillStyle = css(THEME.background);
  g.fillRect(0, 0, width, height);
  // Ruler (with its tick labels) across the top, label column blank beside it.
  g.fillStyle = css(THEME.rulerBg);
  g.fillRect(0, 0, LABEL_COLUMN_PX, RULER_HEIGHT_PX);
  g.drawImage(src, 0, 0, cssW * scale, RULER_HEIGHT_PX * scale, LABEL_COLUMN_PX, 0, cssW, RULER_HEIGHT_PX);
  const rows: PlacedRow[] = [];
  let y = RULER_HEIGHT_PX;
  g.font = '11px system-ui, sans-serif';
  g.textBaseline = 'middle';
  for (const p of placed) {
    g.drawImage(src, 0, p.srcY * scale, cssW * scale, p.h * scale, LABEL_COLUMN_PX, y, cssW, p.h);
    g.fillStyle = css(THEME.groupRow);
    g.fillRect(0, y, LABEL_COLUMN_PX, p.h);
    g.fillStyle = css(THEME.grid);
    g.fillRect(0, y + p.h - 1, LABEL_COLUMN_PX, 1);
    g.fillStyle = css(THEME.rulerText);
    g.fillText(fit(g, p.label, LABEL_COLUMN_PX - 10), 6, y + p.h / 2);
    rows.push({ trackId: p.trackId, label: p.label, y, h: p.h });
    y += p.h;
  }
  const deviceIds = [
    ...new Set(placed.map((p) => c.info.tracks.find((t) => t.id === p.trackId)?.deviceId).filter((d): d is number => d !== undefined)),
  ];
  const caption = captionText(c.info, vp.t0, vp.t1, deviceIds);
  g.fillStyle = css(CAPTION_BG);
  g.fillRect(0, y, width, CAPTION_PX);
  g.fillStyle = '#ffffff';
  g.font = '13px system-ui, sans-serif';
  g.fillText(fit(g, caption, width - 16), 8, y + CAPTION_PX / 2);
  return {
    canvas: out,
    width,
    height,
    caption,
    timelineX: LABEL_COLUMN_PX,
    timelineWidth: cssW,
    view: { t0: vp.t0, t1: vp.t1 },
    rows,
    missing,
    neededCanvasHeightPx: needed,
  };
}

/**
 * The longest prefix of `text` that fits `maxPx` with an ellipsis. A binary search over the prefix
 * length: measuring one character shorter each time was quadratic and a 30,000-character GPU name
 * held the screenshot for over 150 s. Widths only grow with length, so the search is exact.
 */
export function fit(g: Pick<CanvasRenderingContext2D, 'measureText'>, text: string, maxPx: number): string {
  if (g.measureText(text).width <= maxPx) return text;
  let lo = 1; // fits (or is the least we show)
  let hi = text.length; // does not fit
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (g.measureText(`${text.slice(0, mid)}…`).width <= maxPx) lo = mid;
    else hi = mid;
  }
  return `${text.slice(0, lo)}…`;
}

export function toPngBlob(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((ok, fail) =>
    canvas.toBlob((b) => (b ? ok(b) : fail(new Error('The browser could not encode the PNG.'))), 'image/png'),
  );
}

/** "streams.sqlite_8140.000-8460.000ms.png" */
export function pngFileName(info: TraceInfo, t0: Ns, t1: Ns): string {
  // A name the desktop's save guard (isSaveFileName) takes whatever the trace is called: no leading
  // "." or "-", no "..", bounded length ("-x.sqlite", ".hidden.sqlite" and "a..b.sqlite" were refused).
  const stem =
    info.name
      .replace(/\.(sqlite|nsys-rep|qdrep)$/i, '')
      .replace(/[^\w.-]+/g, '_')
      .replace(/\.{2,}/g, '_')
      .replace(/^[.-]+/, '_')
      .slice(0, 80) || 'trace';
  return `${stem}_${msText(t0, info.sessionStartNs)}-${msText(t1, info.sessionStartNs)}ms.png`;
}

/** Offer a Blob as a download (browser); the Electron app gets the same through its download handler. */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Give the download a moment to start reading the Blob before releasing it.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Copy the PNG to the clipboard where the browser allows it (secure context, permission). */
export async function copyPng(blob: Blob): Promise<void> {
  const clip = navigator.clipboard as Clipboard | undefined;
  if (!clip || typeof clip.write !== 'function' || typeof ClipboardItem === 'undefined') {
    throw new Error('This browser does not let pages copy images: use Save PNG.');
  }
  await clip.write([new ClipboardItem({ 'image/png': blob })]);
}

/** What the automation API (`nsys-viewer screenshot`, tests) gets: the PNG as base64 plus where things are in it. */
export interface ScreenshotResult extends Omit<Screenshot, 'canvas'> {
  pngBase64: string;
}

export async function captureForAutomation(c: TimelineController, opts: ScreenshotOptions = {}): Promise<ScreenshotResult> {
  await settle(c);
  const shot = composeScreenshot(c, opts);
  const blob = await toPngBlob(shot.canvas);
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  const { canvas: _canvas, ...rest } = shot;
  void _canvas;
  return { ...rest, pngBase64: btoa(bin) };
}
