import type { TraceModel } from '../model/types';
import { cudaApiSum } from './cuda-api-sum';
import { cudaGpuKernSum } from './cuda-gpu-kern-sum';
import { cudaGpuMemSizeSum } from './cuda-gpu-mem-size-sum';
import { cudaGpuMemTimeSum } from './cuda-gpu-mem-time-sum';
import { cudaKernExecSum } from './cuda-kern-exec-sum';
import { nvtxSum } from './nvtx-sum';
import { osrtSum } from './osrt-sum';
import { STATS_REPORT_NAMES, type StatsFilter, type StatsReport, type StatsReportName } from './types';

const REPORTS: Record<StatsReportName, (model: TraceModel, filter?: StatsFilter) => StatsReport> = {
  cuda_gpu_kern_sum: cudaGpuKernSum,
  cuda_gpu_mem_time_sum: cudaGpuMemTimeSum,
  cuda_gpu_mem_size_sum: cudaGpuMemSizeSum,
  nvtx_sum: nvtxSum,
  cuda_api_sum: cudaApiSum,
  osrt_sum: osrtSum,
  cuda_kern_exec_sum: cudaKernExecSum,
};

/** nsys's display names, used as the heading of each report when several are printed. */
export const STATS_REPORT_TITLES: Record<StatsReportName, string> = {
  cuda_gpu_kern_sum: 'CUDA GPU Kernel Summary',
  cuda_gpu_mem_time_sum: 'CUDA GPU MemOps Summary (by Time)',
  cuda_gpu_mem_size_sum: 'CUDA GPU MemOps Summary (by Size)',
  nvtx_sum: 'NVTX Range Summary',
  cuda_api_sum: 'CUDA API Summary',
  osrt_sum: 'OS Runtime Summary',
  cuda_kern_exec_sum: 'CUDA Kernel Launch & Exec Time Summary',
};

export function isStatsReportName(name: string): name is StatsReportName {
  return (STATS_REPORT_NAMES as readonly string[]).includes(name);
}

/**
 * One `nsys stats` report computed from the model (not from SQL), so it also works on a subset:
 * `filter` restricts it to a time window and/or processes (see StatsFilter). A report with no
 * matching events has no rows (nsys prints nothing for it and says the data is missing).
 */
export function runStatsReport(model: TraceModel, name: StatsReportName, filter?: StatsFilter): StatsReport {
  const report = REPORTS[name];
  if (!report) throw new RangeError(`Unknown stats report "${String(name)}". Valid reports: ${STATS_REPORT_NAMES.join(', ')}.`);
  return report(model, filter);
}
