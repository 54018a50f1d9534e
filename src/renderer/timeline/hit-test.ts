import { upperBoundOf } from '../../core/util/sorted-search';
import type { LaneKind, LodSlices, Ns } from '../../shared/bridge';
import { NVTX_DEPTH_PX, rowAtY, type LaidRow } from './layout';
import type { SliceRef } from './view-store';
import { RULER_HEIGHT_PX, type Viewport } from './viewport';

/** First k with arr[k] > v (arr sorted ascending). */
export const upperBound = upperBoundOf;

/**
 * Slice covering t (within tol) at a depth; the narrowest wins so small events under big ones stay
 * pickable. Looks back at most 4096 slices from the first one starting after t + tol: slices are
 * per-pixel merged (≤ ~2 per pixel), so that is far more than a screen holds.
 */
export function bestSliceAt(s: LodSlices, t: Ns, tol: number, depth: number): number {
  let best = -1;
  let bestDist = Infinity;
  const hi = upperBound(s.startNs.subarray(0, s.count), t + tol);
  for (let k = hi - 1, seen = 0; k >= 0 && seen < 4096; k--, seen++) {
    if (s.depth[k] !== depth) continue;
    if (s.endNs[k] + tol < t) continue;
    const dist = t < s.startNs[k] ? s.startNs[k] - t : t > s.endNs[k] ? t - s.endNs[k] : 0;
    if (dist < bestDist || (dist === bestDist && best >= 0 && s.endNs[k] - s.startNs[k] < s.endNs[best] - s.startNs[best])) {
      best = k;
      bestDist = dist;
    }
  }
  return best;
}

/**
 * The slice at canvas point (x, y): the row under y, the NVTX depth inside it, then the best slice
 * within 2 px of x over every track the row draws (a kernel row also holds graph executions; their
 * lane comes from `trackLane`). Null over the ruler, group rows, empty rows and gaps.
 */
export function sliceAt(
  rows: LaidRow[],
  slices: ReadonlyMap<string, LodSlices>,
  vp: Pick<Viewport, 'canvasToContentY' | 'xToTime' | 'nsPerPx'>,
  x: number,
  y: number,
  trackLane: ReadonlyMap<string, LaneKind> = new Map(),
): SliceRef | null {
  if (y < RULER_HEIGHT_PX) return null;
  const contentY = vp.canvasToContentY(y);
  const row = rowAtY(rows, contentY);
  if (!row || row.node.kind !== 'lane' || !row.node.lane) return null;
  const depth = row.node.lane === 'nvtx' || row.node.lane === 'nvtx-gpu' ? Math.floor((contentY - row.y - 1) / NVTX_DEPTH_PX) : 0;
  const t = vp.xToTime(x);
  const tol = 2 * vp.nsPerPx;
  let found: SliceRef | null = null;
  let foundDist = Infinity;
  for (const id of row.node.trackIds) {
    const s = slices.get(id);
    if (!s || s.count === 0) continue;
    const k = bestSliceAt(s, t, tol, depth);
    if (k < 0) continue;
    const dist = t < s.startNs[k] ? s.startNs[k] - t : t > s.endNs[k] ? t - s.endNs[k] : 0;
    if (dist >= foundDist) continue;
    foundDist = dist;
    found = {
      trackId: s.trackId,
      lane: trackLane.get(id) ?? row.node.lane,
      index: s.repIndex[k],
      eventCount: s.eventCount[k],
      busy: s.busy[k],
      mostlyNameId: s.mostlyNameId[k],
      mostlyNs: s.mostlyNs[k],
      startNs: s.startNs[k],
      endNs: s.endNs[k],
      nameId: s.nameId[k],
    };
  }
  return found;
}
