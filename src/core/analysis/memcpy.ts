import { NULL_INT } from '../db/db';
import { CorrelationMap, type CorrelationIndex } from '../model/correlation';
import type { EnumTable, Ns, TraceModel } from '../model/types';
import { enumLabel as enumLabelOf } from '../model/enum-label';
import { lowerBound } from '../util/sorted-search';
import { StringInterner } from '../util/string-interner';

/**
 * Memory operation analysis: every memcpy and memset with the CUDA API call that issued it, its
 * GPU timing, bandwidth, latency and the kernels around it. The seed scripts our users ran got
 * three things wrong that this module does differently:
 *  - the API call is found by (pid, correlationId), the key of buildCorrelation; correlation ids
 *    are per process, so correlationId alone pairs copies with another process's calls;
 *  - direction and memory kind labels come from the file's own ENUM_CUDA_MEMCPY_OPER and
 *    ENUM_CUDA_MEM_KIND tables (model.enums), not a hard-coded table (theirs called pinned memory
 *    "Pageable" and pageable "Unknown");
 *  - times stay in ns since session start, the same clock as every other view.
 *
 * Output is columnar (one typed array per column, labels as ids into `labels`) so a panel can sort
 * and draw 10k rows without materialising 10k objects.
 */

/** Which table a row came from. */
export const OP_MEMCPY = 0;
export const OP_MEMSET = 1;

export interface MemOpTable {
  count: number;
  /** OP_MEMCPY or OP_MEMSET. */
  op: Uint8Array;
  /** Row in model.memcpy or model.memset (by `op`). */
  index: Int32Array;
  pid: Int32Array;
  deviceId: Int32Array;
  streamId: Int32Array;
  correlationId: Int32Array;
  gpuStartNs: Float64Array;
  gpuEndNs: Float64Array;
  /** GPU (DMA engine) duration: gpuEnd − gpuStart. */
  dmaNs: Float64Array;
  bytes: Float64Array;
  /** Decimal GB/s (bytes / ns); 0 when the op took 0 ns. */
  gbps: Float64Array;
  /** ENUM_CUDA_MEMCPY_OPER id (NULL_INT for memsets). */
  copyKind: Int32Array;
  /** ENUM_CUDA_MEM_KIND ids; memsets have only a destination kind (src is NULL_INT). */
  srcKind: Int32Array;
  dstKind: Int32Array;
  /** Ids into `labels`. Direction is the file's copy-kind label ("Host-to-Device"), or "Memset". */
  directionLabel: Int32Array;
  srcLabel: Int32Array;
  dstLabel: Int32Array;
  /** The issuing CUDA API call: row in model.api, -1 when not found (API not traced). */
  apiIndex: Int32Array;
  /** Id into model.strings of the API name, -1 when none. */
  apiNameId: Int32Array;
  /** Index into model.threads of the calling thread, -1 when none. */
  threadIndex: Int32Array;
  /** API call start/end; NaN when there is no API call. */
  cpuStartNs: Float64Array;
  cpuEndNs: Float64Array;
  /** API duration (cpuEnd − cpuStart); NaN without API. */
  apiNs: Float64Array;
  /** Launch latency gpuStart − cpuStart, clamped at 0; NaN without API. */
  launchNs: Float64Array;
  /** cpuEnd − gpuEnd, clamped at 0: how long the call waited after the copy finished; NaN without API. */
  syncWaitNs: Float64Array;
  /** max(cpu wall, gpuEnd − cpuStart): the copy as the calling thread experiences it; NaN without API. */
  e2eNs: Float64Array;
  /**
   * Kernels around the op (rows in model.kernels, -1 when none). "Before" is, among kernels that
   * started before the op, the one that ended last; "after" is the first kernel that started at or
   * after the op's start. On one stream (where work is serialised) this is exactly the seed's
   * "nearest kernel before/after on the same stream, kernels and copies merged in start order".
   * The search covers the whole trace, not just the window, so the first copy of a window still
   * gets the kernel before it.
   */
  prevKernelDevice: Int32Array;
  nextKernelDevice: Int32Array;
  prevKernelStream: Int32Array;
  nextKernelStream: Int32Array;
  /** Label strings (directions, memory kinds). */
  labels: string[];
}

export interface MemOpOptions {
  /** Only ops overlapping [t0Ns, t1Ns] (ns since session start). */
  t0Ns?: Ns;
  t1Ns?: Ns;
  /**
   * Reuse a correlation index (the service caches one per trace). Without one, only the selected
   * ops' calls are looked up (one pass over the API table): building the whole index costs ~0.8 s
   * on a 1M-call trace, far more than a window's worth of copies needs.
   */
  correlation?: CorrelationIndex;
  /**
   * false: leave the prev/next kernel columns at -1 and build no kernel order. The summary reads only
   * sizes, times and directions; the per-stream orders cost 4 bytes per kernel each (12 MB at 3M
   * kernels, issue 15's ×6 memory budget) for columns only the memcpy panel and CSV export show.
   */
  neighbours?: boolean;
}

export const MEMSET_LABEL = 'Memset';
/** Label of a memory kind when the op has none (memset source) or the column was NULL. */
export const NO_KIND_LABEL = '-';

/** Label of an enum id from the file's table ("-" when NULL); ids the file does not list say so with their number. */
export function enumLabel(table: EnumTable, id: number): string {
  return enumLabelOf(table, id, NO_KIND_LABEL);
}

/**
 * Kernel index lists sorted by start, by device and by (device, pid, stream), with prefix arg-max
 * of end. Starts are read through `idx` (no copy), and a device with one kernel track shares that
 * track's order: at ×6 many_kernels (3M kernels on one stream) the copies were 84 MB (issue 15).
 */
interface KernelOrder {
  idx: Int32Array;
  /** prevMax[p]: kernel among idx[0..p] with the latest end. */
  prevMax: Int32Array;
}
interface KernelIndex {
  byDevice: Map<number, KernelOrder>;
  byStream: Map<string, KernelOrder>;
}
const kernelIndexCache = new WeakMap<TraceModel, KernelIndex>();

const streamKey = (dev: number, pid: number, stream: number) => `${dev}/${pid}/${stream}`;

function makeOrder(model: TraceModel, idx: Int32Array): KernelOrder {
  const { endNs } = model.kernels;
  const prevMax = new Int32Array(idx.length);
  let best = -1;
  for (let p = 0; p < idx.length; p++) {
    const i = idx[p];
    if (best < 0 || endNs[i] >= endNs[best]) best = i;
    prevMax[p] = best;
  }
  return { idx, prevMax };
}

function kernelIndex(model: TraceModel): KernelIndex {
  const cached = kernelIndexCache.get(model);
  if (cached) return cached;
  const byStream = new Map<string, KernelOrder>();
  const perDevice = new Map<number, Int32Array[]>();
  const onlyOrder = new Map<number, KernelOrder>();
  // Kernel tracks are already sorted by start per gpu/<dev>/<pid>/<stream>.
  for (const t of model.tracks) {
    if (t.lane !== 'kernel' || t.deviceId === undefined) continue;
    const order = makeOrder(model, t.indices);
    byStream.set(streamKey(t.deviceId, t.pid ?? NULL_INT, t.streamId ?? NULL_INT), order);
    let parts = perDevice.get(t.deviceId);
    if (!parts) perDevice.set(t.deviceId, (parts = []));
    parts.push(t.indices);
    onlyOrder.set(t.deviceId, order);
  }
  const byDevice = new Map<number, KernelOrder>();
  const { startNs } = model.kernels;
  for (const [dev, parts] of perDevice) {
    // One track: the device's order is the track's (the sort below is for several).
    const only = onlyOrder.get(dev);
    if (parts.length === 1 && only) {
      byDevice.set(dev, only);
      continue;
    }
    const all = new Int32Array(parts.reduce((s, p) => s + p.length, 0));
    let o = 0;
    for (const p of parts) {
      all.set(p, o);
      o += p.length;
    }
    const sorted = parts.length === 1 ? all : Int32Array.from(Array.from(all).sort((a, b) => startNs[a] - startNs[b] || a - b));
    byDevice.set(dev, makeOrder(model, sorted));
  }
  const ki = { byDevice, byStream };
  kernelIndexCache.set(model, ki);
  return ki;
}

function neighbours(model: TraceModel, order: KernelOrder | undefined, t: Ns): [number, number] {
  if (!order) return [-1, -1];
  // First position whose kernel starts at or after t.
  const { idx } = order;
  const { startNs } = model.kernels;
  const p = lowerBound(idx.length, (q) => startNs[idx[q]], t);
  return [p > 0 ? order.prevMax[p - 1] : -1, p < order.idx.length ? order.idx[p] : -1];
}

/** Memcpy and memset rows overlapping the window, as (op, index) pairs in GPU start order. */
function selectOps(model: TraceModel, t0: Ns, t1: Ns): { op: Uint8Array; index: Int32Array } {
  const { memcpy: mc, memset: ms } = model;
  const rows: number[] = [];
  // Encode (op, index) in one number: index * 2 + op.
  for (let i = 0; i < mc.count; i++) if (mc.endNs[i] >= t0 && mc.startNs[i] <= t1) rows.push(i * 2 + OP_MEMCPY);
  for (let i = 0; i < ms.count; i++) if (ms.endNs[i] >= t0 && ms.startNs[i] <= t1) rows.push(i * 2 + OP_MEMSET);
  const start = (r: number) => ((r & 1) === OP_MEMCPY ? mc.startNs[r >>> 1] : ms.startNs[r >>> 1]);
  rows.sort((a, b) => start(a) - start(b) || a - b);
  const op = new Uint8Array(rows.length);
  const index = new Int32Array(rows.length);
  for (let k = 0; k < rows.length; k++) {
    op[k] = rows[k] & 1;
    index[k] = rows[k] >>> 1;
  }
  return { op, index };
}

function viaIndex(corr: CorrelationIndex, op: Uint8Array, index: Int32Array): Int32Array {
  return Int32Array.from(op, (o, k) => corr.apiOf(o === OP_MEMSET ? 'memset' : 'memcpy', index[k]));
}

/**
 * API row of each selected op by (pid, correlationId) — the same key as buildCorrelation (CUPTI
 * correlation ids are unique per process only), restricted to the keys the ops need.
 */
function lookupApi(model: TraceModel, op: Uint8Array, index: Int32Array): Int32Array {
  const out = new Int32Array(op.length).fill(-1);
  const want = new CorrelationMap<number[]>();
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < op.length; k++) {
    const t = op[k] === OP_MEMSET ? model.memset : model.memcpy;
    const c = t.correlationId[index[k]];
    if (c === NULL_INT) continue;
    const pid = t.pid[index[k]];
    const list = want.get(pid, c);
    if (list) list.push(k);
    else want.set(pid, c, [k]);
    if (c < lo) lo = c;
    if (c > hi) hi = c;
  }
  if (!want.size) return out;
  const { api, threads } = model;
  const pidOfThread = Int32Array.from(threads, (t) => t.pid);
  for (let i = 0; i < api.count; i++) {
    const c = api.correlationId[i];
    if (c < lo || c > hi) continue;
    const list = want.get(pidOfThread[api.threadIndex[i]], c);
    // Later rows win, as in buildCorrelation.
    if (list) for (const k of list) out[k] = i;
  }
  return out;
}

export function analyzeMemOps(model: TraceModel, opts: MemOpOptions = {}): MemOpTable {
  const t0 = opts.t0Ns ?? -Infinity;
  const t1 = opts.t1Ns ?? Infinity;
  const ki = opts.neighbours === false ? null : kernelIndex(model);
  const { op, index } = selectOps(model, t0, t1);
  const n = op.length;
  const apiOf = opts.correlation ? viaIndex(opts.correlation, op, index) : lookupApi(model, op, index);
  const labelTable = new StringInterner();
  const labels = labelTable.strings;
  const labelId = (s: string) => labelTable.intern(s);

  const t: MemOpTable = {
    count: n,
    op,
    index,
    pid: new Int32Array(n),
    deviceId: new Int32Array(n),
    streamId: new Int32Array(n),
    correlationId: new Int32Array(n),
    gpuStartNs: new Float64Array(n),
    gpuEndNs: new Float64Array(n),
    dmaNs: new Float64Array(n),
    bytes: new Float64Array(n),
    gbps: new Float64Array(n),
    copyKind: new Int32Array(n),
    srcKind: new Int32Array(n),
    dstKind: new Int32Array(n),
    directionLabel: new Int32Array(n),
    srcLabel: new Int32Array(n),
    dstLabel: new Int32Array(n),
    apiIndex: new Int32Array(n),
    apiNameId: new Int32Array(n),
    threadIndex: new Int32Array(n),
    cpuStartNs: new Float64Array(n),
    cpuEndNs: new Float64Array(n),
    apiNs: new Float64Array(n),
    launchNs: new Float64Array(n),
    syncWaitNs: new Float64Array(n),
    e2eNs: new Float64Array(n),
    prevKernelDevice: new Int32Array(n),
    nextKernelDevice: new Int32Array(n),
    prevKernelStream: new Int32Array(n),
    nextKernelStream: new Int32Array(n),
    labels,
  };
  const { memcpy: mc, memset: ms, api, enums } = model;
  for (let k = 0; k < n; k++) {
    const i = index[k];
    const isCopy = op[k] === OP_MEMCPY;
    const src = isCopy ? mc : ms;
    const start = src.startNs[i];
    const end = src.endNs[i];
    const dev = src.deviceId[i];
    const pid = src.pid[i];
    const stream = src.streamId[i];
    t.pid[k] = pid;
    t.deviceId[k] = dev;
    t.streamId[k] = stream;
    t.correlationId[k] = src.correlationId[i];
    t.gpuStartNs[k] = start;
    t.gpuEndNs[k] = end;
    const dma = end - start;
    t.dmaNs[k] = dma;
    const bytes = src.bytes[i];
    t.bytes[k] = bytes;
    t.gbps[k] = dma > 0 ? bytes / dma : 0;
    if (isCopy) {
      t.copyKind[k] = mc.copyKind[i];
      t.srcKind[k] = mc.srcKind[i];
      t.dstKind[k] = mc.dstKind[i];
      t.directionLabel[k] = labelId(enumLabel(enums.memcpyOper, mc.copyKind[i]));
    } else {
      t.copyKind[k] = NULL_INT;
      t.srcKind[k] = NULL_INT;
      t.dstKind[k] = ms.memKind[i];
      t.directionLabel[k] = labelId(MEMSET_LABEL);
    }
    t.srcLabel[k] = labelId(enumLabel(enums.memKind, t.srcKind[k]));
    t.dstLabel[k] = labelId(enumLabel(enums.memKind, t.dstKind[k]));

    const a = apiOf[k];
    t.apiIndex[k] = a;
    if (a >= 0) {
      const cs = api.startNs[a];
      const ce = api.endNs[a];
      t.apiNameId[k] = api.nameId[a];
      t.threadIndex[k] = api.threadIndex[a];
      t.cpuStartNs[k] = cs;
      t.cpuEndNs[k] = ce;
      t.apiNs[k] = ce - cs;
      t.launchNs[k] = Math.max(0, start - cs);
      t.syncWaitNs[k] = Math.max(0, ce - end);
      t.e2eNs[k] = Math.max(ce - cs, end - cs);
    } else {
      t.apiNameId[k] = -1;
      t.threadIndex[k] = -1;
      t.cpuStartNs[k] = NaN;
      t.cpuEndNs[k] = NaN;
      t.apiNs[k] = NaN;
      t.launchNs[k] = NaN;
      t.syncWaitNs[k] = NaN;
      t.e2eNs[k] = NaN;
    }
    [t.prevKernelDevice[k], t.nextKernelDevice[k]] = neighbours(model, ki?.byDevice.get(dev), start);
    [t.prevKernelStream[k], t.nextKernelStream[k]] = neighbours(model, ki?.byStream.get(streamKey(dev, pid, stream)), start);
  }
  return t;
}

export interface MemOpAggregate {
  direction: string;
  srcKind: string;
  dstKind: string;
  count: number;
  bytes: number;
  /** Sum of GPU durations. */
  totalDmaNs: number;
  meanDmaNs: number;
  /** Decimal GB/s over the group: total bytes / total GPU time. */
  gbps: number;
  /** Sums over ops that have an API call (apiCount of them). */
  apiCount: number;
  totalApiNs: number;
  meanLaunchNs: number;
  totalSyncWaitNs: number;
}

/** Ops grouped by direction × source kind × destination kind, by total GPU time (largest first). */
export function aggregateMemOps(t: MemOpTable): MemOpAggregate[] {
  const groups = new Map<string, MemOpAggregate & { launchSum: number }>();
  for (let k = 0; k < t.count; k++) {
    const key = `${t.directionLabel[k]}/${t.srcLabel[k]}/${t.dstLabel[k]}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        direction: t.labels[t.directionLabel[k]],
        srcKind: t.labels[t.srcLabel[k]],
        dstKind: t.labels[t.dstLabel[k]],
        count: 0,
        bytes: 0,
        totalDmaNs: 0,
        meanDmaNs: 0,
        gbps: 0,
        apiCount: 0,
        totalApiNs: 0,
        meanLaunchNs: 0,
        totalSyncWaitNs: 0,
        launchSum: 0,
      };
      groups.set(key, g);
    }
    g.count++;
    g.bytes += t.bytes[k];
    g.totalDmaNs += t.dmaNs[k];
    if (t.apiIndex[k] >= 0) {
      g.apiCount++;
      g.totalApiNs += t.apiNs[k];
      g.launchSum += t.launchNs[k];
      g.totalSyncWaitNs += t.syncWaitNs[k];
    }
  }
  return [...groups.values()]
    .map(({ launchSum, ...g }) => ({
      ...g,
      meanDmaNs: g.totalDmaNs / g.count,
      gbps: g.totalDmaNs > 0 ? g.bytes / g.totalDmaNs : 0,
      meanLaunchNs: g.apiCount > 0 ? launchSum / g.apiCount : 0,
    }))
    .sort((a, b) => b.totalDmaNs - a.totalDmaNs || a.direction.localeCompare(b.direction));
}
