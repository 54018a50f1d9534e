import { forEachGpuWork, type GpuWorkKind } from '../model/gpu-work';
import type { Ns, TraceModel } from '../model/types';

export type GpuWorkLane = GpuWorkKind;

/** Every GPU work item of one process (all its devices), sorted by start. */
export interface GpuWorkList {
  pid: number;
  count: number;
  startNs: Float64Array;
  endNs: Float64Array;
  deviceId: Int32Array;
  lane: GpuWorkLane[];
  /** Row in the lane's table. */
  index: Int32Array;
}

/**
 * The model's GPU work (kernels, memcpy, memset and CUDA graph executions: model/gpu-work.ts, the
 * one source of GPU work) regrouped per process across its devices, since a step belongs to a
 * process. Graph executions count, so graph replays recorded at graph level (nsys's default) are
 * busy time.
 */
export function gpuWorkByPid(model: TraceModel): Map<number, GpuWorkList> {
  const rows = new Map<number, { s: Ns[]; e: Ns[]; d: number[]; l: GpuWorkLane[]; i: number[] }>();
  forEachGpuWork(model, (kind, index, startNs, endNs, deviceId, pid) => {
    let r = rows.get(pid);
    if (!r) rows.set(pid, (r = { s: [], e: [], d: [], l: [], i: [] }));
    r.s.push(startNs); r.e.push(endNs); r.d.push(deviceId); r.l.push(kind); r.i.push(index);
  });
  const out = new Map<number, GpuWorkList>();
  for (const [pid, r] of [...rows].sort((a, b) => a[0] - b[0])) {
    const order = r.s.map((_, k) => k).sort((a, b) => r.s[a] - r.s[b] || r.e[a] - r.e[b]);
    out.set(pid, {
      pid,
      count: order.length,
      startNs: Float64Array.from(order, (k) => r.s[k]),
      endNs: Float64Array.from(order, (k) => r.e[k]),
      deviceId: Int32Array.from(order, (k) => r.d[k]),
      lane: order.map((k) => r.l[k]),
      index: Int32Array.from(order, (k) => r.i[k]),
    });
  }
  return out;
}
