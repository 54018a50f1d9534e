import type { TraceModel } from '../model/types';
import { rowFilter } from './filter';
import { stringOf } from './kernel-name';
import { DurationGroups, grandTotal, STAT_COLUMNS, TIME_COLUMNS, timeStatCells } from './time-summary';
import type { StatsFilter, StatsReport, StatsReportName } from './types';

/** A CPU-side call table of the model: CUDA API calls or OS runtime calls. */
interface CallTable {
  count: number;
  startNs: Float64Array;
  endNs: Float64Array;
  globalTid: Float64Array;
  threadIndex: Int32Array;
  nameId: Int32Array;
}

/**
 * The shape cuda_api_sum and osrt_sum share: call durations grouped by the StringIds id of the
 * name, ordered by Total Time desc; equal totals keep id order, as nsys's GROUP BY nameId leaves
 * them (the model keeps StringIds ids, so ties break the same way).
 */
export function cpuCallSum(
  model: TraceModel,
  calls: CallTable,
  name: StatsReportName,
  displayName: (raw: string) => string,
  filter?: StatsFilter,
): StatsReport {
  const f = rowFilter(filter);
  const groups = new DurationGroups<number>();
  for (let i = 0; i < calls.count; i++) {
    if (f.active && !f.keepCpu(calls.startNs[i], calls.endNs[i], model.threads[calls.threadIndex[i]].pid, calls.globalTid[i])) continue;
    groups.add(calls.nameId[i], calls.endNs[i] - calls.startNs[i]);
  }
  const sums = groups.summaries();
  sums.sort((x, y) => y.summary.total - x.summary.total || x.key - y.key);
  const grand = grandTotal(sums);
  return {
    name,
    columns: [...TIME_COLUMNS, 'Num Calls', ...STAT_COLUMNS, 'Name'],
    rows: sums.map((g) => [...timeStatCells(g.summary, grand), displayName(stringOf(model, g.key))]),
  };
}
