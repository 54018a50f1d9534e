import { GPU_WORK_KINDS, gpuWorkTable, type BusySpans, type GpuWorkKind } from '../model/gpu-work';
import type { Ns, TraceModel } from '../model/types';
import { lowerBoundOf, upperBoundOf } from '../util/sorted-search';
import { addPixelCoverage } from './lod';

/**
 * GPU utilisation as nsys-ui draws it: the union of everything a GPU (or one stream) ran —
 * kernels, copies, memsets and CUDA graph executions (core/model/gpu-work.ts) — so two overlapping
 * kernels on different streams count once for their GPU, and a graph replay (nsys 2025.3's default
 * graph-level trace has no kernel rows for it) counts as busy.
 *
 * Series keys are the timeline's row keys, so the renderer can ask for a row's profile by its key:
 * `gpu:DEV` (every process on the device), `gpuproc:DEV/PID`, `stream:DEV/PID/STREAM`.
 */
export interface GpuBusySeries {
  key: string;
  deviceId: number;
  pid?: number;
  streamId?: number;
  spans: BusySpans;
  /** cum[k] = summed length of spans 0..k-1 (length spans + 1): busy time of any window in O(log n). */
  cum: Float64Array;
}

const cache = new WeakMap<TraceModel, Map<string, GpuBusySeries>>();

function series(
  key: string,
  deviceId: number,
  spans: BusySpans,
  cums: Map<BusySpans, Float64Array>,
  pid?: number,
  streamId?: number,
): GpuBusySeries {
  // A GPU with one process, or a process with one stream, has its only part's very spans: their
  // prefix sums are shared too (issue 15: three 3M-span passes and arrays at ×6 many_kernels).
  let cum = cums.get(spans);
  if (!cum) {
    cum = new Float64Array(spans.startNs.length + 1);
    for (let k = 0; k < spans.startNs.length; k++) cum[k + 1] = cum[k] + (spans.endNs[k] - spans.startNs[k]);
    cums.set(spans, cum);
  }
  return { key, deviceId, pid, streamId, spans, cum };
}

/** Union of one track's intervals (its indices are sorted by start): one linear pass. */
function trackUnion(starts: Float64Array, ends: Float64Array, indices: Int32Array): BusySpans {
  const outS = new Float64Array(indices.length);
  const outE = new Float64Array(indices.length);
  let n = 0;
  for (let p = 0; p < indices.length; p++) {
    n = appendSpan(outS, outE, n, starts[indices[p]], ends[indices[p]]);
  }
  return spansOf(outS, outE, n);
}

/**
 * The first n spans built in outS/outE as a union: the arrays themselves when every slot was used
 * (nothing merged: the usual kernel row), else copies the size of the union, so the build's
 * scratch is not kept alive behind a short view.
 */
function spansOf(outS: Float64Array, outE: Float64Array, n: number): BusySpans {
  const startNs = n === outS.length ? outS : outS.slice(0, n);
  const endNs = n === outE.length ? outE : outE.slice(0, n);
  let busyNs = 0;
  for (let k = 0; k < n; k++) busyNs += endNs[k] - startNs[k];
  return { startNs, endNs, busyNs };
}

/** Union of two unions (each sorted and disjoint): a linear merge. */
function mergeUnions(x: BusySpans, y: BusySpans): BusySpans {
  const nx = x.startNs.length;
  const ny = y.startNs.length;
  const outS = new Float64Array(nx + ny);
  const outE = new Float64Array(nx + ny);
  let n = 0;
  for (let i = 0, j = 0; i < nx || j < ny;) {
    let a: number, b: number;
    if (j >= ny || (i < nx && x.startNs[i] <= y.startNs[j])) {
      a = x.startNs[i];
      b = x.endNs[i++];
    } else {
      a = y.startNs[j];
      b = y.endNs[j++];
    }
    n = appendSpan(outS, outE, n, a, b);
  }
  return spansOf(outS, outE, n);
}

/** Appends [a, b] to a union being built in start order (merged into the last span when they touch); returns the new length. */
function appendSpan(outS: Float64Array, outE: Float64Array, n: number, a: number, b: number): number {
  if (n > 0 && a <= outE[n - 1]) {
    if (b > outE[n - 1]) outE[n - 1] = b;
    return n;
  }
  outS[n] = a;
  outE[n] = b;
  return n + 1;
}

const unionAll = (parts: BusySpans[]): BusySpans =>
  parts.length === 0 ? spansOf(new Float64Array(0), new Float64Array(0), 0) : parts.reduce((acc, p) => mergeUnions(acc, p));

const GPU_WORK_LANES: ReadonlySet<string> = new Set(GPU_WORK_KINDS);

/**
 * Every GPU, GPU-process and stream busy series of the model, built once per model from the GPU
 * tracks (one per device, process, stream and kind, each sorted by start): a linear union per track,
 * then linear merges up to stream, process and GPU. (A regrouping of all GPU work per (device,
 * pid) with a comparator sort took ~3 s on the 500k-kernel trace; this takes tens of ms.)
 */
export function gpuBusySeries(model: TraceModel): Map<string, GpuBusySeries> {
  let out = cache.get(model);
  if (out) return out;
  const streams = new Map<string, { deviceId: number; pid: number; streamId: number; parts: BusySpans[] }>();
  for (const t of model.tracks) {
    if (!GPU_WORK_LANES.has(t.lane) || t.deviceId === undefined || t.pid === undefined || t.streamId === undefined) continue;
    const table = gpuWorkTable(model, t.lane as GpuWorkKind);
    const key = `stream:${t.deviceId}/${t.pid}/${t.streamId}`;
    let s = streams.get(key);
    if (!s) streams.set(key, (s = { deviceId: t.deviceId, pid: t.pid, streamId: t.streamId, parts: [] }));
    s.parts.push(trackUnion(table.startNs, table.endNs, t.indices));
  }
  const procs = new Map<string, { deviceId: number; pid: number; parts: BusySpans[] }>();
  const list: GpuBusySeries[] = [];
  const cums = new Map<BusySpans, Float64Array>();
  for (const [key, st] of streams) {
    const spans = unionAll(st.parts);
    list.push(series(key, st.deviceId, spans, cums, st.pid, st.streamId));
    const pk = `gpuproc:${st.deviceId}/${st.pid}`;
    let pr = procs.get(pk);
    if (!pr) procs.set(pk, (pr = { deviceId: st.deviceId, pid: st.pid, parts: [] }));
    pr.parts.push(spans);
  }
  const gpus = new Map<number, BusySpans[]>();
  for (const [key, pr] of procs) {
    const spans = unionAll(pr.parts);
    list.push(series(key, pr.deviceId, spans, cums, pr.pid));
    gpus.set(pr.deviceId, [...(gpus.get(pr.deviceId) ?? []), spans]);
  }
  for (const [dev, parts] of gpus) list.push(series(`gpu:${dev}`, dev, unionAll(parts), cums));
  const rank = (r: GpuBusySeries) => (r.pid === undefined ? 0 : r.streamId === undefined ? 1 : 2);
  list.sort(
    (a, b) => a.deviceId - b.deviceId || (a.pid ?? -1) - (b.pid ?? -1) || rank(a) - rank(b) || (a.streamId ?? 0) - (b.streamId ?? 0),
  );
  out = new Map(list.map((s) => [s.key, s]));
  cache.set(model, out);
  return out;
}

/**
 * Hands a model the busy series built elsewhere from its GPU tables: `serve`'s open worker builds
 * them right after it posts the GPU-first model (issue 15), so the host's thread does not build them
 * on the first frame's utilisation request. Series already built here win.
 */
export function seedGpuBusySeries(model: TraceModel, list: readonly GpuBusySeries[]): void {
  if (!cache.has(model)) cache.set(model, new Map(list.map((s) => [s.key, s])));
}

/**
 * The whole model's busy series are its GPU-first model's (the same GPU tables, read once): reuse
 * them instead of building them again while the user scrubs. Checked per table by row count and
 * first and last start, since a model that differs there needs its own.
 */
export function carryGpuBusySeries(from: TraceModel, to: TraceModel): void {
  const built = cache.get(from);
  if (!built || cache.has(to)) return;
  for (const kind of GPU_WORK_KINDS) {
    const a = gpuWorkTable(from, kind);
    const b = gpuWorkTable(to, kind);
    if (a.count !== b.count) return;
    if (a.count > 0 && (a.startNs[0] !== b.startNs[0] || a.startNs[a.count - 1] !== b.startNs[b.count - 1])) return;
  }
  cache.set(to, built);
}

/**
 * Above this many spans per pixel a profile is read from the prefix sums (two binary searches per
 * pixel, ~40 steps at 10^6 spans) rather than by walking the spans (a few steps each).
 */
const DENSE_SPANS_PER_PX = 32;

/** Busy time of the series inside [t0, t1]: spans clipped to the window. O(log n). */
export function busyNsIn(series: GpuBusySeries, t0: Ns, t1: Ns): number {
  if (!(t1 > t0)) return 0;
  const s = series.spans;
  // Spans are disjoint and sorted, so their ends are sorted too.
  const a = upperBoundOf(s.endNs, t0);
  const b = upperBoundOf(s.endNs, t1); // spans a..b-1 end inside the window; span b may start inside it
  if (a === b) return b < s.startNs.length && s.startNs[b] < t1 ? t1 - Math.max(t0, s.startNs[b]) : 0;
  let busy = series.cum[b] - series.cum[a];
  if (a < s.startNs.length && s.startNs[a] < t0) busy -= t0 - s.startNs[a]; // first span started before t0
  if (b < s.startNs.length && s.startNs[b] < t1) busy += t1 - Math.max(t0, s.startNs[b]); // and runs past t1
  return busy;
}

/**
 * Busy fraction per pixel of [t0, t1] drawn `widthPx` wide: pixel x covers
 * [t0 + x·pxNs, t0 + (x+1)·pxNs) and gets the share of it the union of the series' work covers.
 * Cost O(log n + spans in the window + widthPx); a Float64Array so that Σ value·pxNs is the
 * window's busy time to well under a ns (checked against sqlite3 in tests/gpu-busy.test.ts).
 */
export function utilisationProfile(series: GpuBusySeries, t0: Ns, t1: Ns, widthPx: number): Float64Array {
  const out = new Float64Array(widthPx);
  const pxNs = (t1 - t0) / widthPx;
  if (!(pxNs > 0)) return out;
  const s = series.spans;
  const first = upperBoundOf(s.endNs, t0);
  if (lowerBoundOf(s.startNs, t1) - first > DENSE_SPANS_PER_PX * widthPx) {
    // Far more spans than pixels (the first view of many_kernels: 500k spans on ~3500 px): each
    // pixel's busy time from the prefix sums, O(widthPx · log n) instead of a walk over every span.
    for (let x = 0; x < widthPx; x++) out[x] = Math.min(1, busyNsIn(series, t0 + x * pxNs, t0 + (x + 1) * pxNs) / pxNs);
    return out;
  }
  for (let k = first; k < s.startNs.length && s.startNs[k] < t1; k++) {
    // Spans are disjoint, so no pixel gets more than its width.
    addPixelCoverage(out, (Math.max(t0, s.startNs[k]) - t0) / pxNs, (Math.min(t1, s.endNs[k]) - t0) / pxNs);
  }
  // Spans are disjoint, so a pixel only exceeds 1 by float rounding.
  for (let x = 0; x < widthPx; x++) if (out[x] > 1) out[x] = 1;
  return out;
}

/** One row of gpuBusy: a GPU, a GPU-process or a stream, with its busy time in the window. */
export interface GpuBusyRow {
  key: string;
  deviceId: number;
  pid?: number;
  streamId?: number;
  busyNs: number;
  /** busyNs / (t1 - t0). */
  fraction: number;
}

/** Busy time of every GPU, GPU-process and stream in [t0, t1] (work clipped to it, union per row). */
export function gpuBusy(model: TraceModel, t0: Ns, t1: Ns): GpuBusyRow[] {
  const span = t1 - t0;
  const rows: GpuBusyRow[] = [];
  for (const s of gpuBusySeries(model).values()) {
    const busyNs = busyNsIn(s, t0, t1);
    rows.push({ key: s.key, deviceId: s.deviceId, pid: s.pid, streamId: s.streamId, busyNs, fraction: span > 0 ? busyNs / span : 0 });
  }
  return rows; // in gpuBusySeries' order: device, then process, the GPU before its processes before their streams
}

/**
 * Visits the busy spans of every GPU (the union of all its processes' and streams' work, as the
 * `gpu:DEV` series), devices in ascending order, spans by start. When gpuBusySeries is built for
 * the model (the viewer asks for it first) its spans are read; else the GPU tracks of each device
 * are merged by start on the fly (a heap over the tracks), so the summary's idle gaps hold no
 * per-item copy: the per-device columns and their union took 180 MB at ×6 many_kernels (issue 15).
 * Either way the spans are the same: a union merged where intervals overlap or touch is unique.
 */
export function forEachGpuBusySpan(model: TraceModel, visit: (deviceId: number, startNs: Ns, endNs: Ns) => void): void {
  const built = cache.get(model);
  if (built) {
    const gpus = [...built.values()].filter((s) => s.pid === undefined).sort((a, b) => a.deviceId - b.deviceId);
    for (const g of gpus) for (let k = 0; k < g.spans.startNs.length; k++) visit(g.deviceId, g.spans.startNs[k], g.spans.endNs[k]);
    return;
  }
  const byDevice = new Map<number, { starts: Float64Array; ends: Float64Array; idx: Int32Array }[]>();
  for (const t of model.tracks) {
    if (!GPU_WORK_LANES.has(t.lane) || t.deviceId === undefined || !t.indices.length) continue;
    const table = gpuWorkTable(model, t.lane as GpuWorkKind);
    let l = byDevice.get(t.deviceId);
    if (!l) byDevice.set(t.deviceId, (l = []));
    l.push({ starts: table.startNs, ends: table.endNs, idx: t.indices });
  }
  for (const dev of [...byDevice.keys()].sort((a, b) => a - b)) {
    const parts = byDevice.get(dev)!;
    // A binary min-heap of tracks keyed by their next item's start.
    const pos = new Int32Array(parts.length);
    const heap: number[] = [];
    const key = (h: number) => parts[h].starts[parts[h].idx[pos[h]]];
    const down = (from: number) => {
      let i = from;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && key(heap[l]) < key(heap[m])) m = l;
        if (r < heap.length && key(heap[r]) < key(heap[m])) m = r;
        if (m === i) return;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    };
    for (let h = 0; h < parts.length; h++) heap.push(h);
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);
    let curS = NaN;
    let curE = NaN;
    while (heap.length) {
      const h = heap[0];
      const { starts, ends, idx } = parts[h];
      const i = idx[pos[h]++];
      const a = starts[i];
      const b = ends[i];
      if (curS === curS && a <= curE) {
        if (b > curE) curE = b;
      } else {
        if (curS === curS) visit(dev, curS, curE);
        curS = a;
        curE = b;
      }
      if (pos[h] === idx.length) {
        heap[0] = heap[heap.length - 1];
        heap.pop();
      }
      if (heap.length) down(0);
    }
    if (curS === curS) visit(dev, curS, curE);
  }
}
