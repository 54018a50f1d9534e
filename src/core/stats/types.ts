/**
 * A stats report as NVIDIA's `nsys stats --format csv` prints it: the same column headers, row
 * order and value formatting, so `toCsv(report)` is byte-comparable with their CSV.
 * Values are already formatted strings where nsys rounds (e.g. "3725117.6"), numbers otherwise.
 */
export interface StatsReport {
  name: StatsReportName;
  columns: string[];
  rows: (string | number)[][];
}

export const STATS_REPORT_NAMES = [
  'cuda_gpu_kern_sum',
  'cuda_gpu_mem_time_sum',
  'cuda_gpu_mem_size_sum',
  'nvtx_sum',
  'cuda_api_sum',
  'osrt_sum',
  'cuda_kern_exec_sum',
] as const;
export type StatsReportName = (typeof STATS_REPORT_NAMES)[number];

/**
 * Restricts a report to part of the trace. Time window: an event counts when it overlaps
 * [t0Ns, t1Ns) — nsys stats' own `--filter-time`/`--filter-nvtx` rule (its report views keep rows
 * with start in [t0, t1), or end in [t0, t1), or spanning the window, i.e. start < t1 && end >= t0)
 * — and is counted whole, not clipped, as nsys does. Processes: the pid of the process that owns the event.
 */
export interface StatsFilter {
  t0Ns?: number;
  t1Ns?: number;
  pids?: ReadonlySet<number> | readonly number[];
  /**
   * CPU-side rows (CUDA API, OSRT, NVTX) only from this thread (its globalTid); GPU rows are then
   * kept by `pids`. This is how nsys's --filter-nvtx narrows a push/pop range (see nvtxRangeFilter).
   */
  globalTid?: number;
}
