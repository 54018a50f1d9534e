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
  /** apiOf for a whole lane: row i of the lane's table → API row or -1 (read-only; for hot loops). */
  apiRows(lane: GpuRef['lane']): Int32Array;
  /**
   * gpuOf as columns (read-only; for hot loops): the ops of API row a are opLane/opIndex[k] for
   * k in opStart[a] .. opStart[a + 1] - 1, opLane indexing CORRELATED_LANES.
   */
  ops: { opStart: Int32Array; opLane: Uint8Array; opIndex: Int32Array };
}

/** Lane of each opLane value in CorrelationIndex.ops. */
export const CORRELATED_LANES = ['kernel', 'graph', 'memcpy', 'memset'] as const;

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

/** One index per model: the model never changes after it is built, and summary, steps, idle
 * attribution, NCCL skew, NVTX projection and exports all ask for it (each used to build its own:
 * 4 s of a 30 s summary of the 1.5M-event many_kernels trace). */
const correlationCache = new WeakMap<TraceModel, CorrelationIndex>();

export function buildCorrelation(model: TraceModel): CorrelationIndex {
  let index = correlationCache.get(model);
  if (!index) correlationCache.set(model, (index = buildCorrelationIndex(model)));
  return index;
}

/**
 * correlationId → API row, per process. CUPTI hands out correlation ids from a counter per process,
 * so within a pid they are dense: a typed array indexed by id costs 4 bytes per id and no hashing.
 * It is used only while that costs no more than the sorted form below (ids up to twice the calls):
 * many_kernels' calls take every 5th id (1M calls, ids to 5.5M), and indexing those by id held
 * 22 MB, 132 MB at ×6 and 440 MB at ×20 (issue 15). Other processes keep their (id, row) pairs
 * sorted by id, 8 bytes a call, looked up by binary search from the last hit (GPU rows come
 * mostly in correlation order, so most lookups are the next pair).
 */
class ApiByCorrelation {
  private readonly dense = new Map<number, Int32Array>();
  /** Per process not in `dense`: its pairs' range [from, to) in sortedIds/sortedRows. */
  private readonly ranges = new Map<number, { from: number; to: number }>();
  private readonly sortedIds: Int32Array;
  private readonly sortedRows: Int32Array;

  /**
   * Takes `ids` and `rows` over (their first n entries are reordered and kept); a call's process is
   * pidOfRow(its row), asked each time rather than stored (4 bytes a call fewer while building).
   */
  constructor(pidOfRow: (row: number) => number, ids: Int32Array, rows: Int32Array, n: number) {
    // Calls come in runs of one process: look the pid up once per run, not once per call.
    const maxByPid = new Map<number, { max: number; min: number; count: number }>();
    let runPid = NaN;
    let run: { max: number; min: number; count: number } | undefined;
    for (let k = 0; k < n; k++) {
      const pid = pidOfRow(rows[k]);
      if (pid !== runPid) {
        runPid = pid;
        run = maxByPid.get(runPid);
        if (!run) maxByPid.set(runPid, (run = { max: ids[k], min: ids[k], count: 0 }));
      }
      run!.count++;
      if (ids[k] > run!.max) run!.max = ids[k];
      if (ids[k] < run!.min) run!.min = ids[k];
    }
    for (const [pid, e] of maxByPid) {
      if (e.min >= 0 && e.max <= 2 * e.count + 4096) this.dense.set(pid, new Int32Array(e.max + 1).fill(-1));
    }
    // Dense processes fill their tables; the other pairs are packed to the front of ids/rows.
    runPid = NaN;
    let table: Int32Array | undefined;
    let m = 0;
    let sorted = true;
    let lastPid = NaN;
    let lastId = 0;
    for (let k = 0; k < n; k++) {
      const pid = pidOfRow(rows[k]);
      if (pid !== runPid) {
        runPid = pid;
        table = this.dense.get(runPid);
      }
      if (table) {
        table[ids[k]] = rows[k];
        continue;
      }
      if (m > 0 && (pid < lastPid || (pid === lastPid && ids[k] < lastId))) sorted = false;
      lastPid = pid;
      lastId = ids[k];
      ids[m] = ids[k];
      rows[m++] = rows[k];
    }
    if (!sorted) {
      // A stable sort, so that of two calls with one id the later wins, as in the dense table.
      const order = new Uint32Array(m);
      for (let k = 0; k < m; k++) order[k] = k;
      order.sort((a, b) => pidOfRow(rows[a]) - pidOfRow(rows[b]) || ids[a] - ids[b] || a - b);
      const i = Int32Array.from(order, (k) => ids[k]);
      const r = Int32Array.from(order, (k) => rows[k]);
      ids.set(i);
      rows.set(r);
    }
    for (let k = 0; k < m;) {
      const pid = pidOfRow(rows[k]);
      let j = k + 1;
      while (j < m && pidOfRow(rows[j]) === pid) j++;
      this.ranges.set(pid, { from: k, to: j });
      k = j;
    }
    // Views, not copies: internal, and a copy would hold both at once.
    this.sortedIds = ids.subarray(0, m);
    this.sortedRows = rows.subarray(0, m);
  }

  private lastPid = NaN;
  private lastTable: Int32Array | undefined;
  private lastRange: { from: number; to: number } | undefined;
  /** Position of the last pair found. */
  private hint = 0;

  get(pid: number, id: number): number {
    // Rows come in runs of one process: remember the last pid's table.
    if (pid !== this.lastPid) {
      this.lastPid = pid;
      this.lastTable = this.dense.get(pid);
      this.lastRange = this.ranges.get(pid);
    }
    const table = this.lastTable;
    if (table) return id >= 0 && id < table.length ? table[id] : -1;
    const range = this.lastRange;
    if (!range) return -1;
    const ids = this.sortedIds;
    const { from, to } = range;
    // The last pair with this id (a repeated id: the later call, as the dense table keeps): the
    // first position past it, galloped to from the last lookup's, since GPU rows come mostly in
    // correlation order a few pairs apart (many_kernels: the calls between two launches have ids
    // too), so a plain binary search per row was ~60% of building this index (issue 15).
    let h = this.hint;
    if (h < from || h >= to) h = from;
    let lo: number;
    let hi: number;
    if (ids[h] <= id) {
      lo = h + 1;
      hi = lo;
      let step = 1;
      while (hi < to && ids[hi] <= id) {
        lo = hi + 1;
        hi += step;
        step *= 2;
      }
      if (hi > to) hi = to;
    } else {
      lo = from;
      hi = h;
    }
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ids[mid] <= id) lo = mid + 1;
      else hi = mid;
    }
    const at = lo - 1;
    this.hint = at >= from ? at : from;
    if (at < from || ids[at] !== id) return -1;
    return this.sortedRows[at];
  }
}

function buildCorrelationIndex(model: TraceModel): CorrelationIndex {
  const { api, threads } = model;
  const pidOfThread = Int32Array.from(threads, (t) => t.pid);
  const ids = new Int32Array(api.count);
  const rows = new Int32Array(api.count);
  let n = 0;
  for (let i = 0; i < api.count; i++) {
    const c = api.correlationId[i];
    if (c === NULL_INT || c === 0) continue;
    ids[n] = c;
    rows[n++] = i;
  }
  const threadIndex = api.threadIndex;
  const apiByKey = new ApiByCorrelation((row) => pidOfThread[threadIndex[row]], ids, rows, n);
  const apiOfLane: Record<GpuRef['lane'], Int32Array> = {
    kernel: new Int32Array(model.kernels.count).fill(-1),
    graph: new Int32Array(model.graphExecs.count).fill(-1),
    memcpy: new Int32Array(model.memcpy.count).fill(-1),
    memset: new Int32Array(model.memset.count).fill(-1),
  };
  const tables = { kernel: model.kernels, graph: model.graphExecs, memcpy: model.memcpy, memset: model.memset } as const;
  const LANES = CORRELATED_LANES;
  // GPU ops per API row as one CSR list (offsets + lane/index arrays) instead of an array of
  // objects per call: 500k kernels made 500k small objects for the collector to walk.
  const perApi = new Int32Array(api.count + 1);
  for (const lane of LANES) {
    const t = tables[lane];
    const out = apiOfLane[lane];
    // Columns read once: the four tables differ in shape, so t.x in the loop is a megamorphic load.
    const corr = t.correlationId;
    const pids = t.pid;
    for (let i = 0; i < t.count; i++) {
      const c = corr[i];
      if (c === NULL_INT) continue;
      const a = apiByKey.get(pids[i], c);
      if (a < 0) continue;
      out[i] = a;
      perApi[a + 1]++;
    }
  }
  // perApi[a + 1] becomes row a's first slot and is advanced as its ops are placed, ending at its
  // last slot + 1, which is row a + 1's first: the offsets without a second array of API rows'
  // length (24 MB at 6M calls, issue 15).
  let total = 0;
  for (let a = 0; a < api.count; a++) {
    const c = perApi[a + 1];
    perApi[a + 1] = total;
    total += c;
  }
  const opLane = new Uint8Array(total);
  const opIndex = new Int32Array(total);
  LANES.forEach((lane, l) => {
    const out = apiOfLane[lane];
    for (let i = 0; i < out.length; i++) {
      const a = out[i];
      if (a < 0) continue;
      const slot = perApi[a + 1]++;
      opLane[slot] = l;
      opIndex[slot] = i;
    }
  });
  return {
    apiOf: (lane, index) => apiOfLane[lane][index] ?? -1,
    gpuOf: (apiIndex) => {
      if (apiIndex < 0 || apiIndex >= api.count) return [];
      const refs: GpuRef[] = [];
      for (let s = perApi[apiIndex]; s < perApi[apiIndex + 1]; s++) refs.push({ lane: LANES[opLane[s]], index: opIndex[s] });
      return refs;
    },
    apiRows: (lane) => apiOfLane[lane],
    ops: { opStart: perApi, opLane, opIndex },
  };
}
