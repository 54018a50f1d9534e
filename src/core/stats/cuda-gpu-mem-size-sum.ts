import type { TraceModel } from '../model/types';
import { forEachMemOp } from './mem-ops';
import { compareUtf8, megabytes3 } from './numeric';
import { DurationGroups } from './time-summary';
import type { StatsFilter, StatsReport } from './types';

/**
 * cuda_gpu_mem_size_sum: bytes per memory operation. nsys's SQL leaves the statistics unrounded
 * in bytes; its formatter then prints them in MB (10^6 B) with three decimals ("33.554", "0.000").
 * Ordered by Total desc (ties by name, the GROUP BY key).
 */
export function cudaGpuMemSizeSum(model: TraceModel, filter?: StatsFilter): StatsReport {
  const groups = new DurationGroups<string>();
  forEachMemOp(model, filter, (name, _durationNs, bytes) => groups.add(name, bytes));
  const sums = groups.summaries();
  sums.sort((a, b) => b.summary.total - a.summary.total || compareUtf8(a.key, b.key));
  return {
    name: 'cuda_gpu_mem_size_sum',
    columns: ['Total (MB)', 'Count', 'Avg (MB)', 'Med (MB)', 'Min (MB)', 'Max (MB)', 'StdDev (MB)', 'Operation'],
    rows: sums.map(({ key, summary: s }) => [
      megabytes3(s.total),
      s.count,
      megabytes3(s.mean),
      megabytes3(s.median),
      megabytes3(s.min),
      megabytes3(s.max),
      megabytes3(s.stdev),
      key,
    ]),
  };
}
