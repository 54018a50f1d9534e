import type { LaneKind, Ns, TraceInfo } from '../../shared/bridge';
import { KERNEL_CATEGORIES } from '../../core/util/kernel-category';
import { THEME, type LegendKey } from '../timeline/colors';
import type { TimelineController } from '../timeline/controller';
import { LANE_LABEL, type LaidRow, type RowNode } from '../timeline/layout';
import { RULER_HEIGHT_PX } from '../timeline/viewport';

/**
 * A PNG of the timeline to paste into a chat or an issue: the ruler, the chosen rows in the order
 * the timeline draws them, a label column naming each row in full, a legend of the colours drawn
 * and a caption strip with the trace name, the window in ms and the GPU. Rows are copied from the
 * WebGL canvas as drawn, so the image is exactly what the viewer shows; rows below the fold are
 * scrolled into view one screenful at a time and stitched, then the scroll is put back.
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
/** The CLI's rows when --rows is not given. */
export const DEFAULT_ROWS = ['kernels', 'memcpy'];

/** The label column is as wide as the longest label, within these bounds; longer labels wrap. */
export const LABEL_COLUMN_PX = 170;
export const LABEL_COLUMN_MAX_PX = 440;
const LABEL_PAD_PX = 6;
const LABEL_FONT = '11px system-ui, sans-serif';
/** Two lines of a wrapped label fit an 18 px lane at this size. */
const LABEL_FONT_WRAPPED_PX = 8;
export const CAPTION_PX = 26;
export const CAPTION_BG = 0x2d333d;
export const LEGEND_LINE_PX = 18;
export const LEGEND_SWATCH_PX = 12;
const LEGEND_PAD_PX = 6;
const LEGEND_FONT = '11px system-ui, sans-serif';
/** NVTX ranges are coloured per name: past this many names the legend says how many more. */
const LEGEND_MAX_NVTX = 12;
// Beside a GPU name in a screenshot label the memory row reads "GPU memory".
const LANE_TITLE: Record<LaneKind, string> = { ...LANE_LABEL, 'gpu-memory': 'GPU memory' };

export interface ScreenshotOptions {
  /**
   * Which rows: lane kinds by CLI name (kernels, memcpy, memset, api, nvtx, osrt, samples, sched,
   * memory), `all`, or patterns over row names (`*`/`?` wildcards, else a substring; any case)
   * such as "MainThread" or "GPU 0 · S7*"; collapsed groups holding such rows are opened for the
   * picture. Absent or empty: every row the timeline shows, as it shows it.
   */
  rows?: string[];
  /** The window to draw (ns); absent: the view on screen. */
  window?: { t0: Ns; t1: Ns };
}

export interface PlacedRow {
  trackId: string;
  /** Every track the row draws (a kernel row also draws its stream's graph executions; a collapsed group all below it). */
  trackIds: string[];
  key: string;
  label: string;
  /** The label as drawn: one line, or two when it is wider than the widest label column. */
  lines: string[];
  /** The drawn lines lost characters (only labels longer than two lines of the widest column). */
  truncated: boolean;
  /** Rows of the image this lane occupies: [y, y + h). */
  y: number;
  h: number;
}

export interface LegendEntry {
  label: string;
  /** 0xRRGGBB of the swatch; null for the "N more NVTX names" line, which has none. */
  color: number | null;
  /** Image position of the swatch (of the text when there is no swatch). */
  x: number;
  y: number;
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
  /** The colours drawn in the rows, each once, with what they stand for. */
  legend: LegendEntry[];
  /** Image y of the legend strip and its height (0 when nothing is drawn). */
  legendY: number;
  legendH: number;
  /** Tracks of the wanted kinds that no row of the timeline shows (hidden rows). */
  missing: string[];
  /** --rows patterns that matched no row. */
  unmatched: string[];
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

/** A row choice: lane kinds, every row, or name patterns. */
export interface RowChoice {
  kinds: LaneKind[];
  all: boolean;
  patterns: { text: string; re: RegExp }[];
}

/** Reads --rows: kind names become kinds, `all` every row, anything else a name pattern. */
export function parseRows(rows: string[] | undefined): RowChoice {
  const names = (rows ?? []).map((n) => n.trim()).filter(Boolean);
  const choice: RowChoice = { kinds: [], all: names.length === 0, patterns: [] };
  for (const n of names) {
    const k = ROW_KINDS[n.toLowerCase()];
    if (k) choice.kinds.push(k);
    else if (n.toLowerCase() === 'all') choice.all = true;
    else choice.patterns.push({ text: n, re: rowPattern(n) });
  }
  return choice;
}

/** "GPU 0 · S7*" → anchored glob; "MainThread" → substring; case-insensitive either way. */
export function rowPattern(p: string): RegExp {
  const esc = (x: string) => x.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  if (!/[*?]/.test(p)) return new RegExp(esc(p), 'i');
  return new RegExp(
    `^${p
      .split('')
      .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : esc(ch)))
      .join('')}$`,
    'i',
  );
}

/** A lane's name in a screenshot: where it runs and what it holds ("GPU 0 · S7 · Kernels", "MainThread (34) · CUDA API"). */
export function laneLabel(info: TraceInfo, trackId: string): string {
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

/**
 * Path of every row ("GPU 0 · NVIDIA H100 › Stream 7 › Kernels"), lanes inside collapsed groups
 * included: for labels of collapsed groups and for --rows patterns. Read from the drawn rows (their
 * indents), so it follows however the timeline arranges them.
 */
function rowPaths(rows: LaidRow[]): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (n: RowNode, parent: string) => {
    const path = parent ? `${parent} › ${n.label}` : n.label;
    out.set(n.key, path);
    for (const ch of n.children) walk(ch, path);
  };
  const above: string[] = [];
  for (const r of rows) {
    const parent = r.indent > 0 ? (above[r.indent - 1] ?? '') : '';
    const path = parent ? `${parent} › ${r.node.label}` : r.node.label;
    above[r.indent] = path;
    out.set(r.node.key, path);
    if (r.collapsed) for (const ch of r.node.children) walk(ch, path);
  }
  return out;
}

/** Does this row draw anything of its own? Lanes do, and collapsed groups (their busy summary); open groups are headings. */
const drawsSomething = (r: LaidRow) => r.node.kind === 'lane' || r.collapsed;

function rowLabel(c: TimelineController, r: LaidRow, paths: Map<string, string>): string {
  return r.node.kind === 'lane' ? laneLabel(c.info, r.node.trackIds[0]) : (paths.get(r.node.key) ?? r.node.label);
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
      // A frame after the data, and none pending: nothing new was asked for while it drew. Names
      // still on their way would repaint slices from their lane's colour to their category's.
      if (c.settled && c.names.idle && c.stats.framesDrawn >= drawn) return;
    }
    if (performance.now() > end) throw new Error('The timeline did not finish loading its slices in time.');
  }
}

/**
 * Chooses the rows: the timeline's row list in its drawn order (rows the timeline hides are not
 * in it), filtered by kind or name. Asking for rows by kind or name opens the collapsed groups
 * that hold them (the caller restores them); the plain capture keeps collapsed groups as drawn.
 */
function chooseRows(c: TimelineController, choice: RowChoice, explicit: boolean) {
  const paths = rowPaths(c.rows);
  const nodeWanted = (n: RowNode): boolean => {
    if (choice.all) return true;
    if (n.kind !== 'lane' || !n.lane) return false;
    if (choice.kinds.includes(n.lane)) return true;
    const names = [laneLabel(c.info, n.trackIds[0]), `${paths.get(n.key) ?? ''}`];
    return choice.patterns.some((p) => names.some((x) => p.re.test(x)));
  };
  const holdsWanted = (n: RowNode): boolean => (n.kind === 'lane' ? nodeWanted(n) : n.children.some(holdsWanted));
  const opened: string[] = [];
  if (explicit) {
    // Open the collapsed rows holding wanted lanes (every one for `all`), outermost first, until none is left closed.
    for (let depth = 0; depth < 32; depth++) {
      const closed = c.rows.filter((r) => r.collapsed && holdsWanted(r.node)).map((r) => r.node.key);
      if (closed.length === 0) break;
      for (const k of closed) c.toggleRow(k);
      opened.push(...closed);
    }
  }
  const rows = c.rows.filter((r) => drawsSomething(r) && (choice.all || nodeWanted(r.node)));
  const unmatched = choice.patterns
    .filter(
      (p) => !c.rows.some((r) => r.node.kind === 'lane' && [rowLabel(c, r, paths), paths.get(r.node.key) ?? ''].some((x) => p.re.test(x))),
    )
    .map((p) => p.text);
  const shown = new Set(rows.flatMap((r) => r.node.trackIds));
  // Graph executions are drawn on kernel rows, so they go with the kernels.
  const missing = choice.all
    ? []
    : c.info.tracks.filter((t) => choice.kinds.includes(t.lane === 'graph' ? 'kernel' : t.lane) && !shown.has(t.id)).map((t) => t.id);
  return { rows, labels: rows.map((r) => rowLabel(c, r, paths)), opened, unmatched, missing };
}

/**
 * The colours drawn in the chosen rows over [t0, t1], as the scene colours them (scene-builder.ts):
 * a slice's own NVTX colour, else its category's or its lane's; collapsed groups' busy summary.
 */
export function legendOf(c: TimelineController, rows: LaidRow[], t0: Ns, t1: Ns): LegendKey[] {
  const laneOf = new Map(c.info.tracks.map((t) => [t.id, t.lane]));
  const keys = new Map<string, LegendKey>();
  for (const r of rows) {
    if (r.node.kind === 'group') {
      const b = c.cache.busy.get(r.node.key);
      if (!b) continue;
      const px = (b.w.t1 - b.w.t0) / b.w.widthPx;
      let drawn = false;
      for (let k = 0; k < b.values.length && !drawn; k++) drawn = b.values[k] >= 0.01 && b.w.t0 + (k + 1) * px > t0 && b.w.t0 + k * px < t1;
      if (!drawn) continue;
      const gpu = r.node.side === 'gpu';
      const key = gpu ? 'summary:gpu' : 'summary:cpu';
      keys.set(key, {
        key,
        label: gpu ? 'GPU busy (collapsed rows)' : 'CPU busy (collapsed rows)',
        color: gpu ? THEME.summaryGpu : THEME.summaryCpu,
      });
      continue;
    }
    for (const id of r.node.trackIds) {
      const s = c.cache.slices.get(id);
      const lane = laneOf.get(id) ?? r.node.lane;
      if (!s || !lane) continue;
      for (let k = 0; k < s.count; k++) {
        // On screen: overlaps the window (a zero-length event at its start still gets its 1 px).
        if (!(s.startNs[k] < t1 && (s.endNs[k] > t0 || s.startNs[k] >= t0))) continue;
        const e = c.names.legendKey(lane, s.nameId[k], s.colorArgb ? s.colorArgb[k] : -1);
        if (!keys.has(e.key)) keys.set(e.key, e);
      }
    }
  }
  const rank = (k: string) => {
    const order = [
      ...KERNEL_CATEGORIES.map((x) => `cat:${x}`),
      'lane:graph',
      'cat:memcpy-htod',
      'cat:memcpy-dtoh',
      'cat:memcpy-dtod',
      'cat:memcpy-other',
      'lane:memset',
      'lane:gpu-memory',
      'lane:cuda-api',
      'lane:osrt',
      'lane:sched',
      'lane:sample',
      'summary:gpu',
      'summary:cpu',
    ];
    const i = order.indexOf(k);
    return i >= 0 ? i : k.startsWith('nvtx:') || k.startsWith('lane:nvtx') ? order.length - 0.5 : order.length;
  };
  return [...keys.values()].sort((a, b) => rank(a.key) - rank(b.key) || a.label.localeCompare(b.label));
}

/** Splits a label that is wider than `maxPx` onto two lines at a space; `truncated` when even two do not hold it. */
export function wrapLabel(
  g: Pick<CanvasRenderingContext2D, 'measureText'>,
  text: string,
  maxPx: number,
): { lines: string[]; truncated: boolean } {
  if (g.measureText(text).width <= maxPx) return { lines: [text], truncated: false };
  const words = text.split(' ');
  // The longest first line that fits, breaking at a space (binary search: widths grow with length).
  let lo = 0;
  let hi = words.length;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (g.measureText(words.slice(0, mid).join(' ')).width <= maxPx) lo = mid;
    else hi = mid;
  }
  if (lo === 0) {
    // One word wider than the column: cut it where it fills the line.
    const first = fit(g, text, maxPx).slice(0, -1);
    const rest = text.slice(first.length);
    const second = fit(g, rest, maxPx);
    return { lines: [first, second], truncated: second !== rest };
  }
  const first = words.slice(0, lo).join(' ');
  const rest = words.slice(lo).join(' ');
  const second = fit(g, rest, maxPx);
  return { lines: [first, second], truncated: second !== rest };
}

/**
 * Takes the screenshot: shows the window asked for, chooses the rows, scrolls each into view,
 * copies it from the canvas once drawn, and composes label column, legend and caption. The scroll
 * and any group opened for it are put back; the window stays (the user sees what was taken).
 */
export async function captureScreenshot(c: TimelineController, opts: ScreenshotOptions = {}): Promise<Screenshot> {
  const vp = c.viewport;
  if (opts.window) {
    vp.showExactly(opts.window.t0, opts.window.t1);
    c.viewChanged();
  }
  const choice = parseRows(opts.rows);
  const chosen = chooseRows(c, choice, (opts.rows ?? []).length > 0);
  const savedScroll = vp.scrollY;
  try {
    await settle(c);
    return await compose(c, chosen.rows, chosen.labels, chosen.missing, chosen.unmatched);
  } finally {
    for (const k of chosen.opened.reverse()) c.toggleRow(k);
    vp.scrollTo(savedScroll);
    c.markDirty();
  }
}

async function compose(
  c: TimelineController,
  chosen: LaidRow[],
  labels: string[],
  missing: string[],
  unmatched: string[],
): Promise<Screenshot> {
  const src = c.scene.canvas;
  const vp = c.viewport;
  const { t0, t1 } = vp;
  const cssW = vp.widthPx;
  const scale = src.width / Math.max(1, cssW);
  const measure = document.createElement('canvas').getContext('2d')!;

  // Label column: as wide as the longest label, within bounds; what is still too wide wraps.
  measure.font = LABEL_FONT;
  const widest = labels.reduce((w, l) => Math.max(w, measure.measureText(l).width), 0);
  const labelW = Math.min(LABEL_COLUMN_MAX_PX, Math.max(LABEL_COLUMN_PX, Math.ceil(widest) + 2 * LABEL_PAD_PX + 2));
  const textW = labelW - 2 * LABEL_PAD_PX;
  const wrapped = labels.map((l) => {
    measure.font = LABEL_FONT;
    if (measure.measureText(l).width <= textW) return { lines: [l], truncated: false, small: false };
    measure.font = `${LABEL_FONT_WRAPPED_PX}px system-ui, sans-serif`;
    return { ...wrapLabel(measure, l, textW), small: true };
  });

  // Legend: every colour drawn, laid out in lines across the image.
  const width = labelW + cssW;
  const keys = legendOf(c, chosen, t0, t1);
  const nvtx = keys.filter((k) => k.key.startsWith('nvtx:'));
  const shownKeys = keys.filter((k) => !k.key.startsWith('nvtx:') || nvtx.indexOf(k) < LEGEND_MAX_NVTX);
  const more = nvtx.length - Math.min(nvtx.length, LEGEND_MAX_NVTX);
  measure.font = LEGEND_FONT;
  const items: { label: string; color: number | null; w: number }[] = shownKeys.map((k) => {
    const label = fit(measure, k.label, 320);
    return { label, color: k.color, w: LEGEND_SWATCH_PX + 4 + Math.ceil(measure.measureText(label).width) };
  });
  if (more > 0) {
    const label = `+${more} more NVTX names (a colour per name)`;
    items.push({ label, color: null, w: Math.ceil(measure.measureText(label).width) });
  }
  const placedItems: { label: string; color: number | null; x: number; line: number }[] = [];
  let lx = LEGEND_PAD_PX;
  let line = 0;
  for (const it of items) {
    if (lx > LEGEND_PAD_PX && lx + it.w > width - LEGEND_PAD_PX) {
      line++;
      lx = LEGEND_PAD_PX;
    }
    placedItems.push({ label: it.label, color: it.color, x: lx, line });
    lx += it.w + 16;
  }
  const legendH = items.length ? (line + 1) * LEGEND_LINE_PX + 2 * LEGEND_PAD_PX : 0;

  const rowsH = chosen.reduce((n, r) => n + r.h, 0);
  const height = RULER_HEIGHT_PX + rowsH + legendH + CAPTION_PX;
  const out = document.createElement('canvas');
  out.width = width;
  out.height = height;
  const g = out.getContext('2d')!;
  g.imageSmoothingEnabled = false;
  g.fillStyle = css(THEME.background);
  g.fillRect(0, 0, width, height);
  // Ruler (with its tick labels) across the top, label column blank beside it.
  g.fillStyle = css(THEME.rulerBg);
  g.fillRect(0, 0, labelW, RULER_HEIGHT_PX);
  g.drawImage(src, 0, 0, cssW * scale, RULER_HEIGHT_PX * scale, labelW, 0, cssW, RULER_HEIGHT_PX);

  // Rows: scroll each into view (a screenful at a time), let it draw, copy it.
  const visibleH = vp.heightPx - RULER_HEIGHT_PX;
  if (visibleH < 1) throw new Error('The timeline has no room to draw rows: make the window taller.');
  let y = RULER_HEIGHT_PX;
  const rows: PlacedRow[] = [];
  for (let i = 0; i < chosen.length; i++) {
    const r = chosen[i];
    let a = r.y;
    const b = r.y + r.h;
    let outY = y;
    while (a < b) {
      if (a < vp.scrollY || Math.min(b, a + visibleH) > vp.scrollY + visibleH) {
        vp.scrollTo(a);
        await settle(c);
      }
      const end = Math.min(b, vp.scrollY + visibleH);
      if (end <= a) throw new Error('The timeline could not scroll to a row.');
      g.drawImage(src, 0, vp.contentToCanvasY(a) * scale, cssW * scale, (end - a) * scale, labelW, outY, cssW, end - a);
      outY += end - a;
      a = end;
    }
    g.fillStyle = css(THEME.groupRow);
    g.fillRect(0, y, labelW, r.h);
    g.fillStyle = css(THEME.grid);
    g.fillRect(0, y + r.h - 1, labelW, 1);
    g.fillStyle = css(THEME.rulerText);
    const w = wrapped[i];
    g.textBaseline = 'middle';
    if (w.lines.length === 1) {
      g.font = LABEL_FONT;
      g.fillText(w.lines[0], LABEL_PAD_PX, y + r.h / 2);
    } else {
      g.font = `${LABEL_FONT_WRAPPED_PX}px system-ui, sans-serif`;
      g.fillText(w.lines[0], LABEL_PAD_PX, y + r.h / 2 - LABEL_FONT_WRAPPED_PX / 2);
      g.fillText(w.lines[1], LABEL_PAD_PX, y + r.h / 2 + LABEL_FONT_WRAPPED_PX / 2);
    }
    rows.push({
      trackId: r.node.trackIds[0],
      trackIds: [...r.node.trackIds],
      key: r.node.key,
      label: labels[i],
      lines: w.lines,
      truncated: w.truncated,
      y,
      h: r.h,
    });
    y += r.h;
  }

  // Legend strip.
  const legendY = y;
  const legend: LegendEntry[] = [];
  g.font = LEGEND_FONT;
  g.textBaseline = 'middle';
  for (const it of placedItems) {
    const ly = legendY + LEGEND_PAD_PX + it.line * LEGEND_LINE_PX;
    const sy = ly + (LEGEND_LINE_PX - LEGEND_SWATCH_PX) / 2;
    let tx = it.x;
    if (it.color !== null) {
      g.fillStyle = css(it.color);
      g.fillRect(it.x, sy, LEGEND_SWATCH_PX, LEGEND_SWATCH_PX);
      tx += LEGEND_SWATCH_PX + 4;
    }
    g.fillStyle = css(THEME.rulerText);
    g.fillText(it.label, tx, ly + LEGEND_LINE_PX / 2);
    legend.push({ label: it.label, color: it.color, x: it.x, y: it.color !== null ? sy : ly });
  }
  y += legendH;

  const deviceIds = [
    ...new Set(
      rows
        .flatMap((p) => p.trackIds.map((id) => c.info.tracks.find((t) => t.id === id)?.deviceId))
        .filter((d): d is number => d !== undefined),
    ),
  ];
  const caption = captionText(c.info, t0, t1, deviceIds);
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
    timelineX: labelW,
    timelineWidth: cssW,
    view: { t0, t1 },
    rows,
    legend,
    legendY,
    legendH,
    missing,
    unmatched,
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
  const shot = await captureScreenshot(c, opts);
  const blob = await toPngBlob(shot.canvas);
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  const { canvas: _canvas, ...rest } = shot;
  void _canvas;
  return { ...rest, pngBase64: btoa(bin) };
}
