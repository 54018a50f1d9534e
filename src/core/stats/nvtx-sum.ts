import { NVTX_STYLE_NAMES, NvtxStyle, type TraceModel } from '../model/types';
import { rowFilter } from './filter';
import { stringOf } from './kernel-name';
import { compareUtf8 } from './numeric';
import { DurationGroups, grandTotal, STAT_COLUMNS, TIME_COLUMNS, timeStatCells } from './time-summary';
import type { StatsFilter, StatsReport } from './types';

/**
 * nvtx_sum: NVTX push/pop and start/end range durations per (range name, style); marks are not
 * ranges and are left out. nsys 2025.3 names a range "<domain>:<text>", the default domain being
 * the empty name — hence ":phase:model_init_cpu" beside "cuBLAS:cublasCreate_v2". nsys 2022.4
 * prints default-domain ranges bare ("step 3"); exports of that era (EXPORT_META_DATA) get its
 * naming, so each file reads as the nsys that made it would print it. Total Time desc; ties by
 * (name, style), the GROUP BY key.
 *
 * Unterminated ranges: nsys ends them at the latest NVTX timestamp; the model ends them at the last
 * event of any kind (none of the 2025.3 fixtures has one).
 */
export function nvtxSum(model: TraceModel, filter?: StatsFilter): StatsReport {
  const n = model.nvtx;
  const f = rowFilter(filter);
  const groups = new DurationGroups<string>();
  const keys = new Map<string, { name: string; style: string }>();
  const bareDefault = model.meta.metaTable === 'EXPORT_META_DATA';
  for (let i = 0; i < n.count; i++) {
    const style = n.style[i];
    if (style === NvtxStyle.Mark) continue;
    if (f.active && !f.keepCpu(n.startNs[i], n.endNs[i], model.threads[n.threadIndex[i]].pid, n.globalTid[i])) continue;
    const domain = n.domainId[i] !== 0 ? model.nvtxDomains.get(n.domainId[i]) : undefined;
    const text = stringOf(model, n.nameId[i]);
    const name = domain !== undefined ? `${domain}:${text}` : bareDefault ? text : `:${text}`;
    const key = `${style}\u0000${name}`;
    if (!keys.has(key)) keys.set(key, { name, style: NVTX_STYLE_NAMES[style] });
    groups.add(key, n.endNs[i] - n.startNs[i]);
  }
  const sums = groups.summaries().map((g) => ({ ...g, ...keys.get(g.key)! }));
  sums.sort((a, b) => b.summary.total - a.summary.total || compareUtf8(a.name, b.name) || compareUtf8(a.style, b.style));
  const grand = grandTotal(sums);
  return {
    name: 'nvtx_sum',
    columns: [...TIME_COLUMNS, 'Instances', ...STAT_COLUMNS, 'Style', 'Range'],
    rows: sums.map((g) => [...timeStatCells(g.summary, grand), g.style, g.name]),
  };
}
