import type { Ns, Track, TraceModel } from '../model/types';
import { laneTable, lowerBoundStart } from './lanes';

/**
 * Indices (into the lane table) of the track's events overlapping [t0, t1], in start order.
 * Overlap, not containment: an event that started before t0 and ends inside counts. Found by binary
 * search from t0 - maxDurNs (the longest event of the track), so cost is O(log n + k).
 */
export function eventsInRange(model: TraceModel, track: Track, t0: Ns, t1: Ns): Int32Array {
  const { startNs, endNs } = laneTable(model, track.lane);
  const idx = track.indices;
  const from = lowerBoundStart(track, startNs, t0 - track.maxDurNs);
  const to = lowerBoundStart(track, startNs, t1 + 1);
  const out = new Int32Array(Math.max(0, to - from));
  let n = 0;
  for (let p = from; p < to; p++) {
    const i = idx[p];
    if (endNs[i] >= t0 && startNs[i] <= t1) out[n++] = i;
  }
  return n === out.length ? out : out.slice(0, n);
}

/** Indices of all events of a lane table (every track of that lane) overlapping [t0, t1], in start order. */
export function laneEventsInRange(model: TraceModel, lane: Track['lane'], t0: Ns, t1: Ns): Int32Array {
  const { startNs } = laneTable(model, lane);
  const parts = model.tracks.filter((t) => t.lane === lane).map((t) => eventsInRange(model, t, t0, t1));
  const total = parts.reduce((s, p) => s + p.length, 0);
  const out = new Int32Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  const arr = Array.from(out);
  arr.sort((a, b) => startNs[a] - startNs[b] || a - b);
  return Int32Array.from(arr);
}
