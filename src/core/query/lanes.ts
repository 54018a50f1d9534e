import type { LaneKind, Track, TraceModel } from '../model/types';

/** The columns every lane table shares, for range queries and level of detail. */
export interface SpanColumns {
  startNs: Float64Array;
  endNs: Float64Array;
}

export function laneTable(model: TraceModel, lane: LaneKind): SpanColumns {
  switch (lane) {
    case 'kernel': return model.kernels;
    case 'graph': return model.graphExecs;
    case 'memcpy': return model.memcpy;
    case 'memset': return model.memset;
    case 'cuda-api': return model.api;
    case 'nvtx': return model.nvtx;
    case 'osrt': return model.osrt;
  }
}

/** Display name id (into model.strings) of an event of a lane; -1 when the lane has no name column. */
export function eventNameId(model: TraceModel, lane: LaneKind, i: number): number {
  switch (lane) {
    case 'kernel': return model.kernels.shortNameId[i];
    case 'cuda-api': return model.api.nameId[i];
    case 'nvtx': return model.nvtx.nameId[i];
    case 'osrt': return model.osrt.nameId[i];
    default: return -1;
  }
}

/** First position p in the track's sorted index list with start >= t. */
export function lowerBoundStart(track: Track, startNs: Float64Array, t: number): number {
  const idx = track.indices;
  let lo = 0;
  let hi = idx.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (startNs[idx[mid]] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
