import type { TraceModel } from '../model/types';
import { rowFilter } from './filter';
import { stringOf } from './kernel-name';
import { DurationGroups, grandTotal, STAT_COLUMNS, TIME_COLUMNS, timeStatCells } from './time-summary';
import type { StatsFilter, StatsReport } from './types';

/**
 * osrt_sum: OS runtime call durations per function name. nsys's SQL keeps eventClass 27 (OS
 * runtime calls) only; the model already drops the zero-length OSRT start/finish markers that
 * nsys 2025.3 writes beside them (see readOsrt), so every OSRT row here counts.
 * Ties in Total Time keep StringIds id order, as nsys's GROUP BY nameId leaves them.
 */
export function osrtSum(model: TraceModel, filter?: StatsFilter): StatsReport {
  const o = model.osrt;
  const f = rowFilter(filter);
  const groups = new DurationGroups<number>();
  for (let i = 0; i < o.count; i++) {
    if (f.active && !f.keepCpu(o.startNs[i], o.endNs[i], model.threads[o.threadIndex[i]].pid, o.globalTid[i])) continue;
    groups.add(o.nameId[i], o.endNs[i] - o.startNs[i]);
  }
  const sums = groups.summaries();
  sums.sort((x, y) => y.summary.total - x.summary.total || x.key - y.key);
  const grand = grandTotal(sums);
  return {
    name: 'osrt_sum',
    columns: [...TIME_COLUMNS, 'Num Calls', ...STAT_COLUMNS, 'Name'],
    rows: sums.map((g) => [...timeStatCells(g.summary, grand), stringOf(model, g.key)]),
  };
}
