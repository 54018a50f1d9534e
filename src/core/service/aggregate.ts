import type { Ns, Track, TraceModel } from '../model/types';
import { eventsInRange } from '../query/range';
import { laneTable } from '../query/lanes';
import { displayName } from './names';
import type { AggregateRow } from './types';

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
