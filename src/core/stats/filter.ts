import { NvtxStyle, type TraceModel } from '../model/types';
import { pidOf, tidOf } from '../util/global-id';
import type { StatsFilter } from './types';

/** Row predicate for one table: time overlap (nsys semantics, see StatsFilter), process and thread. */
export interface RowFilter {
  /** True when the event [startNs, endNs] by process `pid` belongs in the report (GPU rows). */
  keep(startNs: number, endNs: number, pid: number): boolean;
  /** The same for a CPU-side row, which also has to be on the filter's thread when it names one. */
  keepCpu(startNs: number, endNs: number, pid: number, globalTid: number): boolean;
  /** False when the filter lets every row through (callers skip the per-row test). */
  active: boolean;
}

export function rowFilter(filter: StatsFilter | undefined): RowFilter {
  const t0 = filter?.t0Ns ?? -Infinity;
  const t1 = filter?.t1Ns ?? Infinity;
  if (t0 > t1) throw new RangeError(`Stats time window starts after it ends (t0Ns ${t0} > t1Ns ${t1}).`);
  const pids = filter?.pids === undefined ? undefined : new Set(filter.pids);
  const thread = filter?.globalTid;
  const timed = t0 !== -Infinity || t1 !== Infinity;
  const keep = (startNs: number, endNs: number, pid: number) => startNs < t1 && endNs >= t0 && (pids === undefined || pids.has(pid));
  return {
    active: timed || pids !== undefined || thread !== undefined,
    keep,
    keepCpu: (startNs, endNs, pid, globalTid) => keep(startNs, endNs, pid) && (thread === undefined || globalTid === thread),
  };
}

/**
 * The filter `nsys stats --filter-nvtx` applies for one NVTX range (nsys 2022.4–2025.3
 * nsysstats.filter_time_range): the range's [start, end) window; GPU rows of its process; and
 * CPU rows of its thread, or of its whole process when the range is on the process's main thread
 * (nsys tells push/pop from start/end ranges by pid != tid, so a main-thread push/pop range is
 * treated process-wide too — kept here for identical figures).
 */
export function nvtxRangeFilter(model: TraceModel, nvtxIndex: number): StatsFilter {
  const n = model.nvtx;
  if (!(nvtxIndex >= 0 && nvtxIndex < n.count)) throw new RangeError(`No NVTX event ${nvtxIndex} (the trace has ${n.count}).`);
  const g = n.globalTid[nvtxIndex];
  const pid = pidOf(g);
  return {
    t0Ns: n.startNs[nvtxIndex],
    t1Ns: n.endNs[nvtxIndex],
    pids: [pid],
    globalTid: pid !== tidOf(g) ? g : undefined,
  };
}

/**
 * The NVTX range `nsys stats --filter-nvtx NAME` picks: the earliest push/pop or start/end range
 * whose text, plus "@domain" for a named domain, equals NAME ("step 2", "cublasCreate_v2@cuBLAS").
 * Returns the NVTX row index, or -1 when no range has that name.
 */
export function findNvtxRange(model: TraceModel, name: string): number {
  const n = model.nvtx;
  let best = -1;
  for (let i = 0; i < n.count; i++) {
    if (n.style[i] === NvtxStyle.Mark) continue; // marks are not ranges
    const domain = n.domainId[i] !== 0 ? model.nvtxDomains.get(n.domainId[i]) : undefined;
    const full = (model.strings[n.nameId[i]] ?? '') + (domain !== undefined ? `@${domain}` : '');
    if (full === name && (best < 0 || n.startNs[i] < n.startNs[best])) best = i;
  }
  return best;
}
