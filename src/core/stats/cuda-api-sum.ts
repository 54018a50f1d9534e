import type { TraceModel } from '../model/types';
import { rowFilter } from './filter';
import { stringOf } from './kernel-name';
import { apiDisplayName } from './numeric';
import { DurationGroups, grandTotal, STAT_COLUMNS, TIME_COLUMNS, timeStatCells } from './time-summary';
import type { StatsFilter, StatsReport } from './types';

/**
 * cuda_api_sum: CUDA runtime and driver API call durations (CUPTI_ACTIVITY_KIND_RUNTIME holds
 * both) per name. nsys groups by the StringIds id and orders by Total Time desc; equal totals stay
 * in id order (the model keeps StringIds ids), so ties break the same way.
 */
export function cudaApiSum(model: TraceModel, filter?: StatsFilter): StatsReport {
  const a = model.api;
  const f = rowFilter(filter);
  const groups = new DurationGroups<number>();
  for (let i = 0; i < a.count; i++) {
    if (f.active && !f.keepCpu(a.startNs[i], a.endNs[i], model.threads[a.threadIndex[i]].pid, a.globalTid[i])) continue;
    groups.add(a.nameId[i], a.endNs[i] - a.startNs[i]);
  }
  const sums = groups.summaries();
  sums.sort((x, y) => y.summary.total - x.summary.total || x.key - y.key);
  const grand = grandTotal(sums);
  return {
    name: 'cuda_api_sum',
    columns: [...TIME_COLUMNS, 'Num Calls', ...STAT_COLUMNS, 'Name'],
    rows: sums.map((g) => [...timeStatCells(g.summary, grand), apiDisplayName(stringOf(model, g.key))]),
  };
}
