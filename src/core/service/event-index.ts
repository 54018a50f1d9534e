import type { LaneKind, TraceModel } from '../model/types';

/**
 * Which track holds each event (lane + table index → track ordinal). Tracks hold index lists;
 * the reverse map is built on first use (details, search) and kept per model.
 */
const cache = new WeakMap<TraceModel, Record<LaneKind, Int32Array>>();

export function trackOfEvent(model: TraceModel, lane: LaneKind, index: number): string {
  const ti = trackOrdinalOfEvent(model, lane, index);
  return ti >= 0 ? model.tracks[ti].id : '';
}

/** The position in model.tracks of the track holding an event; -1 when none does. */
export function trackOrdinalOfEvent(model: TraceModel, lane: LaneKind, index: number): number {
  let m = cache.get(model);
  if (!m) {
    m = {
      kernel: new Int32Array(model.kernels.count).fill(-1),
      graph: new Int32Array(model.graphExecs.count).fill(-1),
      memcpy: new Int32Array(model.memcpy.count).fill(-1),
      memset: new Int32Array(model.memset.count).fill(-1),
      'cuda-api': new Int32Array(model.api.count).fill(-1),
      nvtx: new Int32Array(model.nvtx.count).fill(-1),
      osrt: new Int32Array(model.osrt.count).fill(-1),
      sample: new Int32Array(model.samples.count).fill(-1),
      sched: new Int32Array(model.threadStates.count).fill(-1),
      'gpu-memory': new Int32Array(model.gpuMemory.count).fill(-1),
      'nvtx-gpu': new Int32Array(model.nvtxGpu.count).fill(-1),
    };
    model.tracks.forEach((t, ti) => {
      const arr = m![t.lane];
      for (const i of t.indices) arr[i] = ti;
    });
    cache.set(model, m);
  }
  return m[lane][index];
}
