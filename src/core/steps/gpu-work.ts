import type { Ns, TraceModel } from '../model/types';

/** One piece of GPU work: a row of the kernel, memcpy or memset table. */
export type GpuWorkLane = 'kernel' | 'memcpy' | 'memset';

export interface GpuWorkList {
  pid: number;
  count: number;
  /** Sorted by start. */
  startNs: Float64Array;
  endNs: Float64Array;
  deviceId: Int32Array;
  lane: GpuWorkLane[];
  /** Row in the lane's table. */
  index: Int32Array;
}

/**
 * Every GPU work interval of every process, per pid, sorted by start: kernels, memcpy and memset.
 *
 * The single place step analysis reads GPU work from. CUDA graph executions recorded at graph level
 * (nsys's default since 2024: CUPTI_ACTIVITY_KIND_GRAPH_TRACE, whose kernels are not in the kernel
 * table) are not in the model yet; when they are, this function is the one to switch to the model's
 * own list of GPU work so graph replays count as busy time.
 */
export function gpuWorkByPid(model: TraceModel): Map<number, GpuWorkList> {
  const rows = new Map<number, { s: Ns[]; e: Ns[]; d: number[]; l: GpuWorkLane[]; i: number[] }>();
  const tables: [GpuWorkLane, TraceModel['kernels'] | TraceModel['memcpy'] | TraceModel['memset']][] = [
    ['kernel', model.kernels], ['memcpy', model.memcpy], ['memset', model.memset],
  ];
  for (const [lane, t] of tables) {
    for (let i = 0; i < t.count; i++) {
      let r = rows.get(t.pid[i]);
      if (!r) rows.set(t.pid[i], (r = { s: [], e: [], d: [], l: [], i: [] }));
      r.s.push(t.startNs[i]); r.e.push(t.endNs[i]); r.d.push(t.deviceId[i]); r.l.push(lane); r.i.push(i);
    }
  }
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
