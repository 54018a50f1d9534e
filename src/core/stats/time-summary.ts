import { percent1, round1, summarize, type Summary } from './numeric';

/**
 * The shape shared by the "…_sum" time reports (cuda_gpu_kern_sum, cuda_api_sum, osrt_sum,
 * cuda_gpu_mem_time_sum, nvtx_sum): groups of durations, each row
 * Time (%), Total Time, count, Avg, Med, Min, Max, StdDev, then the report's name columns.
 */
export const TIME_COLUMNS = ['Time (%)', 'Total Time (ns)'] as const;
export const STAT_COLUMNS = ['Avg (ns)', 'Med (ns)', 'Min (ns)', 'Max (ns)', 'StdDev (ns)'] as const;

/** Collects durations per group key, in first-seen order. */
export class DurationGroups<K> {
  private readonly byKey = new Map<K, number[]>();

  add(key: K, durationNs: number): void {
    let list = this.byKey.get(key);
    if (!list) this.byKey.set(key, (list = []));
    list.push(durationNs);
  }

  summaries(): { key: K; summary: Summary }[] {
    return [...this.byKey].map(([key, values]) => ({ key, summary: summarize(values) }));
  }
}

/** Sum of group totals: the 100% of the "Time (%)" column (the listed rows, not the wall time). */
export function grandTotal(groups: { summary: Summary }[]): number {
  let t = 0;
  for (const g of groups) t += g.summary.total;
  return t;
}

/** Time (%), Total Time, count, Avg, Med, Min, Max, StdDev — formatted as nsys prints them. */
export function timeStatCells(s: Summary, grand: number): (string | number)[] {
  return [percent1(s.total, grand), s.total, s.count, round1(s.mean), round1(s.median), s.min, s.max, round1(s.stdev)];
}
