import { buildCorrelation, type CorrelationIndex } from '../model/correlation';
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
  const A = model.api;
  const N = model.nvtx;
  // Runs at every load (the timeline's projected row): a trace without NVTX ranges
  // skips the correlation index and the per-thread sort.
  if (N.count === 0) return [];
  const corr = correlation ?? buildCorrelation(model);
  const apiByThread = new Map<number, { s: Float64Array; rows: Int32Array }>();
  {
    const lists = new Map<number, number[]>();
    for (let i = 0; i < A.count; i++) {
      let l = lists.get(A.threadIndex[i]);
      if (!l) lists.set(A.threadIndex[i], (l = []));
      l.push(i);
    }
    for (const [t, l] of lists) {
      l.sort((a, b) => A.startNs[a] - A.startNs[b]);
      apiByThread.set(t, { s: Float64Array.from(l, (i) => A.startNs[i]), rows: Int32Array.from(l) });
    }
  }
  const out: NvtxProjection[] = [];
  for (let r = 0; r < N.count; r++) {
    if (N.style[r] === 2 || N.endNs[r] <= N.startNs[r]) continue;
    const calls = apiByThread.get(N.threadIndex[r]);
    const rec: NvtxProjection = {
      nvtxIndex: r,
      name: model.strings[N.nameId[r]] ?? '',
      pid: model.threads[N.threadIndex[r]]?.pid ?? -1,
      gpuStartNs: -1,
      gpuEndNs: -1,
      gpuBusyNs: 0,
      gpuOps: 0,
      deviceId: -1,
    };
    if (calls) {
      let lo = 0;
      let hi = calls.s.length;
      while (lo < hi) {
        const m = (lo + hi) >> 1;
        if (calls.s[m] < N.startNs[r]) lo = m + 1;
        else hi = m;
      }
      const s: number[] = [];
      const e: number[] = [];
      let firstNs = Infinity;
      for (let k = lo; k < calls.s.length && calls.s[k] < N.endNs[r]; k++) {
        for (const g of corr.gpuOf(calls.rows[k])) {
          const t = gpuWorkTable(model, g.lane);
          s.push(t.startNs[g.index]);
          e.push(t.endNs[g.index]);
          if (t.startNs[g.index] < firstNs) {
            firstNs = t.startNs[g.index];
            rec.deviceId = t.deviceId[g.index];
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
