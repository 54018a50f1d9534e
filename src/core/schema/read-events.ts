import type { ColArrays, Db, RowFilter } from '../db/db';
import type { ApiTable, GraphExecTable, KernelTable, MemcpyTable, MemsetTable, NvtxTable, OsrtTable } from '../model/types';
import { pidOf } from '../util/global-id';
import { readTable } from './select';

type Cancel = (() => boolean) | undefined;
export type Skipped = { table: string; rows: number }[];

/** Usable times: numbers, end not before start (NULL or text read as -1/NaN). */
export const VALID_SPAN: RowFilter = { kind: 'span', start: 'start', end: 'end' };
/** NVTX: a NULL end is an unterminated range or a mark. */
const VALID_NVTX_SPAN: RowFilter = { kind: 'span', start: 'start', end: 'end', openEnd: true };

function pidsOf(globalPid: Float64Array): Int32Array {
  const out = new Int32Array(globalPid.length);
  for (let i = 0; i < globalPid.length; i++) out[i] = pidOf(globalPid[i]);
  return out;
}

/** The kernel columns a GPU row is drawn and named from: read first by a GPU-first open (issue 15). */
const KERNEL_ROW_COLUMNS = {
  start: 'f64',
  end: 'f64',
  deviceId: 'i32',
  streamId: 'i32',
  globalPid: 'f64',
  shortName: 'i32',
  demangledName: 'i32',
} as const;
/** The rest: launch configuration, correlation, context, mangled name, graph node. */
const KERNEL_DETAIL_COLUMNS = {
  contextId: 'i32',
  correlationId: 'i32',
  mangledName: 'i32',
  gridX: 'i32',
  gridY: 'i32',
  gridZ: 'i32',
  blockX: 'i32',
  blockY: 'i32',
  blockZ: 'i32',
  registersPerThread: 'i32',
  staticSharedMemory: 'i32',
  dynamicSharedMemory: 'i32',
  graphNodeId: 'f64',
} as const;
const KERNELS = 'CUPTI_ACTIVITY_KIND_KERNEL';
type KernelRowCols = ColArrays<typeof KERNEL_ROW_COLUMNS>;
type KernelDetailCols = ColArrays<typeof KERNEL_DETAIL_COLUMNS>;

function kernelTable(count: number, r: KernelRowCols, d: KernelDetailCols, pid: Int32Array): KernelTable {
  return {
    count,
    startNs: r.start,
    endNs: r.end,
    deviceId: r.deviceId,
    contextId: d.contextId,
    streamId: r.streamId,
    correlationId: d.correlationId,
    globalPid: r.globalPid,
    pid,
    shortNameId: r.shortName,
    demangledNameId: r.demangledName,
    mangledNameId: d.mangledName,
    gridX: d.gridX,
    gridY: d.gridY,
    gridZ: d.gridZ,
    blockX: d.blockX,
    blockY: d.blockY,
    blockZ: d.blockZ,
    registersPerThread: d.registersPerThread,
    staticSharedMemory: d.staticSharedMemory,
    dynamicSharedMemory: d.dynamicSharedMemory,
    graphNodeId: d.graphNodeId,
  };
}

export function readKernels(db: Db, shouldCancel?: Cancel, skipped?: Skipped): KernelTable {
  const { count, cols } = readTable(
    db,
    KERNELS,
    { ...KERNEL_ROW_COLUMNS, ...KERNEL_DETAIL_COLUMNS },
    { shouldCancel, valid: VALID_SPAN, skipped },
  );
  return kernelTable(count, cols, cols, pidsOf(cols.globalPid));
}

/**
 * The kernel table in two scans, for a GPU-first open (issue 15): `rows` has the columns GPU rows
 * are drawn and named from (times, device, stream, process, short and demangled names) and its
 * other columns empty (length 0); `details()` scans again for the rest and returns the whole table,
 * `rows`' arrays in it. A scan costs about as much per column as per row, so the first one is
 * about half of a whole read: the GPU rows wait for that half only.
 */
export function readKernelsInTwo(
  db: Db,
  shouldCancel?: Cancel,
  skipped?: Skipped,
): { rows: KernelTable; details: (shouldCancel?: Cancel) => KernelTable } {
  const first = readTable(db, KERNELS, KERNEL_ROW_COLUMNS, { shouldCancel, valid: VALID_SPAN, skipped });
  const pid = pidsOf(first.cols.globalPid);
  const I = () => new Int32Array(0);
  const empty: KernelDetailCols = {
    contextId: I(),
    correlationId: I(),
    mangledName: I(),
    gridX: I(),
    gridY: I(),
    gridZ: I(),
    blockX: I(),
    blockY: I(),
    blockZ: I(),
    registersPerThread: I(),
    staticSharedMemory: I(),
    dynamicSharedMemory: I(),
    graphNodeId: new Float64Array(0),
  };
  return {
    rows: kernelTable(first.count, first.cols, empty, pid),
    details: (cancelDetails) => {
      // The same rows pass the same rule (their invalid ones were counted by the first scan).
      const second = readTable(db, KERNELS, KERNEL_DETAIL_COLUMNS, { shouldCancel: cancelDetails, valid: VALID_SPAN });
      if (second.count !== first.count)
        throw new Error(`${KERNELS} read ${first.count} rows, then ${second.count}: the file changed while it was read`);
      return kernelTable(first.count, first.cols, second.cols, pid);
    },
  };
}

export function readMemcpy(db: Db, shouldCancel?: Cancel, skipped?: Skipped): MemcpyTable {
  const { count, cols } = readTable(
    db,
    'CUPTI_ACTIVITY_KIND_MEMCPY',
    {
      start: 'f64',
      end: 'f64',
      deviceId: 'i32',
      contextId: 'i32',
      streamId: 'i32',
      correlationId: 'i32',
      globalPid: 'f64',
      bytes: 'f64',
      copyKind: 'i32',
      srcKind: 'i32',
      dstKind: 'i32',
      graphNodeId: 'f64',
    },
    { shouldCancel, valid: VALID_SPAN, skipped },
  );
  return {
    count,
    startNs: cols.start,
    endNs: cols.end,
    deviceId: cols.deviceId,
    contextId: cols.contextId,
    streamId: cols.streamId,
    correlationId: cols.correlationId,
    globalPid: cols.globalPid,
    pid: pidsOf(cols.globalPid),
    bytes: cols.bytes,
    copyKind: cols.copyKind,
    srcKind: cols.srcKind,
    dstKind: cols.dstKind,
    graphNodeId: cols.graphNodeId,
  };
}

export function readMemset(db: Db, shouldCancel?: Cancel, skipped?: Skipped): MemsetTable {
  const { count, cols } = readTable(
    db,
    'CUPTI_ACTIVITY_KIND_MEMSET',
    {
      start: 'f64',
      end: 'f64',
      deviceId: 'i32',
      contextId: 'i32',
      streamId: 'i32',
      correlationId: 'i32',
      globalPid: 'f64',
      bytes: 'f64',
      memKind: 'i32',
      value: 'i32',
      graphNodeId: 'f64',
    },
    { shouldCancel, valid: VALID_SPAN, skipped },
  );
  return {
    count,
    startNs: cols.start,
    endNs: cols.end,
    deviceId: cols.deviceId,
    contextId: cols.contextId,
    streamId: cols.streamId,
    correlationId: cols.correlationId,
    globalPid: cols.globalPid,
    pid: pidsOf(cols.globalPid),
    bytes: cols.bytes,
    memKind: cols.memKind,
    value: cols.value,
    graphNodeId: cols.graphNodeId,
  };
}

/** Graph-level CUDA graph executions (nsys's default graph trace mode); empty when the file has none. */
export function readGraphExecs(db: Db, shouldCancel?: Cancel, skipped?: Skipped): GraphExecTable {
  const { count, cols } = readTable(
    db,
    'CUPTI_ACTIVITY_KIND_GRAPH_TRACE',
    {
      start: 'f64',
      end: 'f64',
      deviceId: 'i32',
      contextId: 'i32',
      streamId: 'i32',
      correlationId: 'i32',
      globalPid: 'f64',
      graphId: 'f64',
      graphExecId: 'f64',
    },
    { shouldCancel, valid: VALID_SPAN, skipped },
  );
  return {
    count,
    startNs: cols.start,
    endNs: cols.end,
    deviceId: cols.deviceId,
    contextId: cols.contextId,
    streamId: cols.streamId,
    correlationId: cols.correlationId,
    globalPid: cols.globalPid,
    pid: pidsOf(cols.globalPid),
    graphId: cols.graphId,
    graphExecId: cols.graphExecId,
  };
}

export function readApi(db: Db, shouldCancel?: Cancel, skipped?: Skipped): Omit<ApiTable, 'threadIndex'> {
  const { count, cols } = readTable(
    db,
    'CUPTI_ACTIVITY_KIND_RUNTIME',
    {
      start: 'f64',
      end: 'f64',
      globalTid: 'f64',
      correlationId: 'i32',
      nameId: 'i32',
      eventClass: 'i32',
    },
    { shouldCancel, valid: VALID_SPAN, skipped },
  );
  return {
    count,
    startNs: cols.start,
    endNs: cols.end,
    globalTid: cols.globalTid,
    correlationId: cols.correlationId,
    nameId: cols.nameId,
    eventClass: cols.eventClass,
  };
}

/**
 * OSRT_API also holds nsys's own "OS runtime tracing started/finished" markers (event classes
 * TRACE_PROCESS_EVENT_OS_RUNTIME_START/FINISH, ids 31/32 in both 2022.4 and 2025.3) on thread 0 of
 * the process: zero-length, named "[Unknown]" by 2025.3 (nameId 0). They are not calls, and
 * `nsys stats --report osrt_sum` leaves them out too, so the OS runtime lane does as well.
 */
function osrtMarkerClasses(db: Db): number[] {
  const names = ['TRACE_PROCESS_EVENT_OS_RUNTIME_START', 'TRACE_PROCESS_EVENT_OS_RUNTIME_FINISH'];
  return db
    .tableRows('ENUM_NSYS_EVENT_CLASS', ['id', 'name'])
    .filter((r) => typeof r[1] === 'string' && names.includes(r[1]))
    .map((r) => Number(r[0]))
    .filter((id) => Number.isInteger(id));
}

export function readOsrt(db: Db, shouldCancel?: Cancel, skipped?: Skipped): Omit<OsrtTable, 'threadIndex'> {
  const markers = db.tableColumns('OSRT_API').includes('eventClass') ? osrtMarkerClasses(db) : [];
  const { count, cols } = readTable(
    db,
    'OSRT_API',
    {
      start: 'f64',
      end: 'f64',
      globalTid: 'f64',
      nameId: 'i32',
      nestingLevel: 'i32',
      callchainId: 'f64',
    },
    {
      shouldCancel,
      where: markers.length ? { kind: 'not-in', column: 'eventClass', values: markers } : undefined,
      valid: VALID_SPAN,
      skipped,
    },
  );
  return {
    count,
    startNs: cols.start,
    endNs: cols.end,
    globalTid: cols.globalTid,
    nameId: cols.nameId,
    nestingLevel: cols.nestingLevel,
    callchainId: cols.callchainId,
  };
}

/** NVTX event types (ENUM_NSYS_EVENT_TYPE, stable across 2022.4 and 2025.3): ranges and marks we draw. */
export const NVTX_PUSHPOP = new Set([59, 70]);
export const NVTX_STARTEND = new Set([60, 71]);
export const NVTX_MARK = new Set([34, 65]);
export const NVTX_DOMAIN_CREATE = 75;

export interface RawNvtx {
  count: number;
  startNs: Float64Array;
  endNs: Float64Array;
  eventType: Int32Array;
  globalTid: Float64Array;
  text: (string | null)[];
  textId: Int32Array;
  domainId: Float64Array;
  color: Float64Array;
}

/** Text comes from `text` (unregistered strings) or `textId` → StringIds (registered strings). */
export function readNvtxRaw(db: Db, shouldCancel?: Cancel, skipped?: Skipped): RawNvtx {
  const { count, cols } = readTable(
    db,
    'NVTX_EVENTS',
    {
      start: 'f64',
      end: 'f64',
      eventType: 'i32',
      globalTid: 'f64',
      text: 'str',
      textId: 'i32',
      domainId: 'f64',
      color: 'f64',
    },
    { shouldCancel, valid: VALID_NVTX_SPAN, skipped },
  );
  return {
    count,
    startNs: cols.start,
    endNs: cols.end,
    eventType: cols.eventType,
    globalTid: cols.globalTid,
    text: cols.text,
    textId: cols.textId,
    domainId: cols.domainId,
    color: cols.color,
  };
}

export type { NvtxTable };
