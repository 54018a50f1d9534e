import type { Ns, TraceModel } from './types';

/**
 * Every piece of work a GPU ran: kernels, copies, memsets and CUDA graph executions. Graph
 * executions matter because nsys's default graph trace mode (graph level, 2025.3) records each
 * replay as one CUPTI_ACTIVITY_KIND_GRAPH_TRACE row and leaves its kernels out of the kernel table:
 * an analysis that reads only kernels/memcpy/memset sees the GPU idle through every replay. Busy,
 * idle and gap figures should all come from here so they agree.
 */
export type GpuWorkKind = 'kernel' | 'memcpy' | 'memset' | 'graph';

export const GPU_WORK_KINDS: readonly GpuWorkKind[] = ['kernel', 'memcpy', 'memset', 'graph'];

/** The columns the four GPU tables share. */
export interface GpuWorkColumns {
  count: number;
  startNs: Float64Array;
  endNs: Float64Array;
  deviceId: Int32Array;
  streamId: Int32Array;
  pid: Int32Array;
}

export function gpuWorkTable(model: TraceModel, kind: GpuWorkKind): GpuWorkColumns {
  switch (kind) {
    case 'kernel':
      return model.kernels;
    case 'memcpy':
      return model.memcpy;
    case 'memset':
      return model.memset;
    case 'graph':
      return model.graphExecs;
  }
}

/** Calls `fn` for every GPU work item of the model, table by table (file order within a table). */
export function forEachGpuWork(
  model: TraceModel,
  fn: (kind: GpuWorkKind, index: number, startNs: Ns, endNs: Ns, deviceId: number, pid: number, streamId: number) => void,
): void {
  for (const kind of GPU_WORK_KINDS) {
    const t = gpuWorkTable(model, kind);
    for (let i = 0; i < t.count; i++) fn(kind, i, t.startNs[i], t.endNs[i], t.deviceId[i], t.pid[i], t.streamId[i]);
  }
}

/** The GPU work of one (device, process), sorted by start (ties: longer first). */
export interface GpuWorkIntervals {
  deviceId: number;
  pid: number;
  count: number;
  startNs: Float64Array;
  endNs: Float64Array;
  kind: Uint8Array; // index into GPU_WORK_KINDS
  /** Row index in the kind's table. */
  index: Int32Array;
}

/**
 * Every GPU work interval of the model grouped per (device, pid), each group sorted by start;
 * groups ordered by device then pid. `union` (below) merges a group, or several, into busy spans.
 */
export function gpuWorkIntervals(model: TraceModel): GpuWorkIntervals[] {
  const counts = new Map<string, { deviceId: number; pid: number; n: number }>();
  forEachGpuWork(model, (_k, _i, _s, _e, deviceId, pid) => {
    const key = `${deviceId}/${pid}`;
    const c = counts.get(key);
    if (c) c.n++;
    else counts.set(key, { deviceId, pid, n: 1 });
  });
  const groups = new Map<string, GpuWorkIntervals & { fill: number }>();
  for (const [key, c] of counts) {
    groups.set(key, {
      deviceId: c.deviceId,
      pid: c.pid,
      count: c.n,
      fill: 0,
      startNs: new Float64Array(c.n),
      endNs: new Float64Array(c.n),
      kind: new Uint8Array(c.n),
      index: new Int32Array(c.n),
    });
  }
  forEachGpuWork(model, (kind, index, startNs, endNs, deviceId, pid) => {
    const g = groups.get(`${deviceId}/${pid}`)!;
    const k = g.fill++;
    g.startNs[k] = startNs;
    g.endNs[k] = endNs;
    g.kind[k] = GPU_WORK_KINDS.indexOf(kind);
    g.index[k] = index;
  });
  const out: GpuWorkIntervals[] = [];
  for (const g of groups.values()) {
    const order = new Uint32Array(g.count);
    for (let k = 0; k < order.length; k++) order[k] = k;
    order.sort((a, b) => g.startNs[a] - g.startNs[b] || g.endNs[b] - g.endNs[a] || a - b);
    out.push({
      deviceId: g.deviceId,
      pid: g.pid,
      count: g.count,
      startNs: Float64Array.from(order, (k) => g.startNs[k]),
      endNs: Float64Array.from(order, (k) => g.endNs[k]),
      kind: Uint8Array.from(order, (k) => g.kind[k]),
      index: Int32Array.from(order, (k) => g.index[k]),
    });
  }
  out.sort((a, b) => a.deviceId - b.deviceId || a.pid - b.pid);
  return out;
}

/** Busy spans: the union of intervals (merged where they overlap or touch), sorted. */
export interface BusySpans {
  startNs: Float64Array;
  endNs: Float64Array;
  /** Sum of the spans' lengths. */
  busyNs: number;
}

/** Union of the intervals of one or more groups (e.g. every process on a device). */
export function unionIntervals(groups: readonly Pick<GpuWorkIntervals, 'count' | 'startNs' | 'endNs'>[]): BusySpans {
  let n = 0;
  for (const g of groups) n += g.count;
  let s: Float64Array;
  let e: Float64Array;
  if (groups.length === 1) {
    s = groups[0].startNs;
    e = groups[0].endNs;
  } else {
    const order = new Uint32Array(n);
    const allS = new Float64Array(n);
    const allE = new Float64Array(n);
    let o = 0;
    for (const g of groups) {
      allS.set(g.startNs.subarray(0, g.count), o);
      allE.set(g.endNs.subarray(0, g.count), o);
      o += g.count;
    }
    for (let k = 0; k < n; k++) order[k] = k;
    order.sort((a, b) => allS[a] - allS[b]);
    s = Float64Array.from(order, (k) => allS[k]);
    e = Float64Array.from(order, (k) => allE[k]);
  }
  // Merged into arrays of the input's length, trimmed after (no growing JS arrays).
  const outS = new Float64Array(n);
  const outE = new Float64Array(n);
  let m = 0;
  let busyNs = 0;
  for (let k = 0; k < n; k++) {
    if (m > 0 && s[k] <= outE[m - 1]) {
      if (e[k] > outE[m - 1]) outE[m - 1] = e[k];
    } else {
      outS[m] = s[k];
      outE[m++] = e[k];
    }
  }
  for (let k = 0; k < m; k++) busyNs += outE[k] - outS[k];
  return { startNs: outS.slice(0, m), endNs: outE.slice(0, m), busyNs };
}
