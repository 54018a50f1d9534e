import { NULL_INT } from '../db/db';
import type { LaneKind, TraceModel } from './types';

/**
 * CUDA API call ↔ GPU work correlation. CUPTI correlation ids are unique per process only, so the
 * key is (pid, correlationId) — joining on correlationId alone pairs copies with the wrong process's
 * calls when several processes share a GPU (the multiproc trace). One API call may own several GPU
 * operations: a cudaGraphLaunch owns every kernel of the graph (cuda_graphs: 16 per launch), or,
 * traced at graph level (nsys's default), its one graph execution (graphs_default).
 */
export interface GpuRef {
  lane: Extract<LaneKind, 'kernel' | 'graph' | 'memcpy' | 'memset'>;
  index: number;
}

export interface CorrelationIndex {
  /** API row index for a GPU op, or -1. */
  apiOf(lane: GpuRef['lane'], index: number): number;
  /** GPU ops launched by an API row (empty array when none). */
  gpuOf(apiIndex: number): GpuRef[];
}

const key = (pid: number, corr: number) => pid * 4294967296 + corr;

export function buildCorrelation(model: TraceModel): CorrelationIndex {
  const apiByKey = new Map<number, number>();
  const { api, threads } = model;
  for (let i = 0; i < api.count; i++) {
    const c = api.correlationId[i];
    if (c === NULL_INT || c === 0) continue;
    apiByKey.set(key(threads[api.threadIndex[i]].pid, c), i);
  }
  const gpuByApi = new Map<number, GpuRef[]>();
  const apiOfLane: Record<GpuRef['lane'], Int32Array> = {
    kernel: new Int32Array(model.kernels.count).fill(-1),
    graph: new Int32Array(model.graphExecs.count).fill(-1),
    memcpy: new Int32Array(model.memcpy.count).fill(-1),
    memset: new Int32Array(model.memset.count).fill(-1),
  };
  const tables = { kernel: model.kernels, graph: model.graphExecs, memcpy: model.memcpy, memset: model.memset } as const;
  for (const lane of ['kernel', 'graph', 'memcpy', 'memset'] as const) {
    const t = tables[lane];
    for (let i = 0; i < t.count; i++) {
      const c = t.correlationId[i];
      if (c === NULL_INT) continue;
      const a = apiByKey.get(key(t.pid[i], c));
      if (a === undefined) continue;
      apiOfLane[lane][i] = a;
      let list = gpuByApi.get(a);
      if (!list) gpuByApi.set(a, (list = []));
      list.push({ lane, index: i });
    }
  }
  return {
    apiOf: (lane, index) => apiOfLane[lane][index] ?? -1,
    gpuOf: (apiIndex) => gpuByApi.get(apiIndex) ?? [],
  };
}
