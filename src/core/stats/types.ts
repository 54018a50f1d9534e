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
