/**
 * The trace model: columnar typed arrays, one table per event kind, integer ns since session
 * start stored as float64 (exact up to 2^53 ns ≈ 104 days). Event tables hold rows in file order;
 * tracks hold index lists into them sorted by start. Nothing here references SQLite: the model is
 * built by src/core/schema readers and then the database can be closed.
 *
 * Id conventions: `*NameId` columns index `TraceModel.strings`. Numeric NULLs are NULL_INT (-1).
 */
export type Ns = number; // integer nanoseconds since session start
export type DurNs = number; // integer nanoseconds, a duration

export interface KernelTable {
  count: number;
  startNs: Float64Array;
  endNs: Float64Array;
  deviceId: Int32Array;
  contextId: Int32Array;
  streamId: Int32Array;
  correlationId: Int32Array;
  pid: Int32Array;
  /** Raw globalPid (serialized GlobalId); `pid` is (globalPid >> 24) & 0xFFFFFF. */
  globalPid: Float64Array;
  shortNameId: Int32Array;
  demangledNameId: Int32Array;
  mangledNameId: Int32Array;
  gridX: Int32Array;
  gridY: Int32Array;
  gridZ: Int32Array;
  blockX: Int32Array;
  blockY: Int32Array;
  blockZ: Int32Array;
  registersPerThread: Int32Array;
  staticSharedMemory: Int32Array;
  dynamicSharedMemory: Int32Array;
  /** NULL_INT when not launched by a CUDA graph node. */
  graphNodeId: Float64Array;
}

export interface MemcpyTable {
  count: number;
  startNs: Float64Array;
  endNs: Float64Array;
  deviceId: Int32Array;
  contextId: Int32Array;
  streamId: Int32Array;
  correlationId: Int32Array;
  pid: Int32Array;
  globalPid: Float64Array;
  bytes: Float64Array;
  /** ENUM_CUDA_MEMCPY_OPER id: label via TraceModel.enums.memcpyOper. */
  copyKind: Int32Array;
  /** ENUM_CUDA_MEM_KIND ids (NULL_INT when absent). */
  srcKind: Int32Array;
  dstKind: Int32Array;
  graphNodeId: Float64Array;
}

export interface MemsetTable {
  count: number;
  startNs: Float64Array;
  endNs: Float64Array;
  deviceId: Int32Array;
  contextId: Int32Array;
  streamId: Int32Array;
  correlationId: Int32Array;
  pid: Int32Array;
  globalPid: Float64Array;
  bytes: Float64Array;
  memKind: Int32Array;
  value: Int32Array;
  graphNodeId: Float64Array;
}

/**
 * CUDA graph executions recorded at graph level (CUPTI_ACTIVITY_KIND_GRAPH_TRACE), which is nsys's
 * default (`--cuda-graph-trace=graph`, 2025.3): each replay of a graph is ONE row spanning all of its
 * nodes, and the graph's kernels are absent from CUPTI_ACTIVITY_KIND_KERNEL. Only with
 * `--cuda-graph-trace=node` do the kernels appear (with graphNodeId set) instead.
 */
export interface GraphExecTable {
  count: number;
  startNs: Float64Array;
  endNs: Float64Array;
  deviceId: Int32Array;
  contextId: Int32Array;
  streamId: Int32Array;
  /** Correlation id of the cudaGraphLaunch that replayed it (per process). */
  correlationId: Int32Array;
  pid: Int32Array;
  globalPid: Float64Array;
  graphId: Float64Array;
  graphExecId: Float64Array;
}

/** CUDA runtime + driver API calls (CUPTI_ACTIVITY_KIND_RUNTIME holds both; eventClass tells). */
export interface ApiTable {
  count: number;
  startNs: Float64Array;
  endNs: Float64Array;
  globalTid: Float64Array;
  /** index into TraceModel.threads */
  threadIndex: Int32Array;
  correlationId: Int32Array;
  nameId: Int32Array;
  /** ENUM_NSYS_EVENT_CLASS id: 0 runtime, 1 driver (labels from the file). */
  eventClass: Int32Array;
}

/**
 * How an NVTX event was recorded, as stored in NvtxTable.style: push/pop ranges (nest per thread),
 * start/end ranges (may cross threads) and instantaneous marks. nsys's eventType ids map onto these
 * (build-model.ts); nvtx_sum prints the first two names as its Style column.
 */
export const NvtxStyle = { PushPop: 0, StartEnd: 1, Mark: 2 } as const;
export type NvtxStyle = (typeof NvtxStyle)[keyof typeof NvtxStyle];
export const NVTX_STYLE_NAMES = ['PushPop', 'StartEnd', 'Mark'] as const;

export interface NvtxTable {
  count: number;
  startNs: Float64Array;
  /** Equal to startNs for marks; NULL ends (unterminated ranges) are clamped to the capture end. */
  endNs: Float64Array;
  eventType: Int32Array;
  /** NvtxStyle per event. */
  style: Uint8Array;
  globalTid: Float64Array;
  threadIndex: Int32Array;
  /** Range text: interned into TraceModel.strings (from `text` or `textId`). */
  nameId: Int32Array;
  domainId: Float64Array;
  /** ARGB color or NULL_INT when none was given. */
  color: Float64Array;
  /** Nesting depth per thread (0 = outermost), computed at load. */
  depth: Uint16Array;
}

/**
 * NVTX ranges projected onto the GPU (src/core/steps/nvtx-projection.ts): one row per range that
 * launched GPU work, spanning the first start to the last end of that work, on the device of its
 * first GPU op. Drawn as the "NVTX (projected)" row under the GPU (lane 'nvtx-gpu').
 */
export interface NvtxGpuTable {
  count: number;
  startNs: Float64Array;
  endNs: Float64Array;
  /** Row in model.nvtx of the range (its CPU span, colour, domain). */
  nvtxIndex: Int32Array;
  deviceId: Int32Array;
  pid: Int32Array;
  nameId: Int32Array;
  /** Nesting depth per (device, pid) row, computed at load like NvtxTable.depth. */
  depth: Uint16Array;
  /** GPU work items the range launched. */
  gpuOps: Int32Array;
}

export interface OsrtTable {
  count: number;
  startNs: Float64Array;
  endNs: Float64Array;
  globalTid: Float64Array;
  threadIndex: Int32Array;
  nameId: Int32Array;
  nestingLevel: Int32Array;
  /** OSRT_CALLCHAINS id of the call's stack (TraceModel.osrtStacks); NULL_INT or 0 when none. */
  callchainId: Float64Array;
}

/**
 * Call stacks keyed by the id their events carry (COMPOSITE_EVENTS.id for samples,
 * OSRT_API.callchainId for OS runtime calls): frames of id X are
 * [frameStart[byId.get(X)], frameStart[byId.get(X) + 1]), leaf (stackDepth 0) first.
 */
export interface CallchainStore {
  byId: Map<number, number>;
  frameStart: Int32Array;
  /** model.strings ids of the function and module names. */
  symbolId: Int32Array;
  moduleId: Int32Array;
}

/** CPU IP/backtrace samples (COMPOSITE_EVENTS): instants, endNs === startNs. */
export interface SampleTable {
  count: number;
  /** COMPOSITE_EVENTS.id: key of the sample's call stack in TraceModel.sampleStacks. */
  id: Float64Array;
  startNs: Float64Array;
  endNs: Float64Array;
  cpu: Int32Array;
  /** ENUM_SAMPLING_THREAD_STATE id. */
  threadState: Int32Array;
  globalTid: Float64Array;
  threadIndex: Int32Array;
  /** Leaf frame's function name (model.strings id), -1 without a stack. */
  nameId: Int32Array;
}

/** Thread running intervals from context switches (SCHED_EVENTS): scheduled in on `cpu` until out. */
export interface ThreadStateTable {
  count: number;
  startNs: Float64Array;
  endNs: Float64Array;
  globalTid: Float64Array;
  threadIndex: Int32Array;
  cpu: Int32Array;
}

/** GPU memory in use per device (src/core/schema/read-gpu-memory.ts): a step counter. */
export interface GpuMemoryTable {
  count: number;
  /** The level holds from startNs (an allocation or free) to endNs (the device's next one). */
  startNs: Float64Array;
  endNs: Float64Array;
  deviceId: Int32Array;
  /** Bytes allocated (+) or freed (-) at startNs. */
  deltaBytes: Float64Array;
  bytesInUse: Float64Array;
}

export interface ProcessInfo {
  pid: number;
  globalPid: number;
  name: string;
}
export interface ThreadInfo {
  pid: number;
  tid: number;
  globalTid: number;
  name: string;
}
export interface GpuInfo {
  deviceId: number;
  name: string;
  busLocation: string;
  totalMemory: number;
  smCount: number;
  chipName: string;
}
export interface EnumTable {
  /** id → label (e.g. 1 → "Host-to-Device"), as the file itself defines it. */
  labels: Map<number, string>;
  /** id → symbol name (e.g. 1 → "CUDA_MEMCPY_KIND_HTOD"). */
  names: Map<number, string>;
}

export interface TraceMeta {
  /** Where the SQLite came from (for messages and captions). */
  sourceName: string;
  /** e.g. "2025.3.2.0"; "2022.4.2..." for EXPORT_META_DATA-era files; "" when unknown. */
  exportVersion: string;
  schemaVersion: string;
  /** Which meta table the file had: META_DATA_EXPORT (2023+) or EXPORT_META_DATA (2022.4). */
  metaTable: 'META_DATA_EXPORT' | 'EXPORT_META_DATA' | 'none';
  tables: string[];
  /**
   * Session: [0, max(ANALYSIS_DETAILS.duration, last event end)] when the file has ANALYSIS_DETAILS (its
   * start/stop times are on another clock; only the duration is used), else the span of all events.
   * Ranges stamped before the capture lie at negative times, outside it (build-model.ts).
   */
  sessionStartNs: Ns;
  sessionEndNs: Ns;
  /** Span that holds events (differs from the session with --capture-range). */
  firstEventNs: Ns;
  lastEventNs: Ns;
  utcEpochNs: number | null;
  /**
   * Rows left out because their times cannot be used: NULL or text start/end, or end before start
   * (an NVTX end may be NULL: unterminated ranges and marks). Read as -1/NaN they made negative
   * durations and wrong sums with exit 0; now they are counted here and reported (info, CLI note).
   */
  skippedRows?: { table: string; rows: number }[];
}

/**
 * 'graph': CUDA graph executions, drawn on their stream's kernel row (see GraphExecTable).
 * 'sample': CPU samples; 'sched': thread running intervals (both per thread, nsys's defaults).
 * 'gpu-memory': GPU memory in use, one counter per device.
 * 'nvtx-gpu': NVTX ranges projected onto the GPU work they launched, per (device, process).
 */
export type LaneKind =
  'kernel' | 'graph' | 'memcpy' | 'memset' | 'cuda-api' | 'nvtx' | 'osrt' | 'sample' | 'sched' | 'gpu-memory' | 'nvtx-gpu';

export interface Track {
  /** Stable id: `gpu/<dev>/<pid>/<stream>/<lane>` or `cpu/<pid>/<tid>/<lane>`. */
  id: string;
  lane: LaneKind;
  label: string;
  deviceId?: number;
  streamId?: number;
  pid?: number;
  tid?: number;
  /** Indices into the lane's table, sorted by start. */
  indices: Int32Array;
  /** Longest event on the track: binary search for overlap starts at t0 - maxDurNs. */
  maxDurNs: DurNs;
  /** Number of stacked rows (NVTX depth + 1; 1 otherwise). */
  depthCount: number;
  /** Counter tracks (gpu-memory): the largest value, to scale the row. */
  counterMax?: number;
}

export interface TraceModel {
  meta: TraceMeta;
  strings: string[];
  kernels: KernelTable;
  memcpy: MemcpyTable;
  memset: MemsetTable;
  graphExecs: GraphExecTable;
  api: ApiTable;
  nvtx: NvtxTable;
  osrt: OsrtTable;
  samples: SampleTable;
  threadStates: ThreadStateTable;
  gpuMemory: GpuMemoryTable;
  nvtxGpu: NvtxGpuTable;
  sampleStacks: CallchainStore;
  osrtStacks: CallchainStore;
  processes: ProcessInfo[];
  threads: ThreadInfo[];
  gpus: GpuInfo[];
  /** NVTX domain id → name (0, the default domain, is ''). */
  nvtxDomains: Map<number, string>;
  enums: {
    memcpyOper: EnumTable;
    memKind: EnumTable;
    eventClass: EnumTable;
    /** ENUM_SAMPLING_THREAD_STATE (CPU samples' thread state). */
    threadState: EnumTable;
  };
  tracks: Track[];
}
