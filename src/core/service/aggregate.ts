import type { Ns, Track, TraceModel } from '../model/types';
import { gpuBusy } from '../query/gpu-busy';
import { eventsInRange } from '../query/range';
import { laneTable } from '../query/lanes';
import { kernelCategory } from '../util/kernel-category';
import { displayName } from './names';
import type { AggregateRow, RangeBreakdown, RangeCategoryRow } from './types';

/**
 * Per (lane, name) statistics of the events overlapping [t0, t1] on the given tracks (all tracks
 * when none are given). Overlapping events count whole (their full duration), as the event list
 * of a selected range does in Nsight Systems; `inRangeNs` clips them to the range, so a 3.29 s NVTX
 * range around an 80 ms selection counts 80 ms there. Rows are sorted by total time, largest first.
 */
export function aggregateRange(model: TraceModel, tracks: Track[], t0: Ns, t1: Ns): AggregateRow[] {
  const rows = new Map<string, AggregateRow>();
  for (const track of tracks) {
    const { startNs, endNs } = laneTable(model, track.lane);
    for (const i of eventsInRange(model, track, t0, t1)) {
      const name = displayName(model, track.lane, i);
      const key = `${track.lane}\u0000${name}`;
      const d = endNs[i] - startNs[i];
      let r = rows.get(key);
      if (!r)
        rows.set(key, (r = { lane: track.lane, name, count: 0, totalNs: 0, inRangeNs: 0, avgNs: 0, minNs: Infinity, maxNs: -Infinity }));
      r.count++;
      r.totalNs += d;
      r.inRangeNs += Math.max(0, Math.min(endNs[i], t1) - Math.max(startNs[i], t0));
      if (d < r.minNs) r.minNs = d;
      if (d > r.maxNs) r.maxNs = d;
    }
  }
  const out = [...rows.values()];
  for (const r of out) r.avgNs = r.totalNs / r.count;
  out.sort((a, b) => b.totalNs - a.totalNs || a.name.localeCompare(b.name));
  return out;
}

/** Groups of the range panel's category counts, in display order. */
export const RANGE_CATEGORY_GROUPS = ['kernel', 'graph', 'memcpy', 'memset', 'cuda-api', 'nvtx', 'osrt'] as const;
export type RangeCategoryGroup = (typeof RANGE_CATEGORY_GROUPS)[number];

/**
 * What a range selection holds, by category: kernels by kernel category (core/util/kernel-category.ts),
 * copies by direction ("[CUDA memcpy Host-to-Device]"), memsets, graph executions, CUDA API calls,
 * NVTX ranges and OS runtime calls. Counts are of events overlapping [t0, t1] (as aggregateRange);
 * inRangeNs is their time clipped to the range, summed (not a union: two streams count twice).
 */
export function rangeCategories(model: TraceModel, t0: Ns, t1: Ns): RangeCategoryRow[] {
  const rows = new Map<string, RangeCategoryRow>();
  // Category per name id: the regex rules run once per distinct kernel name, not per kernel.
  const kernelCat = new Map<number, string>();
  for (const track of model.tracks) {
    const lane = track.lane;
    if (!(RANGE_CATEGORY_GROUPS as readonly string[]).includes(lane)) continue;
    const group = lane as RangeCategoryGroup;
    const { startNs, endNs } = laneTable(model, lane);
    for (const i of eventsInRange(model, track, t0, t1)) {
      let category: string;
      if (group === 'kernel') {
        const id = model.kernels.shortNameId[i];
        let c = kernelCat.get(id);
        if (c === undefined) kernelCat.set(id, (c = kernelCategory(displayName(model, 'kernel', i))));
        category = c;
      } else if (group === 'memcpy') category = displayName(model, 'memcpy', i);
      else category = group;
      const key = `${group}\u0000${category}`;
      let r = rows.get(key);
      if (!r) rows.set(key, (r = { group, category, count: 0, inRangeNs: 0 }));
      r.count++;
      r.inRangeNs += Math.max(0, Math.min(endNs[i], t1) - Math.max(startNs[i], t0));
    }
  }
  const order = (r: RangeCategoryRow) => RANGE_CATEGORY_GROUPS.indexOf(r.group);
  return [...rows.values()].sort((a, b) => order(a) - order(b) || b.inRangeNs - a.inRangeNs || a.category.localeCompare(b.category));
}

/** The range panel's header figures: GPU busy per GPU, process and stream, and counts per category. */
export function rangeBreakdown(model: TraceModel, t0: Ns, t1: Ns): RangeBreakdown {
  return { gpu: gpuBusy(model, t0, t1), categories: rangeCategories(model, t0, t1) };
}
