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
  gridX: Int32Array; gridY: Int32Array; gridZ: Int32Array;
  blockX: Int32Array; blockY: Int32Array; blockZ: Int32Array;
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

export type NvtxStyle = 'PushPop' | 'StartEnd' | 'Mark';

export interface NvtxTable {
  count: number;
  startNs: Float64Array;
  /** Equal to startNs for marks; NULL ends (unterminated ranges) are clamped to the capture end. */
  endNs: Float64Array;
  eventType: Int32Array;
  style: Uint8Array; // 0 PushPop, 1 StartEnd, 2 Mark
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

export interface OsrtTable {
  count: number;
  startNs: Float64Array;
  endNs: Float64Array;
  globalTid: Float64Array;
  threadIndex: Int32Array;
  nameId: Int32Array;
  nestingLevel: Int32Array;
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
  /** Session: ANALYSIS_DETAILS start/stop when present, else the span of all events. */
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

export type LaneKind = 'kernel' | 'memcpy' | 'memset' | 'cuda-api' | 'nvtx' | 'osrt';

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
}

export interface TraceModel {
  meta: TraceMeta;
  strings: string[];
  kernels: KernelTable;
  memcpy: MemcpyTable;
  memset: MemsetTable;
  api: ApiTable;
  nvtx: NvtxTable;
  osrt: OsrtTable;
  processes: ProcessInfo[];
  threads: ThreadInfo[];
  gpus: GpuInfo[];
  /** NVTX domain id → name (0, the default domain, is ''). */
  nvtxDomains: Map<number, string>;
  enums: {
    memcpyOper: EnumTable;
    memKind: EnumTable;
    eventClass: EnumTable;
  };
  tracks: Track[];
}
