import { buildCorrelation, type CorrelationIndex } from '../model/correlation';
import type { LaneKind, Ns, Track, TraceModel } from '../model/types';
import { busyProfile, lodSlices, type LodSlices } from '../query/lod';
import { memOpsView, MemOpsViewError, type MemOpsView } from '../analysis/mem-ops-view';
import { exportWindowCsv, ExportWindowError, type CsvFile } from '../export/csv';
import { chromeTraceFileName, exportChromeTrace, type ChromeTraceFile } from '../export/chrome-trace';
import type { StatsReport } from '../stats/types';
import { buildSummary, type TraceSummary } from '../summary/summary';
import { analyzeMemOps, type MemOpTable } from '../analysis/memcpy';
import { analyzeSteps, stepsView, type StepsView } from '../steps/steps-summary';
import { compareRuns, type RunComparison } from '../compare/compare-runs';
import { aggregateRange, rangeBreakdown } from './aggregate';
import { carryGpuBusySeries, gpuBusy, gpuBusySeries, seedGpuBusySeries, utilisationProfile, type GpuBusySeries } from '../query/gpu-busy';
import { kernelNameId } from '../stats/kernel-name';
import { scopedStatsReport, StatsScopeError, type StatsScope } from './scoped-stats';
import { eventDetails, LANES, laneCount } from './details';
import { nameTable, sliceNameId } from './names';
import { searchEvents, SearchQueryError } from './search';
import type {
  AggregateRow,
  EventDetails,
  GpuBusyRow,
  LoadingState,
  OpenInProgress,
  RangeBreakdown,
  SearchQuery,
  SearchResult,
  SliceRequest,
  TraceInfo,
} from './types';

/** Lanes whose events have no name column: names.ts gives them synthetic names ("[CUDA memcpy Host-to-Device]"). */
const SYNTHETIC_NAME_LANES: ReadonlySet<LaneKind> = new Set(['memcpy', 'memset', 'graph', 'sched', 'gpu-memory']);

/** Hard limits on what one request may ask for: the bridge is an attack surface (hostile renderer). */
export const MAX_WIDTH_PX = 16384;
export const MAX_SLICE_REQUESTS = 4096;
export const MAX_STRING_IDS = 100_000;

export class ServiceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceError';
  }
}

interface Entry {
  model: TraceModel;
  name: string;
  trackById: Map<string, Track>;
  correlation?: CorrelationIndex;
  /** Whole-trace memory-op analysis, kept for getSummary (the panel re-asks when the gap threshold changes). */
  memOps?: MemOpTable;
  /** Steps with the automatic choice, kept for getSummary and getSteps (a few seconds on big traces). */
  steps?: ReturnType<typeof analyzeSteps>;
  /** Set while only the GPU-first model is here (addLoading); cleared by complete() or remove(). */
  loading?: { state: LoadingState; done: Promise<void>; settle: () => void };
}

/**
 * Answers the bridge's questions from loaded models. Host-agnostic: Electron's trace worker and the
 * `serve` command both wrap one of these. Trace ids are opaque and minted here.
 */
export class TraceService {
  private readonly traces = new Map<string, Entry>();
  private nextId = 1;

  add(model: TraceModel, name: string): string {
    const traceId = `t${this.nextId++}`;
    this.traces.set(traceId, { model, name, trackById: new Map(model.tracks.map((t) => [t.id, t])) });
    return traceId;
  }

  /**
   * Progressive first frame (issue 15): a trace whose GPU rows are here and whose CPU rows are still
   * being read. getTraceInfo answers with `loading`; complete() swaps in the whole model. Methods the
   * bridge table does not mark `early` wait for it (whenLoaded), since their answers need every row.
   */
  addLoading(partial: TraceModel, name: string, state: LoadingState): string {
    const traceId = this.add(partial, name);
    let settle = () => {};
    const done = new Promise<void>((r) => (settle = r));
    this.traces.get(traceId)!.loading = { state, done, settle };
    return traceId;
  }

  setLoading(traceId: string, state: LoadingState): void {
    const e = this.traces.get(traceId);
    if (e?.loading) e.loading.state = state;
  }

  /** The whole model of a trace added with addLoading; analyses cached on the GPU-first model go. */
  complete(traceId: string, model: TraceModel): void {
    const e = this.entry(traceId);
    const loading = e.loading;
    // The GPU rows did not change: their busy series (utilisation, busy %) carry over.
    carryGpuBusySeries(e.model, model);
    this.traces.set(traceId, { model, name: e.name, trackById: new Map(model.tracks.map((t) => [t.id, t])) });
    loading?.settle();
  }

  /** Busy series of a trace's current model built by the host's open worker (see seedGpuBusySeries). */
  seedGpuBusy(traceId: string, series: readonly GpuBusySeries[]): void {
    const e = this.traces.get(traceId);
    if (e) seedGpuBusySeries(e.model, series);
  }

  /** Resolves once every trace id among `args` that is still loading has its whole model (or was removed). */
  whenLoaded(args: readonly unknown[]): Promise<void> | undefined {
    const waits = args.flatMap((a) => {
      const l = typeof a === 'string' ? this.traces.get(a)?.loading : undefined;
      return l ? [l.done] : [];
    });
    return waits.length ? Promise.all(waits).then(() => undefined) : undefined;
  }

  /** The service opens nothing itself: a host that opens traces (`serve`) answers this one. */
  getOpenProgress(): OpenInProgress[] {
    return [];
  }

  /** As getOpenProgress: no open runs inside the service. */
  cancelOpen(openId: string): boolean {
    void openId;
    return false;
  }

  remove(traceId: string): boolean {
    this.traces.get(traceId)?.loading?.settle();
    return this.traces.delete(traceId);
  }

  listTraces(): { traceId: string; name: string }[] {
    return [...this.traces].map(([traceId, e]) => ({ traceId, name: e.name }));
  }

  entry(traceId: string): Entry {
    const e = this.traces.get(traceId);
    if (!e) throw new ServiceError(`Unknown trace id "${String(traceId).slice(0, 40)}". Open the trace again.`);
    return e;
  }

  model(traceId: string): TraceModel {
    return this.entry(traceId).model;
  }

  track(traceId: string, trackId: string): Track {
    const t = this.entry(traceId).trackById.get(trackId);
    if (!t) throw new ServiceError(`Unknown track "${String(trackId).slice(0, 80)}".`);
    return t;
  }

  /** Built on first use: most sessions never click an event. */
  correlation(traceId: string): CorrelationIndex {
    const e = this.entry(traceId);
    if (!e.correlation) e.correlation = buildCorrelation(e.model);
    return e.correlation;
  }

  getTraceInfo(traceId: string): TraceInfo {
    const { model: m, name, loading } = this.entry(traceId);
    return {
      traceId,
      name,
      exportVersion: m.meta.exportVersion,
      sessionStartNs: m.meta.sessionStartNs,
      sessionEndNs: m.meta.sessionEndNs,
      firstEventNs: m.meta.firstEventNs,
      lastEventNs: m.meta.lastEventNs,
      gpus: m.gpus.map((g) => ({ deviceId: g.deviceId, name: g.name })),
      processes: m.processes
        .filter((p) => m.threads.some((t) => t.pid === p.pid) || m.tracks.some((t) => t.pid === p.pid))
        .map((p) => ({ pid: p.pid, name: p.name })),
      threads: m.threads.map((t) => ({ pid: t.pid, tid: t.tid, name: t.name })),
      tracks: m.tracks.map((t) => ({
        id: t.id,
        lane: t.lane,
        label: t.label,
        deviceId: t.deviceId,
        streamId: t.streamId,
        pid: t.pid,
        tid: t.tid,
        eventCount: t.indices.length,
        depthCount: t.depthCount,
        counterMax: t.counterMax,
      })),
      counts: {
        kernels: m.kernels.count,
        graphExecs: m.graphExecs.count,
        memcpy: m.memcpy.count,
        memset: m.memset.count,
        api: m.api.count,
        nvtx: m.nvtx.count,
        osrt: m.osrt.count,
        samples: m.samples.count,
        threadStates: m.threadStates.count,
      },
      ...(loading ? { loading: { ...loading.state } } : {}),
    };
  }

  getSlices(traceId: string, requests: SliceRequest[]): LodSlices[] {
    if (requests.length > MAX_SLICE_REQUESTS)
      throw new ServiceError(`Too many slice requests (${requests.length} > ${MAX_SLICE_REQUESTS}).`);
    return requests.map((r) => {
      checkWindow(r.t0, r.t1, r.widthPx);
      const model = this.model(traceId);
      const track = this.track(traceId, r.trackId);
      // Lanes without a name column (copies, memsets, graphs, …) tally by their synthetic names.
      const synthetic = SYNTHETIC_NAME_LANES.has(track.lane);
      const slices = lodSlices(
        model,
        track,
        r.t0,
        r.t1,
        r.widthPx,
        undefined,
        synthetic ? (i) => sliceNameId(model, track.lane, i) : undefined,
      );
      // Copies have no name column: give their slices the synthetic "[CUDA memcpy <dir>]" ids (see names.ts)
      // so the renderer can colour them by direction without another round trip.
      if (
        track.lane === 'memcpy' ||
        track.lane === 'memset' ||
        track.lane === 'graph' ||
        track.lane === 'sched' ||
        track.lane === 'gpu-memory'
      ) {
        for (let k = 0; k < slices.count; k++) slices.nameId[k] = sliceNameId(model, track.lane, slices.repIndex[k]);
      }
      if (track.lane === 'gpu-memory') {
        // The level drawn for a merged slice is the highest it reached there (a peak must not vanish when zoomed out).
        slices.value = new Float64Array(slices.count);
        const { bytesInUse } = model.gpuMemory;
        for (let k = 0, p = 0; k < slices.count; k++) {
          let v = bytesInUse[slices.repIndex[k]];
          while (p < track.indices.length && model.gpuMemory.startNs[track.indices[p]] < slices.startNs[k]) p++;
          for (let q = p; q < track.indices.length && model.gpuMemory.startNs[track.indices[q]] < slices.endNs[k]; q++)
            v = Math.max(v, bytesInUse[track.indices[q]]);
          slices.value[k] = v;
        }
      }
      if (track.lane === 'kernel') {
        slices.kernelNameId = new Int32Array(slices.count);
        for (let k = 0; k < slices.count; k++) slices.kernelNameId[k] = kernelNameId(model, slices.repIndex[k]);
      }
      if (track.lane === 'nvtx') {
        slices.colorArgb = new Float64Array(slices.count);
        for (let k = 0; k < slices.count; k++) slices.colorArgb[k] = model.nvtx.color[slices.repIndex[k]];
      }
      if (track.lane === 'nvtx-gpu') {
        // A projected range keeps its NVTX range's own colour.
        slices.colorArgb = new Float64Array(slices.count);
        for (let k = 0; k < slices.count; k++) slices.colorArgb[k] = model.nvtx.color[model.nvtxGpu.nvtxIndex[slices.repIndex[k]]];
      }
      return slices;
    });
  }

  getBusyProfile(traceId: string, trackIds: string[], t0: Ns, t1: Ns, widthPx: number): Float32Array {
    checkWindow(t0, t1, widthPx);
    return busyProfile(
      this.model(traceId),
      trackIds.map((id) => this.track(traceId, id)),
      t0,
      t1,
      widthPx,
    );
  }

  /**
   * Per-pixel busy fraction of GPU rows (keys `gpu:DEV`, `gpuproc:DEV/PID`, `stream:DEV/PID/STREAM`,
   * core/query/gpu-busy.ts); a key with no GPU work answers an empty array.
   */
  getUtilisation(traceId: string, keys: string[], t0: Ns, t1: Ns, widthPx: number): Float64Array[] {
    checkWindow(t0, t1, widthPx);
    if (keys.length > MAX_SLICE_REQUESTS) throw new ServiceError(`Too many utilisation rows (${keys.length} > ${MAX_SLICE_REQUESTS}).`);
    const series = gpuBusySeries(this.model(traceId));
    // A GPU with one process, or a process with one stream, shares its spans with that row: one profile.
    const memo = new Map<unknown, Float64Array>();
    return keys.map((k) => {
      const s = series.get(k);
      if (!s) return new Float64Array(0);
      let p = memo.get(s.spans);
      if (!p) memo.set(s.spans, (p = utilisationProfile(s, t0, t1, widthPx)));
      return p;
    });
  }

  /** Busy time of every GPU, GPU-process and stream in [t0, t1] (row labels). */
  getGpuBusy(traceId: string, t0: Ns, t1: Ns): GpuBusyRow[] {
    checkRange(t0, t1);
    return gpuBusy(this.model(traceId), t0, t1);
  }

  /** Range panel header: GPU busy per GPU/process/stream and event counts per category. */
  rangeBreakdown(traceId: string, t0: Ns, t1: Ns): RangeBreakdown {
    checkRange(t0, t1);
    return rangeBreakdown(this.model(traceId), t0, t1);
  }

  getStrings(traceId: string, ids: number[]): Record<number, string> {
    if (ids.length > MAX_STRING_IDS) throw new ServiceError(`Too many string ids (${ids.length} > ${MAX_STRING_IDS}).`);
    const names = nameTable(this.model(traceId));
    const out: Record<number, string> = {};
    for (const id of ids) {
      const s = Number.isInteger(id) ? names.text(id) : undefined;
      if (s !== undefined) out[id] = s;
    }
    return out;
  }

  getEventDetails(traceId: string, lane: LaneKind, index: number): EventDetails {
    const model = this.model(traceId);
    checkEvent(model, lane, index);
    return eventDetails(model, this.correlation(traceId), lane, index);
  }

  search(traceId: string, query: SearchQuery): SearchResult {
    const model = this.model(traceId);
    if (!query || typeof query.text !== 'string' || typeof query.regex !== 'boolean')
      throw new ServiceError('Invalid search query: expected { text: string, regex: boolean }.');
    if (query.lanes !== undefined && (!Array.isArray(query.lanes) || query.lanes.some((l) => !LANES.includes(l))))
      throw new ServiceError(`Invalid search lanes: use ${LANES.join(', ')}.`);
    if (query.limit !== undefined && !(Number.isInteger(query.limit) && query.limit >= 0))
      throw new ServiceError('Invalid search limit: a non-negative integer.');
    if (query.match !== undefined && query.match !== 'name' && query.match !== 'kernel-name')
      throw new ServiceError('Invalid search match: use "name" or "kernel-name".');
    try {
      return searchEvents(model, query);
    } catch (e) {
      if (e instanceof SearchQueryError) throw new ServiceError(e.message);
      throw e;
    }
  }

  aggregate(traceId: string, t0: Ns, t1: Ns, trackIds?: string[]): AggregateRow[] {
    const model = this.model(traceId);
    if (!Number.isFinite(t0) || !Number.isFinite(t1) || !(t1 > t0))
      throw new ServiceError('Invalid time range: t1 must be greater than t0.');
    if (trackIds !== undefined && trackIds.length > MAX_SLICE_REQUESTS)
      throw new ServiceError(`Too many tracks (${trackIds.length} > ${MAX_SLICE_REQUESTS}).`);
    const tracks = trackIds === undefined ? model.tracks : trackIds.map((id) => this.track(traceId, id));
    return aggregateRange(model, tracks, t0, t1);
  }

  /** Memory ops overlapping `range` (all when null) with their CUDA API calls, for the memcpy panel. */
  getMemOps(traceId: string, range: { t0: Ns; t1: Ns } | null): MemOpsView {
    const e = this.entry(traceId);
    try {
      // Reuse the full correlation index only when a click already built it; otherwise the view
      // looks up just its ops' calls (building the index costs ~0.8 s on a 1M-call trace).
      return memOpsView(e.model, range ?? null, e.correlation);
    } catch (err) {
      if (err instanceof MemOpsViewError) throw new ServiceError(err.message);
      throw err;
    }
  }

  /** One nsys-stats report (src/core/stats) of the whole trace, a time window or an NVTX range (scoped-stats.ts). */
  getStatsReport(traceId: string, name: string, scope?: StatsScope): StatsReport {
    const model = this.model(traceId);
    try {
      return scopedStatsReport(model, () => this.correlation(traceId), name, scope ?? undefined);
    } catch (err) {
      if (err instanceof StatsScopeError || err instanceof RangeError) throw new ServiceError(err.message);
      throw err;
    }
  }

  /** `nsys-viewer summary` for the panel; idle gaps at least `idleGapThresholdNs` long (default 1 ms). */
  getSummary(traceId: string, opts?: { idleGapThresholdNs?: number; topN?: number }): TraceSummary {
    const e = this.entry(traceId);
    const gap = opts?.idleGapThresholdNs ?? 1_000_000;
    const topN = opts?.topN ?? 10;
    if (!Number.isFinite(gap) || gap < 0) throw new ServiceError('Idle gap threshold must be a non-negative number of ns.');
    if (!Number.isInteger(topN) || topN < 1 || topN > 1000) throw new ServiceError('topN must be an integer 1..1000.');
    if (!e.memOps) e.memOps = analyzeMemOps(e.model);
    if (!e.steps) e.steps = analyzeSteps(e.model, { correlation: this.correlation(traceId) });
    return buildSummary(e.model, { idleGapThresholdNs: gap, topN, sqlite: e.name, memOps: e.memOps, steps: e.steps.json });
  }

  /** Iterations of the trace (`nsys-viewer steps`): automatic, or NVTX ranges / pace kernels matching a regular expression. */
  getSteps(traceId: string, opts?: { stepNvtx?: string; stepKernel?: string }): StepsView {
    const e = this.entry(traceId);
    const re = (what: string, v: string | undefined): RegExp | undefined => {
      if (v === undefined || v === '') return undefined;
      if (v.length > 500) throw new ServiceError(`${what} is longer than 500 characters.`);
      try {
        return new RegExp(v);
      } catch (err) {
        throw new ServiceError(`${what} "${v}" is not a valid regular expression (${err instanceof Error ? err.message : String(err)}).`);
      }
    };
    const stepNvtx = re('Step NVTX pattern', opts?.stepNvtx);
    const stepKernel = re('Step kernel pattern', opts?.stepKernel);
    if (stepNvtx && stepKernel) throw new ServiceError('Give a step NVTX pattern or a step kernel pattern, not both.');
    if (!stepNvtx && !stepKernel) {
      if (!e.steps) e.steps = analyzeSteps(e.model, { correlation: this.correlation(traceId) });
      return stepsView(e.steps);
    }
    return stepsView(analyzeSteps(e.model, { stepNvtx, stepKernel, correlation: this.correlation(traceId) }));
  }

  /** `nsys-viewer diff` of two open traces (or two processes of one): src/core/compare. */
  compareTraces(
    traceIdA: string,
    traceIdB: string,
    opts?: { pidA?: number; pidB?: number; stepNvtx?: string; stepKernel?: string },
  ): RunComparison {
    const a = this.entry(traceIdA);
    const b = this.entry(traceIdB);
    const stepNvtx = stepPattern('Step NVTX pattern', opts?.stepNvtx);
    const stepKernel = stepPattern('Step kernel pattern', opts?.stepKernel);
    if (stepNvtx && stepKernel) throw new ServiceError('Give a step NVTX pattern or a step kernel pattern, not both.');
    try {
      return compareRuns(
        { model: a.model, file: a.name, pid: opts?.pidA },
        { model: b.model, file: b.name, pid: opts?.pidB },
        { stepNvtx, stepKernel },
      );
    } catch (err) {
      // compareRuns throws one line for a process without GPU work.
      throw new ServiceError(err instanceof Error ? err.message : String(err));
    }
  }

  /** The window CSV files of `nsys-viewer export-csv` (src/core/export/csv.ts), bounds in ms since session start. */
  /**
   * The desktop host answers copyServeCommand itself (src/main: it knows the file's path and the
   * clipboard); a service has neither, so under `serve` the page is told where its link is.
   */
  copyServeCommand(traceId: string): { shown: string } {
    this.entry(traceId);
    throw new ServiceError(
      "Copy link: in a browser the page's address is the link (its #from=…&to=… holds the window shown); copy it from the address bar.",
    );
  }

  exportCsv(traceId: string, fromMs: number, toMs: number): CsvFile[] {
    const model = this.model(traceId);
    try {
      return exportWindowCsv(model, { fromMs, toMs, correlation: this.correlation(traceId) });
    } catch (err) {
      if (err instanceof ExportWindowError) throw new ServiceError(err.message);
      throw err;
    }
  }

  /** The `nsys-viewer export-trace` JSON (src/core/export/chrome-trace.ts), whole trace or a window in ms since session start. */
  exportTrace(traceId: string, range?: { fromMs: number; toMs: number }): ChromeTraceFile {
    const model = this.model(traceId);
    if (range && !(range.toMs > range.fromMs))
      throw new ServiceError(`Empty window: "to" (${range.toMs}) must be after "from" (${range.fromMs}) ms.`);
    const correlation = this.correlation(traceId);
    const trace = exportChromeTrace(
      model,
      range ? { fromNs: Math.round(range.fromMs * 1e6), toNs: Math.round(range.toMs * 1e6), correlation } : { correlation },
    );
    return { ...trace, fileName: chromeTraceFileName(model.meta.sourceName, range) };
  }
}

function stepPattern(what: string, v: string | undefined): RegExp | undefined {
  if (v === undefined || v === '') return undefined;
  if (v.length > 500) throw new ServiceError(`${what} is longer than 500 characters.`);
  try {
    return new RegExp(v);
  } catch (err) {
    throw new ServiceError(`${what} "${v}" is not a valid regular expression (${err instanceof Error ? err.message : String(err)}).`);
  }
}

function checkEvent(model: TraceModel, lane: LaneKind, index: number): void {
  if (!LANES.includes(lane)) throw new ServiceError(`Unknown lane "${String(lane).slice(0, 40)}": use ${LANES.join(', ')}.`);
  const n = laneCount(model, lane);
  if (!Number.isInteger(index) || index < 0 || index >= n)
    throw new ServiceError(`No ${lane} event #${String(index).slice(0, 20)} (the trace has ${n}).`);
}

function checkWindow(t0: Ns, t1: Ns, widthPx: number): void {
  if (!Number.isFinite(t0) || !Number.isFinite(t1) || !(t1 > t0))
    throw new ServiceError('Invalid time window: t1 must be greater than t0.');
  if (!Number.isInteger(widthPx) || widthPx < 1 || widthPx > MAX_WIDTH_PX)
    throw new ServiceError(`Invalid width: 1..${MAX_WIDTH_PX} pixels.`);
}

function checkRange(t0: Ns, t1: Ns): void {
  if (!Number.isFinite(t0) || !Number.isFinite(t1) || !(t1 > t0)) throw new ServiceError('Invalid time range: t1 must be greater than t0.');
}
