import type { LaneKind, LodSlices } from '../../shared/bridge';
import { formatDurationNs } from '../../core/util/format';
import { THEME, type NameBook } from './colors';
import { upperBound } from './hit-test';
import type { InstancedRects } from './instanced-rects';
import { NVTX_DEPTH_PX, type LaidRow } from './layout';
import { fitLabel, type TimelineScene } from './renderer';
import type { SliceCache } from './slice-cache';
import { RULER_HEIGHT_PX, type Viewport } from './viewport';

/** At most this many slice labels per frame: text is the costliest thing pixi draws on SwiftShader. */
const MAX_LABELS = 600;

/**
 * What each track is, beyond its row: a kernel row also draws CUDA graph executions (lane 'graph',
 * see layout.ts), and a counter track (GPU memory) has the level that fills its row.
 */
export interface TrackKinds {
  lane: ReadonlyMap<string, LaneKind>;
  counterMax: ReadonlyMap<string, number>;
}

/**
 * What search asks the scene to highlight: matching name ids, and whether non-matches dim. With
 * `byKernelName` the ids are kernel names as `nsys stats` groups them (demangled: SearchQuery.match
 * 'kernel-name'), matched against kernel slices' kernelNameId only, so two template instances that
 * share a short name are told apart.
 */
export interface SearchHighlight {
  nameIds: ReadonlySet<number>;
  active: boolean;
  byKernelName?: boolean;
}

/** Whether slice k of `s` is a search match (its representative's name: merged slices show one name). */
export function sliceMatchesSearch(search: SearchHighlight, s: LodSlices, k: number): boolean {
  if (!search.active) return false;
  if (search.byKernelName) return s.kernelNameId !== undefined && search.nameIds.has(s.kernelNameId[k]);
  return search.nameIds.has(s.nameId[k]);
}

/**
 * Instance data of every loaded slice (not only the visible ones: a pan then changes one uniform and
 * uploads nothing). x is ns relative to the cache window's origin, y is content px.
 */
export function buildSliceInstances(
  rects: InstancedRects,
  rows: LaidRow[],
  slices: ReadonlyMap<string, LodSlices>,
  origin: number,
  names: NameBook,
  search: SearchHighlight,
  kinds: TrackKinds,
): void {
  rects.begin();
  for (const row of rows) {
    if (row.node.kind !== 'lane' || !row.node.lane) continue;
    for (const id of row.node.trackIds) {
      const s = slices.get(id);
      if (!s) continue;
      const lane = kinds.lane.get(id) ?? row.node.lane;
      for (let k = 0; k < s.count; k++) {
        let y: number;
        let h: number;
        if (lane === 'nvtx' || lane === 'nvtx-gpu') {
          y = row.y + 1 + s.depth[k] * NVTX_DEPTH_PX;
          h = NVTX_DEPTH_PX - 2;
        } else if (lane === 'gpu-memory') {
          // A step counter: each level a bar from the row's floor, scaled to the track's peak.
          const max = kinds.counterMax.get(id) || 1;
          h = Math.max(1, ((s.value?.[k] ?? 0) / max) * (row.h - 4));
          y = row.y + row.h - 2 - h;
        } else if (s.eventCount[k] > 1) {
          // Merged sub-pixel events: a bar from the row's floor as tall as the span is busy, so 500k
          // kernels at 20% busy no longer read as a solid block (at least 2 px to stay visible).
          h = Math.max(2, Math.min(1, s.busy[k]) * (row.h - 4));
          y = row.y + row.h - 2 - h;
        } else {
          y = row.y + 2;
          h = row.h - 4;
        }
        const argb = s.colorArgb ? s.colorArgb[k] : -1;
        // A merged slice takes the colour of the name with the most time in it, as its label says.
        const colourId = s.eventCount[k] > 1 && s.mostlyNameId[k] >= 0 ? s.mostlyNameId[k] : s.nameId[k];
        const rgb = argb >= 0 ? argb % 0x1000000 : names.color(lane, colourId);
        let alpha = s.eventCount[k] > 1 && lane !== 'gpu-memory' ? 0.45 + 0.55 * Math.min(1, s.busy[k]) : 1;
        const hit = sliceMatchesSearch(search, s, k);
        if (search.active && !hit) alpha *= 0.3;
        rects.push(s.startNs[k] - origin, s.endNs[k] - origin, y, h, rgb, alpha, hit ? 1 : 0);
      }
    }
  }
  rects.commit();
}

/**
 * GPU rows with a utilisation track: the GPU, GPU-process and stream groups, whose keys are the
 * series keys of core/query/gpu-busy.ts. Their profile is the union of the GPU's work, exact per
 * pixel, where a collapsed CPU group's summary only sums its tracks' busy time.
 */
export function utilKeyOf(node: LaidRow['node']): string | null {
  return node.kind === 'group' && node.side === 'gpu' && /^(gpu|gpuproc|stream):/.test(node.key) ? node.key : null;
}

/**
 * From this many ns per pixel (1 µs: a typical 2–30 µs LLM kernel is a few pixels or less) an
 * expanded GPU group draws its utilisation track in its header row, as nsys-ui does at coarse zoom;
 * finer than that the slices below read one by one. Collapsed GPU groups always draw it.
 */
export const UTIL_COARSE_NS_PER_PX = 1000;

/** Rectangles each utilisation track pushed in the last build (automation API and tests). */
export const utilRectCounts = new Map<string, number>();

/**
 * Busy profiles as bars from the row's bottom, runs of equal height merged (so at most one rect per
 * pixel per row): GPU groups draw their utilisation (collapsed, or expanded at coarse zoom), other
 * collapsed groups their summed busy profile.
 */
export function buildSummaryInstances(summary: InstancedRects, rows: LaidRow[], cache: SliceCache, origin: number): void {
  summary.begin();
  utilRectCounts.clear();
  const bars = (row: LaidRow, w: { t0: number; t1: number; widthPx: number }, values: ArrayLike<number>, color: number): number => {
    const px = (w.t1 - w.t0) / w.widthPx;
    let n = 0;
    for (let k = 0; k < values.length; k++) {
      const v = values[k];
      if (v < 0.01) continue;
      let e = k + 1;
      while (e < values.length && Math.abs(values[e] - v) < 0.02) e++;
      const hh = Math.max(1, v * (row.h - 4));
      summary.push(w.t0 + k * px - origin, w.t0 + e * px - origin, row.y + row.h - 2 - hh, hh, color, 1, 0);
      n++;
      k = e - 1;
    }
    return n;
  };
  for (const row of rows) {
    const key = utilKeyOf(row.node);
    const u = key ? cache.util.get(key) : undefined;
    if (key && u && u.values.length > 0) {
      if (row.collapsed || (u.w.t1 - u.w.t0) / u.w.widthPx >= UTIL_COARSE_NS_PER_PX)
        utilRectCounts.set(key, bars(row, u.w, u.values, THEME.summaryGpu));
      continue;
    }
    if (!row.collapsed) continue;
    const b = cache.busy.get(row.node.key);
    if (!b) continue;
    bars(row, b.w, b.values, row.node.side === 'gpu' ? THEME.summaryGpu : THEME.summaryCpu);
  }
  summary.commit();
}

/** Row bands: group rows shaded, alternate lane rows tinted, a grid line under each. */
export function drawRowBands(scene: TimelineScene, vp: Viewport, visible: LaidRow[]): void {
  const g = scene.rows;
  g.clear();
  for (const r of visible) {
    const y = vp.contentToCanvasY(r.y);
    if (r.node.kind === 'group') g.rect(0, y, vp.widthPx, r.h).fill(THEME.groupRow);
    else if (r.indent % 2 === 0) g.rect(0, y, vp.widthPx, r.h).fill(THEME.rowAlt);
    g.rect(0, y + r.h - 1, vp.widthPx, 1).fill(THEME.grid);
  }
}

/** Names on slices at least 40 px wide ("N events" on merged ones), fitted to the slice. */
export function drawSliceLabels(scene: TimelineScene, vp: Viewport, visible: LaidRow[], cache: SliceCache, names: NameBook): void {
  let n = 0;
  for (const r of visible) {
    // A memory level and running intervals are read by their shape and colour, not by a name.
    if (r.node.kind !== 'lane' || r.node.lane === 'gpu-memory' || r.node.lane === 'sched') continue;
    for (const id of r.node.trackIds) {
      const s = cache.slices.get(id);
      if (!s) continue;
      // NVTX ranges may start long before the view (phase:inference spans 3.29 s): scan them all so
      // such a range keeps its label at the left edge; other lanes' slices are short, skip ahead.
      const from =
        r.node.lane === 'nvtx' || r.node.lane === 'nvtx-gpu'
          ? 0
          : Math.max(0, upperBound(s.startNs, vp.t0 - (cache.window ? cache.window.t1 - cache.window.t0 : 0)));
      for (let k = from; k < s.count && n < MAX_LABELS; k++) {
        if (s.startNs[k] > vp.t1) break;
        const x0 = Math.max(0, vp.timeToX(s.startNs[k]));
        const x1 = Math.min(vp.widthPx, vp.timeToX(s.endNs[k]));
        if (x1 - x0 < 40) continue;
        const name =
          s.eventCount[k] > 1
            ? mergedLabel(s.eventCount[k], s.busy[k], names.name(s.mostlyNameId[k]), s.mostlyNs[k])
            : names.name(s.nameId[k]);
        if (!name) continue;
        const text = fitLabel(name, x1 - x0);
        if (!text) continue;
        const y = r.node.lane === 'nvtx' || r.node.lane === 'nvtx-gpu' ? r.y + 1 + s.depth[k] * NVTX_DEPTH_PX : r.y + 2;
        const cy = vp.contentToCanvasY(y);
        if (cy < RULER_HEIGHT_PX || cy > vp.heightPx) continue;
        scene.label(text, x0 + 3, cy + 1, THEME.label);
        n++;
      }
    }
  }
}

/**
 * A merged slice says what it hides: "499,999 events · 63% busy · mostly kernelX (1.2 ms)". The busy
 * fraction is the merged events' summed duration over the slice's span, and "mostly" names the
 * name with the largest summed (window-clipped) time in it, with that time (core/query/lod.ts):
 * one long outlier no longer names a run of thousands of other kernels.
 */
export function mergedLabel(count: number, busy: number, mostly: string | undefined, mostlyNs: number): string {
  const pct = Math.round(Math.min(1, busy) * 100);
  return `${count.toLocaleString('en-US')} events · ${pct}% busy${mostly ? ` · mostly ${mostly} (${formatDurationNs(mostlyNs)})` : ''}`;
}
