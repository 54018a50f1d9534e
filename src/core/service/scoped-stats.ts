import type { CorrelationIndex } from '../model/correlation';
import { NvtxStyle, type TraceModel } from '../model/types';
import { runStatsReport } from '../stats/index';
import { STATS_REPORT_NAMES, type StatsReport, type StatsReportName } from '../stats/types';

/**
 * Which part of the trace a stats report covers (the stats panel's scope selector):
 *  - nothing: the whole trace (nsys stats with no filter);
 *  - t0Ns/t1Ns: a time window, nsys's `--filter-time` rule (events overlapping it, counted whole);
 *  - nvtxRange (an NVTX row index): the work of one NVTX range, see nvtxScopeModel.
 */
export interface StatsScope {
  t0Ns?: number;
  t1Ns?: number;
  nvtxRange?: number;
}

export class StatsScopeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StatsScopeError';
  }
}

type Columnar = { count: number } & Record<string, unknown>;

/** The rows `keep` lists, every typed-array column cut to them; other fields shared. */
function pick<T extends Columnar>(table: T, keep: number[]): T {
  const out: Record<string, unknown> = { ...table, count: keep.length };
  for (const [k, v] of Object.entries(table)) {
    if (!ArrayBuffer.isView(v) || v instanceof DataView) continue;
    const src = v as unknown as Float64Array;
    const dst = new (src.constructor as Float64ArrayConstructor)(keep.length);
    for (let j = 0; j < keep.length; j++) dst[j] = src[keep[j]];
    out[k] = dst;
  }
  return out as T;
}

/**
 * The events of one NVTX range, as a model the nsys stats reports can run on unchanged:
 *  - CPU rows (CUDA API calls, OS runtime calls, NVTX ranges incl. the range itself) on the range's
 *    thread that START inside [range start, range end);
 *  - GPU rows (kernels, copies, memsets) LAUNCHED inside the range: their CUDA API call (matched on
 *    (pid, correlationId)) is one of those CPU rows. They count whole, wherever they ran: work
 *    launched at the end of a step that executes after the range closed still belongs to the step.
 * This differs on purpose from nsys `--filter-nvtx` (a time window): on an asynchronous GPU the
 * window catches the previous step's tail and misses this step's queued work.
 */
export function nvtxScopeModel(model: TraceModel, correlation: CorrelationIndex, nvtxIndex: number): TraceModel {
  const n = model.nvtx;
  if (!Number.isInteger(nvtxIndex) || nvtxIndex < 0 || nvtxIndex >= n.count) {
    throw new StatsScopeError(`No NVTX range #${String(nvtxIndex).slice(0, 20)} (the trace has ${n.count} NVTX events).`);
  }
  if (n.style[nvtxIndex] === NvtxStyle.Mark) throw new StatsScopeError('The selected NVTX event is a mark, not a range: select a range.');
  const t0 = n.startNs[nvtxIndex];
  const t1 = n.endNs[nvtxIndex];
  const tid = n.globalTid[nvtxIndex];
  const inRange = (t: { count: number; startNs: Float64Array; globalTid: Float64Array }) => {
    const keep: number[] = [];
    for (let i = 0; i < t.count; i++) if (t.globalTid[i] === tid && t.startNs[i] >= t0 && t.startNs[i] < t1) keep.push(i);
    return keep;
  };
  const apiKeep = inRange(model.api);
  // Graph executions are collected but not kept: nsys stats reports leave them out.
  const gpu = { kernel: [] as number[], graph: [] as number[], memcpy: [] as number[], memset: [] as number[] };
  for (const a of apiKeep) for (const g of correlation.gpuOf(a)) gpu[g.lane].push(g.index);
  for (const list of Object.values(gpu)) list.sort((a, b) => a - b);
  return {
    ...model,
    api: pick(model.api as unknown as Columnar, apiKeep) as unknown as TraceModel['api'],
    osrt: pick(model.osrt as unknown as Columnar, inRange(model.osrt)) as unknown as TraceModel['osrt'],
    nvtx: pick(model.nvtx as unknown as Columnar, inRange(model.nvtx)) as unknown as TraceModel['nvtx'],
    kernels: pick(model.kernels as unknown as Columnar, gpu.kernel) as unknown as TraceModel['kernels'],
    memcpy: pick(model.memcpy as unknown as Columnar, gpu.memcpy) as unknown as TraceModel['memcpy'],
    memset: pick(model.memset as unknown as Columnar, gpu.memset) as unknown as TraceModel['memset'],
    // Tracks index the full tables; the reports never read them, and nothing else sees this model.
    tracks: [],
  };
}

/** Whole-trace reports are asked for again on every panel visit: keep them per model. */
const wholeTraceCache = new WeakMap<TraceModel, Map<StatsReportName, StatsReport>>();

export function scopedStatsReport(model: TraceModel, correlation: () => CorrelationIndex, name: string, scope?: StatsScope): StatsReport {
  if (!(STATS_REPORT_NAMES as readonly string[]).includes(name)) {
    throw new StatsScopeError(`Unknown stats report "${String(name).slice(0, 60)}". Valid reports: ${STATS_REPORT_NAMES.join(', ')}.`);
  }
  const report = name as StatsReportName;
  const { t0Ns, t1Ns, nvtxRange } = scope ?? {};
  if (nvtxRange !== undefined && nvtxRange !== null) {
    if (t0Ns !== undefined || t1Ns !== undefined) throw new StatsScopeError('Give either a time window or an NVTX range, not both.');
    return runStatsReport(nvtxScopeModel(model, correlation(), nvtxRange), report);
  }
  if (t0Ns !== undefined || t1Ns !== undefined) {
    if ((t0Ns !== undefined && !Number.isFinite(t0Ns)) || (t1Ns !== undefined && !Number.isFinite(t1Ns)))
      throw new StatsScopeError('Stats window bounds must be finite numbers of ns.');
    if (t0Ns !== undefined && t1Ns !== undefined && !(t1Ns > t0Ns))
      throw new StatsScopeError(`Empty stats window: t1Ns (${t1Ns}) must be after t0Ns (${t0Ns}).`);
    return runStatsReport(model, report, { t0Ns, t1Ns });
  }
  let cache = wholeTraceCache.get(model);
  if (!cache) wholeTraceCache.set(model, (cache = new Map()));
  let r = cache.get(report);
  if (!r) cache.set(report, (r = runStatsReport(model, report)));
  return r;
}
