import type { StatsFilter } from './types';

/** Row predicate for one table: time overlap (nsys semantics, see StatsFilter) and process set. */
export interface RowFilter {
  /** True when the event [startNs, endNs] by process `pid` belongs in the report. */
  keep(startNs: number, endNs: number, pid: number): boolean;
  /** False when the filter lets every row through (callers skip the per-row test). */
  active: boolean;
}

export function rowFilter(filter: StatsFilter | undefined): RowFilter {
  const t0 = filter?.t0Ns ?? -Infinity;
  const t1 = filter?.t1Ns ?? Infinity;
  if (t0 > t1) throw new RangeError(`Stats time window starts after it ends (t0Ns ${t0} > t1Ns ${t1}).`);
  const pids = filter?.pids === undefined ? undefined : new Set(filter.pids);
  const timed = t0 !== -Infinity || t1 !== Infinity;
  return {
    active: timed || pids !== undefined,
    keep: (startNs, endNs, pid) => startNs < t1 && endNs >= t0 && (pids === undefined || pids.has(pid)),
  };
}
