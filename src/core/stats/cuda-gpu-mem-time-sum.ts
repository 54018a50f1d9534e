import type { TraceModel } from '../model/types';
import { forEachMemOp } from './mem-ops';
import { compareUtf8 } from './numeric';
import { DurationGroups, grandTotal, STAT_COLUMNS, TIME_COLUMNS, timeStatCells } from './time-summary';
import type { StatsFilter, StatsReport } from './types';

/** cuda_gpu_mem_time_sum: memcpy/memset durations per operation, Total Time desc (ties by name, the GROUP BY key). */
export function cudaGpuMemTimeSum(model: TraceModel, filter?: StatsFilter): StatsReport {
  const groups = new DurationGroups<string>();
  forEachMemOp(model, filter, (name, durationNs) => groups.add(name, durationNs));
  const sums = groups.summaries();
  sums.sort((a, b) => b.summary.total - a.summary.total || compareUtf8(a.key, b.key));
  const grand = grandTotal(sums);
  return {
    name: 'cuda_gpu_mem_time_sum',
    columns: [...TIME_COLUMNS, 'Count', ...STAT_COLUMNS, 'Operation'],
    rows: sums.map((g) => [...timeStatCells(g.summary, grand), g.key]),
  };
}
