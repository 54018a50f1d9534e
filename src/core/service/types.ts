/**
 * Plain data types answered by TraceService (and carried unchanged by the bridge in src/shared).
 * They live in core so the service can be used by Electron main, the serve command and tests alike.
 */
import type { LaneKind, Ns } from '../model/types';
import type { GpuBusyRow } from '../query/gpu-busy';

export interface TrackDescriptor {
  id: string;
  lane: LaneKind;
  label: string;
  deviceId?: number;
  streamId?: number;
  pid?: number;
  tid?: number;
  eventCount: number;
  /** Stacked rows (NVTX depth); 1 for other lanes. */
  depthCount: number;
  /** Counter tracks (gpu-memory): the largest value, to scale the row. */
  counterMax?: number;
}

export interface TraceInfo {
  traceId: string;
  /** File name only (never a path). */
  name: string;
  exportVersion: string;
  sessionStartNs: Ns;
  sessionEndNs: Ns;
  firstEventNs: Ns;
  lastEventNs: Ns;
  gpus: { deviceId: number; name: string }[];
  processes: { pid: number; name: string }[];
  threads: { pid: number; tid: number; name: string }[];
  tracks: TrackDescriptor[];
  counts: {
    kernels: number;
    graphExecs: number;
    memcpy: number;
    memset: number;
    api: number;
    nvtx: number;
    osrt: number;
    samples: number;
    threadStates: number;
  };
  /**
   * Present while the CPU-side rows are still being read (progressive first frame, issue 15): the
   * tracks are the GPU rows so far; ask again for the rest (the row list grows when they land).
   */
  loading?: LoadingState;
}

/** An open a host is running (`serve`: NsysBridge.getOpenProgress), before its first frame can be drawn. */
export interface OpenInProgress extends LoadingState {
  /** Opaque id for cancelOpen. */
  openId: string;
  /** File name (never a path). */
  name: string;
}

/** Where a trace's load stands after its first frame (TraceInfo.loading). */
export interface LoadingState {
  /** 'tables', 'tracks', 'analyses' (src/shared/open-phases.ts names them). */
  phase: string;
  /** 0..1 of the whole open. */
  fraction: number;
  /** e.g. "CUPTI_ACTIVITY_KIND_RUNTIME: 524,288 of ~1,000,017 rows". */
  message?: string;
  /** `serve`: the open's id, for cancelOpen (the desktop app knows it from its progress events). */
  openId?: string;
}

export interface SliceRequest {
  trackId: string;
  t0: Ns;
  t1: Ns;
  widthPx: number;
}

/** Everything known about one event, for the tooltip and the details panel. */
export interface EventDetails {
  lane: LaneKind;
  index: number;
  trackId: string;
  name: string;
  startNs: Ns;
  endNs: Ns;
  /** Every column as display label → value, in a stable order. */
  fields: [string, string | number][];
  /** The other end of the CUDA API ↔ GPU correlation (same correlationId and process), if any. */
  partners: { lane: LaneKind; index: number; trackId: string; startNs: Ns; endNs: Ns; name: string }[];
}

export interface SearchQuery {
  text: string;
  regex: boolean;
  /** Restrict to these lanes (default: all named lanes). */
  lanes?: LaneKind[];
  limit?: number;
  /**
   * 'kernel-name': `text` is exactly the name the `nsys stats` kernel reports group by (demangled,
   * else short: stats/kernel-name.ts), kernels only, so template instances that share a short name
   * are told apart (the compare view's kernel rows). `nameIds` then holds that string's id, which the
   * timeline matches against kernel slices' `kernelNameId`. Default 'name': a substring or regex over
   * every lane's names (a kernel's short or demangled name).
   */
  match?: 'name' | 'kernel-name';
}

export interface SearchHit {
  lane: LaneKind;
  index: number;
  trackId: string;
  startNs: Ns;
  endNs: Ns;
  nameId: number;
  /** The hit's name, resolved here, so a list never waits on names the timeline has not drawn yet. */
  name: string;
}

export interface SearchResult {
  total: number;
  hits: SearchHit[];
  /** Matching name ids (so the timeline can highlight merged slices whose representative matches). */
  nameIds: number[];
  /** Every track holding a match (all of them, however many hits are listed), in model track order. */
  trackIds: string[];
}

export interface AggregateRow {
  lane: LaneKind;
  name: string;
  count: number;
  /** Full durations of the overlapping events (Nsight Systems' event list counts them whole). */
  totalNs: number;
  /** The same events clipped to the range: the time they spend inside it (≤ the range per track row). */
  inRangeNs: number;
  avgNs: number;
  minNs: number;
  maxNs: number;
}

/** getGpuBusy / rangeBreakdown: busy time of a GPU, a GPU-process or a stream in a window (core/query/gpu-busy.ts). */
export type { GpuBusyRow };

/** One category of a range selection (core/service/aggregate.ts rangeCategories). */
export interface RangeCategoryRow {
  /** The lane the events come from: kernel, graph, memcpy, memset, cuda-api, nvtx, osrt. */
  group: 'kernel' | 'graph' | 'memcpy' | 'memset' | 'cuda-api' | 'nvtx' | 'osrt';
  /** Kernel category (gemm, attention, …), copy direction name, or the group itself. */
  category: string;
  count: number;
  /** The events' time clipped to the range, summed. */
  inRangeNs: number;
}

export interface RangeBreakdown {
  gpu: GpuBusyRow[];
  categories: RangeCategoryRow[];
}

/** getMemOps: memcpy/memset rows with their API calls (src/core/analysis/mem-ops-view.ts). */
export type { MemOpsView } from '../analysis/mem-ops-view';

/** getStatsReport / getSummary / exportCsv answers (stats panel, summary panel, "Export selection…"). */
export type { StatsReport } from '../stats/types';
export type { StatsScope } from './scoped-stats';
export type { TraceSummary } from '../summary/summary';
export type { CsvFile } from '../export/csv';
export type { ChromeTraceFile } from '../export/chrome-trace';

/** getSteps: iterations, idle attribution and NCCL skew (src/core/steps) for the Steps panel. */
export type { StepsView } from '../steps/steps-summary';
export type { StepRecord } from '../steps/detect-steps';
