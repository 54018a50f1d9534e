/**
 * The one contract between the renderer and whatever holds the traces: Electron main (through the
 * preload's named methods, ipcRenderer.invoke and a trace worker per window) or the `nsys-viewer serve`
 * HTTP server (POST /api/<method>). Argument guards and dispatch live in ./bridge-table.ts.
 * The renderer never sends file paths: it only ever sees opaque trace ids handed out by the host.
 * Every call answers `Result<T>`: errors are values with a human message, never thrown across.
 */
import type { LaneKind, Ns } from '../core/model/types';
import type { LodSlices } from '../core/query/lod';
import type { RunComparison } from '../core/compare/compare-runs';
import type {
  AggregateRow,
  EventDetails,
  GpuBusyRow,
  MemOpsView,
  RangeBreakdown,
  RangeCategoryRow,
  OpenInProgress,
  SearchHit,
  SearchQuery,
  SearchResult,
  SliceRequest,
  TraceInfo,
  TrackDescriptor,
} from '../core/service/types';
import type { ChromeTraceFile, CsvFile, StatsReport, StatsScope, StepRecord, StepsView, TraceSummary } from '../core/service/types';

export type {
  LaneKind,
  Ns,
  LodSlices,
  AggregateRow,
  EventDetails,
  GpuBusyRow,
  MemOpsView,
  RangeBreakdown,
  RangeCategoryRow,
  OpenInProgress,
  SearchHit,
  SearchQuery,
  SearchResult,
  SliceRequest,
  TraceInfo,
  TrackDescriptor,
};

export type { ChromeTraceFile, CsvFile, StatsReport, StatsScope, StepRecord, StepsView, TraceSummary, RunComparison };

export type Result<T> = { ok: true; value: T } | { ok: false; error: string };

/** One trace a host offers; `error` when it could not be opened (`serve A B` shows it in that tab). */
export interface TraceListEntry {
  traceId: string;
  name: string;
  error?: string;
}

/** What the renderer may call. Implemented by src/preload (Electron) and src/renderer/bridge/http-bridge (serve). */
export interface NsysBridge {
  listTraces(): Promise<Result<TraceListEntry[]>>;
  getTraceInfo(traceId: string): Promise<Result<TraceInfo>>;
  getSlices(traceId: string, requests: SliceRequest[]): Promise<Result<LodSlices[]>>;
  getBusyProfile(traceId: string, trackIds: string[], t0: Ns, t1: Ns, widthPx: number): Promise<Result<Float32Array>>;
  /** Per-pixel GPU busy fraction (union of kernels, copies, memsets, graph replays) of GPU rows by row key (`gpu:0`, `stream:0/34/7`). */
  getUtilisation(traceId: string, keys: string[], t0: Ns, t1: Ns, widthPx: number): Promise<Result<Float64Array[]>>;
  /** Busy time of every GPU, GPU-process and stream in a window (row labels). */
  getGpuBusy(traceId: string, t0: Ns, t1: Ns): Promise<Result<GpuBusyRow[]>>;
  /** Range panel header: GPU busy per GPU/process/stream, counts per event category. */
  rangeBreakdown(traceId: string, t0: Ns, t1: Ns): Promise<Result<RangeBreakdown>>;
  getStrings(traceId: string, ids: number[]): Promise<Result<Record<number, string>>>;
  getEventDetails(traceId: string, lane: LaneKind, index: number): Promise<Result<EventDetails>>;
  search(traceId: string, query: SearchQuery): Promise<Result<SearchResult>>;
  aggregate(traceId: string, t0: Ns, t1: Ns, trackIds?: string[]): Promise<Result<AggregateRow[]>>;
  /** Memcpy/memset rows overlapping `window` (the whole trace when null) with their CUDA API calls. */
  getMemOps(traceId: string, window: { t0: Ns; t1: Ns } | null): Promise<Result<MemOpsView>>;
  /** One nsys-stats report: whole trace, a time window ({t0Ns, t1Ns}) or the work of one NVTX range ({nvtxRange: NVTX row index}). */
  getStatsReport(traceId: string, name: string, scope?: StatsScope): Promise<Result<StatsReport>>;
  /** The `nsys-viewer summary` of the trace (idle gaps at least idleGapThresholdNs long, default 1 ms). */
  getSummary(traceId: string, opts?: { idleGapThresholdNs?: number; topN?: number }): Promise<Result<TraceSummary>>;
  /** Iterations (`nsys-viewer steps`): automatic, or by a regular expression on NVTX text or kernel names. */
  getSteps(traceId: string, opts?: { stepNvtx?: string; stepKernel?: string }): Promise<Result<StepsView>>;
  /**
   * `nsys-viewer diff`: trace A against trace B (both open in this host; each optionally one process,
   * a rank), steps by index, NVTX phases by name, kernels by demangled name.
   */
  compareTraces(traceIdA: string, traceIdB: string, opts?: CompareTracesOptions): Promise<Result<RunComparison>>;
  /** The `nsys-viewer export-csv` files of a window (ms since session start), as text. */
  exportCsv(traceId: string, fromMs: number, toMs: number): Promise<Result<CsvFile[]>>;
  /** `nsys-viewer export-trace`: Chrome Trace Event JSON of the whole trace, or of the events overlapping a window (ms since session start). */
  exportTrace(traceId: string, window?: { fromMs: number; toMs: number }): Promise<Result<ChromeTraceFile>>;
  /**
   * The opens the host is running whose first frame is not ready yet (`serve`: the page polls this
   * while listTraces waits; the desktop app pushes OpenProgressEvent instead and answers []).
   */
  getOpenProgress(): Promise<Result<OpenInProgress[]>>;
  /**
   * Stops an open (before or after its first frame): its worker ends, its memory is freed, and the
   * trace leaves listTraces. Answers whether an open was still running.
   */
  cancelOpen(openId: string): Promise<Result<boolean>>;
  /**
   * "Copy link" in the desktop app: the host puts `nsys-viewer serve FILE --from MS --to MS` for this
   * window (ns since session start) on the clipboard, built from the file it opened; the page gets
   * back the command with the file's name only (it never learns paths). The serve host answers an
   * error: there the link is the page's own address (#from=…&to=…).
   */
  copyServeCommand(traceId: string, window: { fromNs: number; toNs: number }): Promise<Result<{ shown: string }>>;
}

export interface CompareTracesOptions {
  pidA?: number;
  pidB?: number;
  stepNvtx?: string;
  stepKernel?: string;
}

export type BridgeMethod = keyof NsysBridge;
export { BRIDGE_METHODS } from './bridge-table';

/** Where an open stands (Electron only): sent while nsys exports a report and the model is built. */
export interface OpenProgressEvent {
  /** Opaque id of this open, for cancelOpen. */
  openId: string;
  /** File name (never a path). */
  name: string;
  /** 'hash', 'export' (reports), then the model's phases ('metadata', 'kernels', ..., 'done'). */
  phase: string;
  /** 0..1 of the whole open. */
  fraction: number;
  /** What the phase is at: a table and its rows so far, or the size read. */
  message?: string;
  state: 'loading' | 'done' | 'failed' | 'cancelled';
  /** state 'done': the trace to ask about (listTraces also answers it). */
  traceId?: string;
  /** state 'failed': one line naming the file and what to do. */
  error?: string;
  /** Desktop: this open adds the window's second trace, to compare with (openCompareDialog, openDroppedCompareFile). */
  compare?: true;
}

/**
 * What the Electron preload adds to NsysBridge (the serve host has none of it, so the renderer checks
 * `'openDialog' in bridge`). In the desktop app each window shows one trace: listTraces answers that
 * window's trace, waiting while it is still being opened; opening another file makes a new window.
 */
export interface DesktopBridge extends NsysBridge {
  /** Subscribes to this window's open progress; returns the unsubscribe function. */
  onOpenProgress(listener: (e: OpenProgressEvent) => void): () => void;
  /** File → Open… dialog; each chosen file opens in its own window. */
  openDialog(): Promise<Result<{ opened: number }>>;
  /** A File from a drop event (the preload reads its path; the page never sees paths). */
  openDroppedFile(file: File): Promise<Result<{ opened: boolean }>>;
  /**
   * Compare With…: main's file dialog; the chosen file opens into THIS window as its second trace.
   * Progress arrives through onOpenProgress with `compare: true`; 'done' carries its traceId.
   */
  openCompareDialog(): Promise<Result<{ opening: boolean }>>;
  /** A File dropped with Alt or Shift held: opens into this window to compare, as openCompareDialog. */
  openDroppedCompareFile(file: File): Promise<Result<{ opening: boolean }>>;
  /** Call once the page listens for progress: main holds this window's events until then. */
  rendererReady(): void;
  /**
   * Asks for a folder (native picker) and writes these generated files into it, by bare name; never
   * overwrites: a folder that already holds one of the names is refused before anything is written.
   */
  saveFiles(files: { fileName: string; data: string | Uint8Array }[]): Promise<Result<{ folder: string; written: string[] }>>;
}
