import type { LaneKind, Track, TraceModel } from '../model/types';
import { lowerBound } from '../util/sorted-search';

/** The columns every lane table shares, for range queries and level of detail. */
export interface SpanColumns {
  startNs: Float64Array;
  endNs: Float64Array;
}

export function laneTable(model: TraceModel, lane: LaneKind): SpanColumns {
  switch (lane) {
    case 'kernel':
      return model.kernels;
    case 'graph':
      return model.graphExecs;
    case 'memcpy':
      return model.memcpy;
    case 'memset':
      return model.memset;
    case 'cuda-api':
      return model.api;
    case 'nvtx':
      return model.nvtx;
    case 'osrt':
      return model.osrt;
    case 'sample':
      return model.samples;
    case 'sched':
      return model.threadStates;
    case 'gpu-memory':
      return model.gpuMemory;
    case 'nvtx-gpu':
      return model.nvtxGpu;
  }
}

/** Display name id (into model.strings) of an event of a lane; -1 when the lane has no name column. */
export function eventNameId(model: TraceModel, lane: LaneKind, i: number): number {
  switch (lane) {
    case 'kernel':
      return model.kernels.shortNameId[i];
    case 'cuda-api':
      return model.api.nameId[i];
    case 'nvtx':
      return model.nvtx.nameId[i];
    case 'nvtx-gpu':
      return model.nvtxGpu.nameId[i];
    case 'osrt':
      return model.osrt.nameId[i];
    case 'sample':
      return model.samples.nameId[i];
    // No name column: copies, memsets and graph executions are named by core/service/names.ts;
    // thread states and memory levels carry no name.
    case 'memcpy':
    case 'memset':
    case 'graph':
    case 'sched':
    case 'gpu-memory':
      return -1;
  }
}

/** First position p in the track's sorted index list with start >= t. */
export function lowerBoundStart(track: Track, startNs: Float64Array, t: number): number {
  const idx = track.indices;
  return lowerBound(idx.length, (p) => startNs[idx[p]], t);
}
