import type { TraceModel } from '../model/types';
import { rowFilter } from './filter';
import { kernelNameId, stringOf } from './kernel-name';
import { compareUtf8 } from './numeric';
import { DurationGroups, grandTotal, STAT_COLUMNS, TIME_COLUMNS, timeStatCells } from './time-summary';
import type { StatsFilter, StatsReport } from './types';

/**
 * cuda_gpu_kern_sum: GPU kernel durations per kernel name. Since nsys 2023 this report no longer
 * splits by grid/block (that moved to cuda_gpu_kern_gb_sum), so 2025.3 groups by name alone and
 * orders by Total Time desc, then Instances asc, then Name.
 */
export function cudaGpuKernSum(model: TraceModel, filter?: StatsFilter): StatsReport {
  const k = model.kernels;
  const f = rowFilter(filter);
  const groups = new DurationGroups<string>();
  for (let i = 0; i < k.count; i++) {
    if (f.active && !f.keep(k.startNs[i], k.endNs[i], k.pid[i])) continue;
    groups.add(stringOf(model, kernelNameId(model, i)), k.endNs[i] - k.startNs[i]);
  }
  const sums = groups.summaries();
  sums.sort((a, b) => b.summary.total - a.summary.total || a.summary.count - b.summary.count || compareUtf8(a.key, b.key));
  const grand = grandTotal(sums);
  return {
    name: 'cuda_gpu_kern_sum',
    columns: [...TIME_COLUMNS, 'Instances', ...STAT_COLUMNS, 'Name'],
    rows: sums.map((g) => [...timeStatCells(g.summary, grand), g.key]),
  };
}
