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

/**
 * A map keyed by (pid, correlationId), exact for every pair. Packing both into one double
 * (`pid * 2^32 + id`) needs 22 + 32 bits: past pid 2,097,151 (Linux pid_max reaches 4,194,304) the
 * sum exceeds 2^53 and neighbouring ids collide, pairing a copy with another call. So one map of
 * ids per pid: as fast as one flat map when a trace has a handful of processes.
 */
export class CorrelationMap<V> {
  private readonly byPid = new Map<number, Map<number, V>>();

  get(pid: number, correlationId: number): V | undefined {
    return this.byPid.get(pid)?.get(correlationId);
  }

  set(pid: number, correlationId: number, value: V): void {
    let m = this.byPid.get(pid);
    if (!m) this.byPid.set(pid, (m = new Map()));
    m.set(correlationId, value);
  }

  get size(): number {
    let n = 0;
    for (const m of this.byPid.values()) n += m.size;
    return n;
  }
}

export function buildCorrelation(model: TraceModel): CorrelationIndex {
  const apiByKey = new CorrelationMap<number>();
  const { api, threads } = model;
  for (let i = 0; i < api.count; i++) {
    const c = api.correlationId[i];
    if (c === NULL_INT || c === 0) continue;
    apiByKey.set(threads[api.threadIndex[i]].pid, c, i);
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
      const a = apiByKey.get(t.pid[i], c);
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
