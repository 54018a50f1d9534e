import { forEachGpuWork, GPU_WORK_KINDS, type GpuWorkKind } from '../model/gpu-work';
import type { TraceModel } from '../model/types';
import { IntervalSet } from './interval-set';

export type GpuWorkLane = GpuWorkKind;

/** Every GPU work item of one process (all its devices), sorted by start. */
export interface GpuWorkList {
  pid: number;
  count: number;
  startNs: Float64Array;
  endNs: Float64Array;
  deviceId: Int32Array;
  /** Index into GPU_WORK_KINDS (see `laneOf`). */
  kind: Uint8Array;
  /** Row in the lane's table. */
  index: Int32Array;
}

export const laneOf = (w: GpuWorkList, p: number): GpuWorkLane => GPU_WORK_KINDS[w.kind[p]];

/**
 * The model's GPU work (kernels, memcpy, memset and CUDA graph executions: model/gpu-work.ts, the
 * one source of GPU work) regrouped per process across its devices, since a step belongs to a
 * process. Graph executions count, so graph replays recorded at graph level (nsys's default) are
 * busy time. Typed arrays throughout: many_kernels has 500k items in one process.
 */
/** One regrouping per model (read-only once built): steps, idle attribution and compare all ask for it. */
const byPidCache = new WeakMap<TraceModel, ReadonlyMap<number, GpuWorkList>>();

export function gpuWorkByPid(model: TraceModel): ReadonlyMap<number, GpuWorkList> {
  let lists = byPidCache.get(model);
  if (!lists) byPidCache.set(model, (lists = groupGpuWorkByPid(model)));
  return lists;
}

function groupGpuWorkByPid(model: TraceModel): Map<number, GpuWorkList> {
  const counts = new Map<number, number>();
  forEachGpuWork(model, (_k, _i, _s, _e, _d, pid) => counts.set(pid, (counts.get(pid) ?? 0) + 1));
  const lists = new Map<number, GpuWorkList & { fill: number }>();
  for (const [pid, n] of counts) {
    lists.set(pid, {
      pid,
      count: n,
      fill: 0,
      startNs: new Float64Array(n),
      endNs: new Float64Array(n),
      deviceId: new Int32Array(n),
      kind: new Uint8Array(n),
      index: new Int32Array(n),
    });
  }
  forEachGpuWork(model, (kind, index, startNs, endNs, deviceId, pid) => {
    const l = lists.get(pid);
    if (!l) return;
    const k = l.fill++;
    l.startNs[k] = startNs;
    l.endNs[k] = endNs;
    l.deviceId[k] = deviceId;
    l.kind[k] = GPU_WORK_KINDS.indexOf(kind);
    l.index[k] = index;
  });
  const out = new Map<number, GpuWorkList>();
  for (const pid of [...lists.keys()].sort((a, b) => a - b)) {
    const l = lists.get(pid);
    if (!l) continue;
    const order = new Uint32Array(l.count);
    for (let k = 0; k < order.length; k++) order[k] = k;
    let sorted = true;
    for (let k = 1; k < l.count && sorted; k++)
      if (l.startNs[k] < l.startNs[k - 1] || (l.startNs[k] === l.startNs[k - 1] && l.endNs[k] < l.endNs[k - 1])) sorted = false;
    if (!sorted) order.sort((a, b) => l.startNs[a] - l.startNs[b] || l.endNs[a] - l.endNs[b]);
    out.set(pid, {
      pid,
      count: l.count,
      startNs: sorted ? l.startNs : l.startNs.map((_, k) => l.startNs[order[k]]),
      endNs: sorted ? l.endNs : l.endNs.map((_, k) => l.endNs[order[k]]),
      deviceId: sorted ? l.deviceId : l.deviceId.map((_, k) => l.deviceId[order[k]]),
      kind: sorted ? l.kind : l.kind.map((_, k) => l.kind[order[k]]),
      index: sorted ? l.index : l.index.map((_, k) => l.index[order[k]]),
    });
  }
  return out;
}

/** The union of one process's GPU work (its busy time), built once per list: steps and idle attribution both clip it. */
const busyCache = new WeakMap<GpuWorkList, IntervalSet>();

export function busyOf(w: GpuWorkList): IntervalSet {
  let set = busyCache.get(w);
  if (!set) busyCache.set(w, (set = new IntervalSet(w.startNs, w.endNs)));
  return set;
}
