import { buildCorrelation, CORRELATED_LANES, type CorrelationIndex } from '../model/correlation';
import { gpuWorkTable } from '../model/gpu-work';
import type { DurNs, Ns, NvtxGpuTable, NvtxTable, TraceModel } from '../model/types';
import { IntervalSet } from './interval-set';

/**
 * NVTX ranges projected onto the GPU (what nsys's nvtx_gpu_proj_trace does): a range owns the GPU
 * work launched by CUDA API calls made on its thread while it was open (nested ranges included),
 * found by correlation on (pid, correlationId). A cudaGraphLaunch inside the range brings its graph
 * execution (graph-level trace) or all of the graph's kernels (node-level trace) with it.
 */
export interface NvtxProjection {
  /** Row in model.nvtx. */
  nvtxIndex: number;
  name: string;
  pid: number;
  /** First GPU start and last GPU end of the work it launched (-1 when it launched none). */
  gpuStartNs: Ns;
  gpuEndNs: Ns;
  /** Union of that work's GPU intervals. */
  gpuBusyNs: DurNs;
  /** GPU work items (kernels, copies, memsets, graph executions). */
  gpuOps: number;
  /** Device of the first GPU op it launched (-1 when it launched none). */
  deviceId: number;
}

export interface NvtxGpuRow {
  name: string;
  ranges: number;
  /** CPU time of the ranges, summed. */
  rangeNs: DurNs;
  /** Projected GPU busy time, summed over the ranges. */
  gpuBusyNs: DurNs;
  /** From the first GPU start to the last GPU end, summed over the ranges. */
  gpuSpanNs: DurNs;
  gpuOps: number;
}

export function projectNvtxToGpu(model: TraceModel, correlation?: CorrelationIndex): NvtxProjection[] {
  const N = model.nvtx;
  // Runs at every load (the timeline's projected row): a trace without NVTX ranges
  // skips the correlation index and the per-thread sort.
  if (N.count === 0) return [];
  const corr = correlation ?? buildCorrelation(model);
  const calls = apiOfNvtxThreads(model);
  const callStart = model.api.startNs;
  const { opStart, opLane, opIndex } = corr.ops;
  const tables = CORRELATED_LANES.map((lane) => gpuWorkTable(model, lane));
  const out: NvtxProjection[] = [];
  const s: number[] = [];
  const e: number[] = [];
  for (let r = 0; r < N.count; r++) {
    if (N.style[r] === 2 || N.endNs[r] <= N.startNs[r]) continue;
    const t = N.threadIndex[r];
    const rec: NvtxProjection = {
      nvtxIndex: r,
      name: model.strings[N.nameId[r]] ?? '',
      pid: model.threads[t]?.pid ?? -1,
      gpuStartNs: -1,
      gpuEndNs: -1,
      gpuBusyNs: 0,
      gpuOps: 0,
      deviceId: -1,
    };
    const from = calls.start[t];
    const to = calls.start[t + 1];
    if (to > from) {
      let lo = from;
      let hi = to;
      while (lo < hi) {
        const m = (lo + hi) >> 1;
        if (callStart[calls.rows[m]] < N.startNs[r]) lo = m + 1;
        else hi = m;
      }
      s.length = 0;
      e.length = 0;
      let firstNs = Infinity;
      for (let k = lo; k < to && callStart[calls.rows[k]] < N.endNs[r]; k++) {
        const a = calls.rows[k];
        for (let q = opStart[a]; q < opStart[a + 1]; q++) {
          const tb = tables[opLane[q]];
          const g = opIndex[q];
          s.push(tb.startNs[g]);
          e.push(tb.endNs[g]);
          if (tb.startNs[g] < firstNs) {
            firstNs = tb.startNs[g];
            rec.deviceId = tb.deviceId[g];
          }
        }
      }
      if (s.length) {
        const set = new IntervalSet(s, e);
        rec.gpuStartNs = set.startNs[0];
        rec.gpuEndNs = set.endNs[set.count - 1];
        rec.gpuBusyNs = set.totalNs;
        rec.gpuOps = s.length;
      }
    }
    out.push(rec);
  }
  return out;
}

/**
 * The CUDA API calls of the threads that have NVTX ranges, by thread index, each thread's sorted by
 * start: rows[start[t] .. start[t + 1]). Counting passes over typed arrays: this runs at every
 * open, and a Map of arrays plus a comparator sort cost ~0.5 s per 1M calls. The starts are read
 * through the rows, not copied beside them (8 bytes a call: 48 MB at 6M calls, issue 15).
 */
function apiOfNvtxThreads(model: TraceModel): { start: Int32Array; rows: Int32Array } {
  const A = model.api;
  const N = model.nvtx;
  const nThreads = model.threads.length;
  const wanted = new Uint8Array(nThreads);
  for (let r = 0; r < N.count; r++) wanted[N.threadIndex[r]] = 1;
  const start = new Int32Array(nThreads + 1);
  for (let i = 0; i < A.count; i++) if (wanted[A.threadIndex[i]]) start[A.threadIndex[i] + 1]++;
  for (let t = 0; t < nThreads; t++) start[t + 1] += start[t];
  const rows = new Int32Array(start[nThreads]);
  const fill = start.slice(0, nThreads);
  for (let i = 0; i < A.count; i++) if (wanted[A.threadIndex[i]]) rows[fill[A.threadIndex[i]]++] = i;
  for (let t = 0; t < nThreads; t++) {
    const from = start[t];
    const to = start[t + 1];
    let sorted = true;
    for (let k = from + 1; k < to && sorted; k++) if (A.startNs[rows[k]] < A.startNs[rows[k - 1]]) sorted = false;
    // Same order as a stable sort by start (rows are in file order within a thread).
    if (!sorted) rows.set(Int32Array.from(Array.from(rows.subarray(from, to)).sort((a, b) => A.startNs[a] - A.startNs[b])), from);
  }
  return { start, rows };
}

/** "GPU time per NVTX range": projections grouped by range name, most GPU time first. */
export function nvtxGpuTable(model: TraceModel, projections: NvtxProjection[]): NvtxGpuRow[] {
  const N = model.nvtx;
  const rows = new Map<string, NvtxGpuRow>();
  for (const p of projections) {
    let row = rows.get(p.name);
    if (!row) rows.set(p.name, (row = { name: p.name, ranges: 0, rangeNs: 0, gpuBusyNs: 0, gpuSpanNs: 0, gpuOps: 0 }));
    row.ranges++;
    row.rangeNs += N.endNs[p.nvtxIndex] - N.startNs[p.nvtxIndex];
    row.gpuBusyNs += p.gpuBusyNs;
    row.gpuSpanNs += p.gpuOps ? p.gpuEndNs - p.gpuStartNs : 0;
    row.gpuOps += p.gpuOps;
  }
  return [...rows.values()].sort((a, b) => b.gpuBusyNs - a.gpuBusyNs || a.name.localeCompare(b.name));
}

/**
 * The projections that launched GPU work, as a lane table (model.nvtxGpu): each range at the GPU
 * span of its work, on the device of its first op. Depths are assigned with the tracks.
 */
export function nvtxGpuLane(nvtx: NvtxTable, projections: NvtxProjection[]): NvtxGpuTable {
  const kept = projections.filter((p) => p.gpuOps > 0);
  const n = kept.length;
  const t: NvtxGpuTable = {
    count: n,
    startNs: new Float64Array(n),
    endNs: new Float64Array(n),
    nvtxIndex: new Int32Array(n),
    deviceId: new Int32Array(n),
    pid: new Int32Array(n),
    nameId: new Int32Array(n),
    depth: new Uint16Array(n),
    gpuOps: new Int32Array(n),
  };
  kept.forEach((p, k) => {
    t.startNs[k] = p.gpuStartNs;
    t.endNs[k] = p.gpuEndNs;
    t.nvtxIndex[k] = p.nvtxIndex;
    t.deviceId[k] = p.deviceId;
    t.pid[k] = p.pid;
    t.nameId[k] = nvtx.nameId[p.nvtxIndex];
    t.gpuOps[k] = p.gpuOps;
  });
  return t;
}
