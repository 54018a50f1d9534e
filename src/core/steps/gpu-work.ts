import { GPU_WORK_KINDS, gpuWorkTable, type GpuWorkKind } from '../model/gpu-work';
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

/** Whether gpuWorkByPid has the model's lists (see forgetStepCaches). */
export function hasGpuWorkByPid(model: TraceModel): boolean {
  return byPidCache.has(model);
}

/** Drops the model's lists (their busy unions go with them). */
export function forgetGpuWorkByPid(model: TraceModel): void {
  byPidCache.delete(model);
}

/**
 * Adds each pid's row count in `pid[0..count)` to `counts`, one Map update per run of equal pids:
 * nsys writes a process's GPU rows in runs, so this is a column read per row and little else.
 */
export function countRowsByPid(pid: ArrayLike<number>, count: number, counts: Map<number, number>): void {
  let cur = NaN;
  let run = 0;
  for (let i = 0; i < count; i++) {
    if (pid[i] === cur) {
      run++;
      continue;
    }
    if (run) counts.set(cur, (counts.get(cur) ?? 0) + run);
    cur = pid[i];
    run = 1;
  }
  if (run) counts.set(cur, (counts.get(cur) ?? 0) + run);
}

function groupGpuWorkByPid(model: TraceModel): Map<number, GpuWorkList> {
  // Table by table with the pid looked up once per run of rows (rows come in runs of one
  // process): a callback and two Map lookups per item cost ~1 s at 500k kernels.
  const counts = new Map<number, number>();
  for (const kind of GPU_WORK_KINDS) {
    const t = gpuWorkTable(model, kind);
    countRowsByPid(t.pid, t.count, counts);
  }
  // Filled with (kind, row) only, 5 bytes an item; the columns are written once, in (start, end)
  // order: filling all five columns and then permuting them into new ones held 58 bytes an item
  // (170 MB at ×6 many_kernels) for a list of 25 (issue 15).
  const lists = new Map<number, { kind: Uint8Array; index: Int32Array; fill: number }>();
  for (const [pid, n] of counts) lists.set(pid, { kind: new Uint8Array(n), index: new Int32Array(n), fill: 0 });
  const tables = GPU_WORK_KINDS.map((kind) => gpuWorkTable(model, kind));
  tables.forEach((t, kindIndex) => {
    let pid = NaN;
    let l: { kind: Uint8Array; index: Int32Array; fill: number } | undefined;
    for (let i = 0; i < t.count; i++) {
      if (t.pid[i] !== pid) {
        pid = t.pid[i];
        l = lists.get(pid);
      }
      if (!l) continue;
      const k = l.fill++;
      l.kind[k] = kindIndex;
      l.index[k] = i;
    }
  });
  const out = new Map<number, GpuWorkList>();
  for (const pid of [...lists.keys()].sort((a, b) => a - b)) {
    const l = lists.get(pid);
    if (!l) continue;
    const n = l.kind.length;
    const startOf = (k: number) => tables[l.kind[k]].startNs[l.index[k]];
    const endOf = (k: number) => tables[l.kind[k]].endNs[l.index[k]];
    const order = orderByStartEnd(n, startOf, endOf);
    const w: GpuWorkList = {
      pid,
      count: n,
      startNs: new Float64Array(n),
      endNs: new Float64Array(n),
      deviceId: new Int32Array(n),
      kind: order ? new Uint8Array(n) : l.kind,
      index: order ? new Int32Array(n) : l.index,
    };
    for (let k = 0; k < n; k++) {
      const from = order ? order[k] : k;
      const t = tables[l.kind[from]];
      const i = l.index[from];
      w.startNs[k] = t.startNs[i];
      w.endNs[k] = t.endNs[i];
      w.deviceId[k] = t.deviceId[i];
      if (order) {
        w.kind[k] = l.kind[from];
        w.index[k] = i;
      }
    }
    out.set(pid, w);
  }
  return out;
}

/**
 * The stable order by (start, end), or null when the items are in it already. A process's items
 * come table by table, each in time order: a few sorted runs, merged in linear passes (a stable
 * merge, so the same order as a stable sort); many runs fall back to a comparator sort.
 */
function orderByStartEnd(n: number, s: (k: number) => number, e: (k: number) => number): Uint32Array | null {
  const before = (a: number, b: number) => s(a) < s(b) || (s(a) === s(b) && e(a) < e(b));
  let runs = [0];
  for (let k = 1; k < n; k++) if (before(k, k - 1)) runs.push(k);
  runs.push(n);
  if (runs.length === 2) return null;
  let order = new Uint32Array(n);
  for (let k = 0; k < n; k++) order[k] = k;
  if (runs.length > 17) return order.sort((a, b) => s(a) - s(b) || e(a) - e(b));
  let next = new Uint32Array(n);
  while (runs.length > 2) {
    const merged = [0];
    for (let r = 0; r + 1 < runs.length; r += 2) {
      const a1 = runs[r + 1];
      const b1 = r + 2 < runs.length ? runs[r + 2] : a1;
      let i = runs[r];
      let j = a1;
      let o = runs[r];
      // Ties go to the left run: stable.
      while (i < a1 && j < b1) next[o++] = before(order[j], order[i]) ? order[j++] : order[i++];
      while (i < a1) next[o++] = order[i++];
      while (j < b1) next[o++] = order[j++];
      merged.push(b1);
    }
    [order, next] = [next, order];
    runs = merged;
  }
  return order;
}

/** The union of one process's GPU work (its busy time), built once per list: steps and idle attribution both clip it. */
const busyCache = new WeakMap<GpuWorkList, IntervalSet>();

export function busyOf(w: GpuWorkList): IntervalSet {
  let set = busyCache.get(w);
  if (!set) busyCache.set(w, (set = new IntervalSet(w.startNs, w.endNs)));
  return set;
}
