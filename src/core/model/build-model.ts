import { CancelledError, NULL_INT, type Db } from '../db/db';
import {
  readApi,
  readGraphExecs,
  readKernels,
  readKernelsInTwo,
  readMemcpy,
  readMemset,
  readNvtxRaw,
  readOsrt,
  NVTX_DOMAIN_CREATE,
  NVTX_MARK,
  NVTX_PUSHPOP,
  NVTX_STARTEND,
} from '../schema/read-events';
import { readCallchains, readSamples, readThreadStates } from '../schema/read-cpu';
import { readGpuMemory } from '../schema/read-gpu-memory';
import {
  readEnum,
  readExportMeta,
  readGpus,
  readProcesses,
  readSession,
  readStrings,
  readThreadNames,
  remapStringIds,
} from '../schema/read-meta';
import { pidOf, tidOf } from '../util/global-id';
import { StringInterner } from '../util/string-interner';
import { nvtxGpuLane, projectNvtxToGpu } from '../steps/nvtx-projection';
import { NvtxStyle, type LaneKind, type NvtxTable, type ThreadInfo, type Track, type TraceModel } from './types';

export interface BuildOptions {
  sourceName: string;
  shouldCancel?: () => boolean;
  /**
   * Where the build stands: phase 'tables' (message: the table and its rows so far), 'tracks',
   * 'analyses', then 'done' at 1. Several times a second at most during a long table (every 65536 rows).
   */
  onProgress?: (phase: BuildPhase, fraction: number, message?: string) => void;
  /**
   * Progressive first frame (issue 15): called once the GPU tables are read, with a model that has
   * them and their tracks and empty CPU-side tables, so a host can draw GPU rows while the CUDA API,
   * NVTX, OSRT, sample and scheduling rows (most of the rows, most of the time) are still read. The
   * model returned at the end replaces it; the GPU tables are the same arrays in both, except that
   * the kernels' columns no GPU row is drawn or named from (launch configuration, correlation,
   * context, mangled name, graph node) are empty (length 0) in this one: they are read after it.
   */
  onGpuModel?: (partial: TraceModel) => void;
  /**
   * Called between table reads, after the event loop had its turn; a promise returned holds the
   * rest of the build until it settles. A host that answers the page on the build's own thread (the
   * desktop's trace worker) uses it to serve the first frame before the CPU tables' reads take the
   * thread: each is one synchronous scan, seconds long at 9M events (issue 15).
   */
  betweenTables?: () => Promise<void> | void;
}

/** The model's phases, in order (hosts show them by name: src/shared/open-phases.ts). */
export type BuildPhase = 'tables' | 'tracks' | 'analyses' | 'done';

/**
 * Db.columns polls its cancel check every 65536 rows (src/core/db/db.ts contract), so counting the
 * polls tells how far a long read is without a second hook in every backend.
 */
const ROWS_PER_CANCEL_POLL = 65536;

/** Tables that make a file an nsys export; a SQLite with none of them is not one. */
export const NSYS_MARKER_TABLES = [
  'StringIds',
  'META_DATA_EXPORT',
  'EXPORT_META_DATA',
  'TARGET_INFO_SESSION_START_TIME',
  'ANALYSIS_DETAILS',
];

export function isNsysExport(db: Db): boolean {
  return db.hasTable('StringIds') && NSYS_MARKER_TABLES.some((t) => t !== 'StringIds' && db.hasTable(t));
}

/**
 * Reads every table the viewer uses into the columnar model (the Db can be closed afterwards),
 * giving the event loop a turn between table reads (each a few hundred ms on a 1.5M-event trace). A host that loads on its own thread (the `serve` command, tests) then keeps
 * answering: the page's HTML and scripts load while the model is still being built, so the two
 * overlap the way the desktop app's window and its trace worker do.
 */
export async function buildModelAsync(db: Db, opts: BuildOptions): Promise<TraceModel> {
  const steps = buildModelSteps(db, opts);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    await opts.betweenTables?.();
  }
}

function* buildModelSteps(db: Db, opts: BuildOptions): Generator<void, TraceModel, void> {
  const cancel = opts.shouldCancel;
  const step = (phase: BuildPhase, f: number, message?: string) => {
    if (cancel?.()) throw new CancelledError();
    opts.onProgress?.(phase, f, message);
  };
  /**
   * The cancel check handed to one table's reader, reporting the rows read so far on each poll:
   * `from`..`to` is the table's share of the build's progress.
   */
  const reading = (table: string, from: number, to: number): (() => boolean) => {
    const expected = db.estimateRows(table);
    let polls = 0;
    step('tables', from, table);
    return () => {
      polls++;
      const rows = polls * ROWS_PER_CANCEL_POLL;
      const f = expected > 0 ? Math.min(1, rows / expected) : 0;
      opts.onProgress?.(
        'tables',
        from + f * (to - from),
        `${table}: ${rows.toLocaleString('en-US')}${expected > 0 ? ` of ~${expected.toLocaleString('en-US')}` : ''} rows`,
      );
      return cancel?.() ?? false;
    };
  };
  step('tables', 0, 'StringIds and metadata');
  const meta = readExportMeta(db);
  const stringTable = readStrings(db);
  const strings = stringTable.strings;
  const session = readSession(db);
  const processes = readProcesses(db);
  const threadNames = readThreadNames(db, stringTable);
  const gpus = readGpus(db);
  const enums = {
    memcpyOper: readEnum(db, 'ENUM_CUDA_MEMCPY_OPER'),
    memKind: readEnum(db, 'ENUM_CUDA_MEM_KIND'),
    eventClass: readEnum(db, 'ENUM_NSYS_EVENT_CLASS'),
    threadState: readEnum(db, 'ENUM_SAMPLING_THREAD_STATE'),
  };
  yield;
  const skippedRows: { table: string; rows: number }[] = [];
  // A GPU-first host gets its GPU rows after the kernel columns they are drawn from; the kernels'
  // other columns are read right after it has them (readKernelsInTwo). Other hosts read the table once.
  const gpuFirst = opts.onGpuModel !== undefined;
  const split = gpuFirst ? readKernelsInTwo(db, reading('CUPTI_ACTIVITY_KIND_KERNEL', 0.05, 0.2), skippedRows) : null;
  let kernels = split ? split.rows : readKernels(db, reading('CUPTI_ACTIVITY_KIND_KERNEL', 0.05, 0.35), skippedRows);
  for (const col of [kernels.shortNameId, kernels.demangledNameId, kernels.mangledNameId]) remapStringIds(col, stringTable.remap);
  yield;
  const memcpy = readMemcpy(db, reading('CUPTI_ACTIVITY_KIND_MEMCPY', gpuFirst ? 0.2 : 0.35, gpuFirst ? 0.23 : 0.38), skippedRows);
  const memset = readMemset(db, reading('CUPTI_ACTIVITY_KIND_MEMSET', gpuFirst ? 0.23 : 0.38, gpuFirst ? 0.24 : 0.39), skippedRows);
  const graphExecs = readGraphExecs(
    db,
    reading('CUPTI_ACTIVITY_KIND_GRAPH_TRACE', gpuFirst ? 0.24 : 0.39, gpuFirst ? 0.25 : 0.4),
    skippedRows,
  );
  yield;
  if (opts.onGpuModel) {
    const rows = { kernels, memcpy, memset, graphExecs };
    opts.onGpuModel(gpuOnlyModel(db, opts.sourceName, meta, session, strings, rows, processes, gpus, enums, skippedRows));
    yield;
  }
  if (split) {
    kernels = split.details(reading('CUPTI_ACTIVITY_KIND_KERNEL', 0.25, 0.4));
    remapStringIds(kernels.mangledNameId, stringTable.remap);
    yield;
  }
  const apiRaw = readApi(db, reading('CUPTI_ACTIVITY_KIND_RUNTIME', 0.4, 0.8), skippedRows);
  remapStringIds(apiRaw.nameId, stringTable.remap);
  yield;
  const nvtxRaw = readNvtxRaw(db, reading('NVTX_EVENTS', 0.8, 0.84), skippedRows);
  remapStringIds(nvtxRaw.textId, stringTable.remap);
  yield;
  const osrtRaw = readOsrt(db, reading('OSRT_API', 0.84, 0.85), skippedRows);
  remapStringIds(osrtRaw.nameId, stringTable.remap);
  const osrtStacks = readCallchains(db, 'OSRT_CALLCHAINS', reading('OSRT_CALLCHAINS', 0.85, 0.86));
  yield;
  const sampleStacks = readCallchains(db, 'SAMPLING_CALLCHAINS', reading('SAMPLING_CALLCHAINS', 0.86, 0.87));
  // Frames name StringIds entries: renumbered like every other name column when the file's ids were.
  for (const s of [osrtStacks, sampleStacks]) for (const col of [s.symbolId, s.moduleId]) remapStringIds(col, stringTable.remap);
  const samplesRaw = readSamples(db, sampleStacks, reading('COMPOSITE_EVENTS', 0.87, 0.88));
  yield;

  // Threads: every globalTid seen on a CPU-side table.
  const threadIdx = new Map<number, number>();
  const threads: ThreadInfo[] = [];
  const indexThreads = (gtids: Float64Array, count: number): Int32Array => {
    const out = new Int32Array(count);
    let lastG = NaN;
    let lastI = -1;
    for (let i = 0; i < count; i++) {
      const g = gtids[i];
      if (g !== lastG) {
        let ti = threadIdx.get(g);
        if (ti === undefined) {
          ti = threads.length;
          threadIdx.set(g, ti);
          threads.push({ globalTid: g, pid: pidOf(g), tid: tidOf(g), name: threadNames.get(g) ?? '' });
        }
        lastG = g;
        lastI = ti;
      }
      out[i] = lastI;
    }
    return out;
  };
  const api = { ...apiRaw, threadIndex: indexThreads(apiRaw.globalTid, apiRaw.count) };
  const osrt = { ...osrtRaw, threadIndex: indexThreads(osrtRaw.globalTid, osrtRaw.count) };
  const samples = { ...samplesRaw, threadIndex: indexThreads(samplesRaw.globalTid, samplesRaw.count) };

  // Event span, used to clamp unterminated NVTX ranges and as the capture window fallback.
  let firstEventNs = Infinity;
  let lastEventNs = -Infinity;
  for (const t of [kernels, memcpy, memset, graphExecs, api, osrt]) [firstEventNs, lastEventNs] = widenSpan(t, firstEventNs, lastEventNs);
  for (let i = 0; i < nvtxRaw.count; i++) {
    // Only what is drawn: nsys 2022.4 and 2025.3 keep thread-naming (type 39) and domain-creation
    // rows stamped when the process started, minutes before the capture (4gpu_baseline: -346 s).
    const et = nvtxRaw.eventType[i];
    if (!NVTX_PUSHPOP.has(et) && !NVTX_STARTEND.has(et) && !NVTX_MARK.has(et)) continue;
    // A range pushed before the capture started is clipped at the session start (0) for the view:
    // the timeline fits the capture, and the range's true times stay in the table for nvtx_sum.
    const start = session && session.durationNs > 0 ? Math.max(0, nvtxRaw.startNs[i]) : nvtxRaw.startNs[i];
    if (start < firstEventNs) firstEventNs = start;
    const e = nvtxRaw.endNs[i] === NULL_INT ? nvtxRaw.startNs[i] : nvtxRaw.endNs[i];
    if (e > lastEventNs) lastEventNs = e;
  }
  if (!Number.isFinite(firstEventNs)) {
    firstEventNs = 0;
    lastEventNs = 0;
  }

  const { nvtx, domains } = buildNvtx(nvtxRaw, strings, lastEventNs, indexThreads);
  // Samples and context switches do not widen the event span (nsys samples the whole process
  // tree from launch, before and after the CUDA work); a thread running at either end is clamped to it.
  const statesRaw = readThreadStates(db, Math.min(0, firstEventNs), lastEventNs, reading('SCHED_EVENTS', 0.88, 0.89));
  const threadStates = { ...statesRaw, threadIndex: indexThreads(statesRaw.globalTid, statesRaw.count) };
  const gpuMemory = readGpuMemory(db, lastEventNs, reading('CUDA_GPU_MEMORY_USAGE_EVENTS', 0.89, 0.9));
  step('tracks', 0.9);

  // Session span. Event timestamps count from the session start (0) in every export we have
  // (2020.3 through 2025.5, with and without --capture-range); ANALYSIS_DETAILS.startTime/stopTime
  // are on another clock (OSRT events precede startTime) and only its duration is used. The
  // capture defines the session: a range stamped before it (NVTX pushed before a delayed
  // capture started) lies at negative times, outside the session, instead of stretching it (a
  // 1.84 s capture once showed as 347.9 s). GPU work may end a few µs after the recorded
  // duration (4gpu_baseline, nsys 2022.4: 17 µs), so the end is the later of the two. Files
  // without ANALYSIS_DETAILS fall back to the span of their events.
  let sessionStartNs = firstEventNs;
  let sessionEndNs = lastEventNs;
  if (session && session.durationNs > 0) {
    sessionStartNs = 0;
    sessionEndNs = Math.max(session.durationNs, lastEventNs);
  }

  const model: TraceModel = {
    meta: {
      sourceName: opts.sourceName,
      exportVersion: meta.exportVersion,
      schemaVersion: meta.schemaVersion,
      metaTable: meta.metaTable,
      tables: db.tableNames().slice().sort(),
      sessionStartNs,
      sessionEndNs,
      firstEventNs,
      lastEventNs,
      utcEpochNs: session?.utcEpochNs ?? null,
      ...(skippedRows.length ? { skippedRows } : {}),
    },
    strings,
    kernels,
    memcpy,
    memset,
    graphExecs,
    api,
    nvtx,
    osrt,
    samples,
    threadStates,
    gpuMemory,
    nvtxGpu: nvtxGpuLane(nvtx, []), // filled below: the projection reads the model
    sampleStacks,
    osrtStacks,
    processes,
    threads,
    gpus,
    nvtxDomains: domains,
    enums,
    tracks: [],
  };
  step('analyses', 0.93, 'NVTX ranges projected onto the GPU');
  model.nvtxGpu = nvtxGpuLane(nvtx, projectNvtxToGpu(model));
  step('tracks', 0.96);
  model.tracks = buildTracks(model);
  step('done', 1);
  return model;
}

/**
 * [first start, last end] of `first`..`last` and a table's rows. The columns are taken out once:
 * read as `t.startNs[i]` in a loop over tables of different shapes, each row paid a megamorphic
 * property load (issue 15: 30M rows at x20).
 */
function widenSpan(t: { count: number; startNs: Float64Array; endNs: Float64Array }, first: number, last: number): [number, number] {
  const { count, startNs, endNs } = t;
  for (let i = 0; i < count; i++) {
    if (startNs[i] < first) first = startNs[i];
    if (endNs[i] > last) last = endNs[i];
  }
  return [first, last];
}

type ColumnType = Float64ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor | Uint16ArrayConstructor;

/** A table with no rows, its columns named once by their array type (CPU-side tables of the GPU-first model). */
function emptyTable<T extends { count: number }>(columns: { [K in Exclude<keyof T, 'count'>]: ColumnType }): T {
  const t: Record<string, unknown> = { count: 0 };
  for (const [k, C] of Object.entries<ColumnType>(columns)) t[k] = new C(0);
  return t as unknown as T;
}

const emptyStacks = (): TraceModel['sampleStacks'] => ({
  byId: new Map(),
  frameStart: new Int32Array(0),
  symbolId: new Int32Array(0),
  moduleId: new Int32Array(0),
});

/**
 * The model of the GPU tables alone (BuildOptions.onGpuModel). Its span is the capture's, or the
 * GPU rows' when the file records none: the final model may widen it by CPU rows (API calls before
 * the first kernel), and hosts show the final span when it lands.
 */
function gpuOnlyModel(
  db: Db,
  sourceName: string,
  meta: ReturnType<typeof readExportMeta>,
  session: ReturnType<typeof readSession>,
  strings: string[],
  rows: Pick<TraceModel, 'kernels' | 'memcpy' | 'memset' | 'graphExecs'>,
  processes: TraceModel['processes'],
  gpus: TraceModel['gpus'],
  enums: TraceModel['enums'],
  skippedRows: { table: string; rows: number }[],
): TraceModel {
  let firstEventNs = Infinity;
  let lastEventNs = -Infinity;
  for (const t of [rows.kernels, rows.memcpy, rows.memset, rows.graphExecs])
    [firstEventNs, lastEventNs] = widenSpan(t, firstEventNs, lastEventNs);
  if (!Number.isFinite(firstEventNs)) firstEventNs = lastEventNs = 0;
  const captured = session !== null && session.durationNs > 0;
  const F = Float64Array;
  const I = Int32Array;
  const model: TraceModel = {
    meta: {
      sourceName,
      exportVersion: meta.exportVersion,
      schemaVersion: meta.schemaVersion,
      metaTable: meta.metaTable,
      tables: db.tableNames().slice().sort(),
      sessionStartNs: captured ? 0 : firstEventNs,
      sessionEndNs: captured ? Math.max(session.durationNs, lastEventNs) : lastEventNs,
      firstEventNs: captured ? Math.min(0, firstEventNs) : firstEventNs,
      lastEventNs: captured ? Math.max(session.durationNs, lastEventNs) : lastEventNs,
      utcEpochNs: session?.utcEpochNs ?? null,
      ...(skippedRows.length ? { skippedRows: skippedRows.slice() } : {}),
    },
    strings,
    ...rows,
    api: emptyTable({ startNs: F, endNs: F, globalTid: F, threadIndex: I, correlationId: I, nameId: I, eventClass: I }),
    nvtx: emptyTable({
      startNs: F,
      endNs: F,
      eventType: I,
      style: Uint8Array,
      globalTid: F,
      threadIndex: I,
      nameId: I,
      domainId: F,
      color: F,
      depth: Uint16Array,
    }),
    osrt: emptyTable({ startNs: F, endNs: F, globalTid: F, threadIndex: I, nameId: I, nestingLevel: I, callchainId: F }),
    samples: emptyTable({ id: F, startNs: F, endNs: F, cpu: I, threadState: I, globalTid: F, threadIndex: I, nameId: I }),
    threadStates: emptyTable({ startNs: F, endNs: F, globalTid: F, threadIndex: I, cpu: I }),
    gpuMemory: emptyTable({ startNs: F, endNs: F, deviceId: I, deltaBytes: F, bytesInUse: F }),
    nvtxGpu: emptyTable({ startNs: F, endNs: F, nvtxIndex: I, deviceId: I, pid: I, nameId: I, depth: Uint16Array, gpuOps: I }),
    sampleStacks: emptyStacks(),
    osrtStacks: emptyStacks(),
    processes,
    threads: [],
    gpus,
    nvtxDomains: new Map([[0, '']]),
    enums,
    tracks: [],
  };
  model.tracks = buildTracks(model);
  return model;
}

function buildNvtx(
  raw: ReturnType<typeof readNvtxRaw>,
  strings: string[],
  lastEventNs: number,
  indexThreads: (g: Float64Array, n: number) => Int32Array,
): { nvtx: NvtxTable; domains: Map<number, string> } {
  const domains = new Map<number, string>([[0, '']]);
  const keep: number[] = [];
  for (let i = 0; i < raw.count; i++) {
    const et = raw.eventType[i];
    if (et === NVTX_DOMAIN_CREATE) {
      domains.set(raw.domainId[i] === NULL_INT ? 0 : raw.domainId[i], raw.text[i] ?? (raw.textId[i] >= 0 ? strings[raw.textId[i]] : ''));
    } else if (NVTX_PUSHPOP.has(et) || NVTX_STARTEND.has(et) || NVTX_MARK.has(et)) {
      keep.push(i);
    }
  }
  const n = keep.length;
  const nvtx: NvtxTable = {
    count: n,
    startNs: new Float64Array(n),
    endNs: new Float64Array(n),
    eventType: new Int32Array(n),
    style: new Uint8Array(n),
    globalTid: new Float64Array(n),
    threadIndex: new Int32Array(0),
    nameId: new Int32Array(n),
    domainId: new Float64Array(n),
    color: new Float64Array(n),
    depth: new Uint16Array(n),
  };
  const interner = new StringInterner(strings);
  const intern = (s: string): number => interner.intern(s);
  keep.forEach((i, k) => {
    const et = raw.eventType[i];
    nvtx.startNs[k] = raw.startNs[i];
    const style = NVTX_MARK.has(et) ? NvtxStyle.Mark : NVTX_STARTEND.has(et) ? NvtxStyle.StartEnd : NvtxStyle.PushPop;
    nvtx.style[k] = style;
    nvtx.endNs[k] =
      style === NvtxStyle.Mark ? raw.startNs[i] : raw.endNs[i] === NULL_INT ? Math.max(lastEventNs, raw.startNs[i]) : raw.endNs[i];
    nvtx.eventType[k] = et;
    nvtx.globalTid[k] = raw.globalTid[i];
    nvtx.nameId[k] = raw.textId[i] >= 0 && raw.text[i] === null ? raw.textId[i] : intern(raw.text[i] ?? '');
    nvtx.domainId[k] = raw.domainId[i] === NULL_INT ? 0 : raw.domainId[i];
    nvtx.color[k] = raw.color[i];
  });
  nvtx.threadIndex = indexThreads(nvtx.globalTid, n);
  return { nvtx, domains };
}

interface LaneSource {
  lane: LaneKind;
  count: number;
  startNs: Float64Array;
  endNs: Float64Array;
  /**
   * The group of row i: its thread (CPU lanes), or GPU_KEY(device, pid, stream ?? 0). Columns, not
   * a key function: a call per row through a function that differs per lane is not inlined, and
   * was a third of building the tracks (issue 15).
   */
  by: { thread: Int32Array } | { device: Int32Array; pid: Int32Array; stream: Int32Array | null };
}

/** Groups rows by key into start-sorted index lists (two passes, no per-event JS objects). */
function groupSorted(src: LaneSource): Map<number, Int32Array> {
  const thread = 'thread' in src.by ? src.by.thread : null;
  const device = 'device' in src.by ? src.by.device : null;
  const pid = 'pid' in src.by ? src.by.pid : null;
  const stream = 'stream' in src.by ? src.by.stream : null;
  const keyOf = (i: number): number => (thread ? thread[i] : GPU_KEY(device![i], pid![i], stream ? stream[i] : 0));
  const counts = new Map<number, number>();
  let runKey = NaN;
  let run = 0;
  let runs = 0;
  for (let i = 0; i < src.count; i++) {
    const k = keyOf(i);
    if (k === runKey) {
      run++;
      continue;
    }
    if (run) counts.set(runKey, (counts.get(runKey) ?? 0) + run);
    runKey = k;
    run = 1;
    runs++;
  }
  if (run) counts.set(runKey, (counts.get(runKey) ?? 0) + run);
  if (runs === 1) {
    // One group (a trace with one stream, a thread's only lane): the rows in table order, checked
    // for order without the index indirection (issue 15: 3M kernels before the GPU rows are shown).
    const { startNs, endNs } = src;
    let sorted = true;
    for (let i = 1; i < src.count; i++) {
      if (startNs[i] < startNs[i - 1] || (startNs[i] === startNs[i - 1] && endNs[i] > endNs[i - 1])) {
        sorted = false;
        break;
      }
    }
    const idx = new Int32Array(src.count);
    for (let i = 0; i < src.count; i++) idx[i] = i;
    return new Map([[runKey, sorted ? idx : argsortByStart(idx, startNs, endNs)]]);
  }
  const groups = new Map<number, Int32Array>();
  const fill = new Map<number, number>();
  for (const [k, c] of counts) {
    groups.set(k, new Int32Array(c));
    fill.set(k, 0);
  }
  let curKey = NaN;
  let curArr: Int32Array | undefined;
  let curFill = 0;
  for (let i = 0; i < src.count; i++) {
    const k = keyOf(i);
    if (k !== curKey) {
      if (curArr) fill.set(curKey, curFill);
      curKey = k;
      curArr = groups.get(k)!;
      curFill = fill.get(k)!;
    }
    curArr![curFill++] = i;
  }
  if (curArr) fill.set(curKey, curFill);
  // Every lane, GPU and CPU alike: nsys 2025.6+ exports do not promise row order, and even sorted
  // files write a push/pop range when it is popped, so a child that starts on its parent's ns
  // precedes the parent. The order wanted is start ascending, then end descending (the enclosing
  // range first, so NVTX depths put the parent above the child).
  for (const [k, idx] of groups) {
    let sorted = true;
    for (let j = 1; j < idx.length; j++) {
      const a = idx[j - 1];
      const b = idx[j];
      if (src.startNs[b] < src.startNs[a] || (src.startNs[b] === src.startNs[a] && src.endNs[b] > src.endNs[a])) {
        sorted = false;
        break;
      }
    }
    if (!sorted) groups.set(k, argsortByStart(idx, src.startNs, src.endNs));
  }
  return groups;
}

/** Sorts indices by start, ties by end descending so parents precede children, then by row. */
function argsortByStart(idx: Int32Array, startNs: Float64Array, endNs: Float64Array): Int32Array {
  const arr = Array.from(idx);
  arr.sort((a, b) => startNs[a] - startNs[b] || endNs[b] - endNs[a] || a - b);
  return Int32Array.from(arr);
}

function maxDur(idx: Int32Array, startNs: Float64Array, endNs: Float64Array): number {
  let m = 0;
  for (let j = 0; j < idx.length; j++) {
    const d = endNs[idx[j]] - startNs[idx[j]];
    if (d > m) m = d;
  }
  return m;
}

/**
 * Depths are stored as Uint16: 65535 rows of NVTX_DEPTH_PX each are already far taller than any
 * screen, and 2 bytes per slice keep LOD transfers small. A thread nested deeper than that (only a
 * hostile or runaway trace) draws its deepest ranges on the last row instead of wrapping to row 0.
 */
export const MAX_NVTX_DEPTH = 0xffff;

/**
 * Greedy interval colouring: each range takes the lowest depth whose last range has ended by its
 * start, and the depths above it are forgotten (they ended, or belong to ranges this one ends
 * inside). The levels' end times live in a min segment tree, so "lowest level ended by `start`" is
 * one O(log n) descent instead of a scan from level 0 (quadratic for 100k nested ranges).
 */
function assignDepths(idx: Int32Array, startNs: Float64Array, endNs: Float64Array, depth: Uint16Array): number {
  const n = idx.length;
  if (n === 0) return 1;
  let size = 1;
  while (size < n + 1) size *= 2;
  const tree = new Float64Array(2 * size).fill(Infinity); // leaf size + d: end of level d's last range
  const set = (d: number, v: number) => {
    let p = size + d;
    tree[p] = v;
    for (p >>= 1; p >= 1; p >>= 1) tree[p] = Math.min(tree[2 * p], tree[2 * p + 1]);
  };
  // Lowest level < levels whose end ≤ start, or `levels` when every live level is still open.
  const firstEnded = (start: number, levels: number): number => {
    if (levels === 0 || tree[1] > start) return levels;
    let p = 1;
    let lo = 0;
    let span = size;
    while (p < size) {
      span >>= 1;
      if (tree[2 * p] <= start) p = 2 * p;
      else {
        p = 2 * p + 1;
        lo += span;
      }
    }
    return lo < levels ? lo : levels;
  };
  let levels = 0;
  let max = 0;
  for (let j = 0; j < n; j++) {
    const i = idx[j];
    const d = firstEnded(startNs[i], levels);
    set(d, endNs[i]);
    // Deeper levels are dropped: reset them so the tree's minimum only sees live levels.
    for (let k = d + 1; k < levels; k++) set(k, Infinity);
    levels = d + 1;
    depth[i] = d < MAX_NVTX_DEPTH ? d : MAX_NVTX_DEPTH;
    if (d > max) max = d;
  }
  return Math.min(max, MAX_NVTX_DEPTH) + 1;
}

// GPU rows are keyed by device, process and stream: two processes may both use "stream 7" on one
// GPU (the multiproc trace does), and those are different queues.
const GPU_KEY = (device: number, pid: number, stream: number) => (device * 16777216 + pid) * 1e6 + stream;

export function buildTracks(m: TraceModel): Track[] {
  const tracks: Track[] = [];
  const gpuLanes: [
    LaneKind,
    { count: number; startNs: Float64Array; endNs: Float64Array; deviceId: Int32Array; streamId: Int32Array; pid: Int32Array },
  ][] = [
    ['kernel', m.kernels],
    ['graph', m.graphExecs],
    ['memcpy', m.memcpy],
    ['memset', m.memset],
  ];
  for (const [lane, t] of gpuLanes) {
    const groups = groupSorted({
      lane,
      count: t.count,
      startNs: t.startNs,
      endNs: t.endNs,
      by: { device: t.deviceId, pid: t.pid, stream: t.streamId },
    });
    for (const [, idx] of groups) {
      const dev = t.deviceId[idx[0]];
      const stream = t.streamId[idx[0]];
      const pid = t.pid[idx[0]];
      tracks.push({
        id: `gpu/${dev}/${pid}/${stream}/${lane}`,
        lane,
        label: `Stream ${stream} ${lane === 'graph' ? 'CUDA graphs' : lane}`,
        deviceId: dev,
        streamId: stream,
        pid,
        indices: idx,
        maxDurNs: maxDur(idx, t.startNs, t.endNs),
        depthCount: 1,
      });
    }
  }
  // One GPU memory counter per device (rows are sorted by device, then time).
  for (let i = 0; i < m.gpuMemory.count;) {
    const dev = m.gpuMemory.deviceId[i];
    let j = i;
    let max = 0;
    while (j < m.gpuMemory.count && m.gpuMemory.deviceId[j] === dev) max = Math.max(max, m.gpuMemory.bytesInUse[j++]);
    const idx = new Int32Array(j - i);
    for (let k = 0; k < idx.length; k++) idx[k] = i + k;
    tracks.push({
      id: `gpu/${dev}/memory`,
      lane: 'gpu-memory',
      label: `GPU ${dev} memory`,
      deviceId: dev,
      indices: idx,
      maxDurNs: maxDur(idx, m.gpuMemory.startNs, m.gpuMemory.endNs),
      depthCount: 1,
      counterMax: max,
    });
    i = j;
  }
  // NVTX projected onto the GPU: one row per (device, process), nested like the CPU NVTX row.
  {
    const t = m.nvtxGpu;
    const groups = groupSorted({
      lane: 'nvtx-gpu',
      count: t.count,
      startNs: t.startNs,
      endNs: t.endNs,
      by: { device: t.deviceId, pid: t.pid, stream: null },
    });
    for (const [, idx] of groups) {
      const dev = t.deviceId[idx[0]];
      const pid = t.pid[idx[0]];
      tracks.push({
        id: `gpu/${dev}/${pid}/nvtx-gpu`,
        lane: 'nvtx-gpu',
        label: `GPU ${dev} NVTX (projected)`,
        deviceId: dev,
        pid,
        indices: idx,
        maxDurNs: maxDur(idx, t.startNs, t.endNs),
        depthCount: assignDepths(idx, t.startNs, t.endNs, t.depth),
      });
    }
  }
  const cpuLanes: [LaneKind, { count: number; startNs: Float64Array; endNs: Float64Array; threadIndex: Int32Array }][] = [
    ['cuda-api', m.api],
    ['nvtx', m.nvtx],
    ['osrt', m.osrt],
    ['sample', m.samples],
    ['sched', m.threadStates],
  ];
  for (const [lane, t] of cpuLanes) {
    const groups = groupSorted({ lane, count: t.count, startNs: t.startNs, endNs: t.endNs, by: { thread: t.threadIndex } });
    for (const [ti, idx] of groups) {
      const th = m.threads[ti];
      const depthCount = lane === 'nvtx' ? assignDepths(idx, t.startNs, t.endNs, m.nvtx.depth) : 1;
      tracks.push({
        id: `cpu/${th.pid}/${th.tid}/${lane}`,
        lane,
        label: `${th.name || `Thread ${th.tid}`} ${lane === 'sample' ? 'CPU samples' : lane === 'sched' ? 'thread state' : lane}`,
        pid: th.pid,
        tid: th.tid,
        indices: idx,
        maxDurNs: maxDur(idx, t.startNs, t.endNs),
        depthCount,
      });
    }
  }
  const laneOrder: LaneKind[] = ['kernel', 'graph', 'memcpy', 'memset', 'nvtx', 'cuda-api', 'osrt', 'sched', 'sample'];
  tracks.sort((a, b) => {
    const ga = a.deviceId !== undefined ? 0 : 1;
    const gb = b.deviceId !== undefined ? 0 : 1;
    if (ga !== gb) return ga - gb;
    // Tracks without a stream (memory, projected NVTX) come first in their device/process.
    if (ga === 0)
      return (
        a.deviceId! - b.deviceId! ||
        (a.pid ?? -1) - (b.pid ?? -1) ||
        (a.streamId ?? -1) - (b.streamId ?? -1) ||
        laneOrder.indexOf(a.lane) - laneOrder.indexOf(b.lane)
      );
    return a.pid! - b.pid! || a.tid! - b.tid! || laneOrder.indexOf(a.lane) - laneOrder.indexOf(b.lane);
  });
  return tracks;
}
