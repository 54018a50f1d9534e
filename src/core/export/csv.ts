import Papa from 'papaparse';
import { FORMULA_START } from '../util/csv-formula';
import { analyzeMemOps, NO_KIND_LABEL, OP_MEMSET, type MemOpTable } from '../analysis/memcpy';
import type { CorrelationIndex } from '../model/correlation';
import { NVTX_STYLE_NAMES, type TraceModel } from '../model/types';
import { laneEventsInRange } from '../query/range';
import { formatBytes } from '../util/format';
import { kernelCategory } from '../util/kernel-category';
import { apiDisplayName } from '../stats/numeric';

/**
 * Window CSV export, file for file the dumps our users made by hand (see the seed formats): their
 * column names first and in their order, then ours (exact integer ns, pid, correlation id).
 *
 * Window semantics: every kernel / copy / memset that OVERLAPS [fromMs, toMs] is exported (an op
 * that started before fromMs and ends inside counts). All times — the window bounds and every
 * *_ms / *_time / *_ns column — are measured from the session start, the same clock as the
 * timeline (the seed scripts measured from the first kernel, so their files from different windows
 * did not line up).
 *
 * Units: *_ms columns and trimmed.csv's start_time/end_time are milliseconds printed with 6
 * decimals, i.e. exact to the ns (the seed printed 4); *_ns columns are integer ns; size_bytes
 * bytes; size_human decimal units (MB = 10^6 bytes, as nsys prints); dma_bw_gbps decimal GB/s =
 * bytes / ns. Memory kinds and directions are the labels of the file's ENUM_CUDA_MEM_KIND /
 * ENUM_CUDA_MEMCPY_OPER tables; a memset has no source kind (empty). Copies are matched to their
 * CUDA API call by (pid, correlationId).
 *
 * CUDA graph executions (graph-level trace, nsys's default) are GPU work whose kernels the trace
 * does not hold: they go into trimmed.csv (engine "graph") and kernels_*.csv as rows of their own,
 * in start order with the kernels. kernels_*.csv says which is which in its appended `kind`
 * column (kernel | graph), with `graph_id` and `graph_exec_id`; a graph row has no grid, block,
 * registers or shared memory (empty) and op_type "graph".
 *
 * CPU-side events go beside them, one file per lane, with the same window rule (every event
 * overlapping the window, its own start and end unclipped) and the same columns of time:
 * cuda_api_*.csv (CUDA runtime and driver calls: `api_name` without nsys's `_vNNNN` version
 * suffix, as nsys stats prints it, and `raw_name` as the file stores it), nvtx_*.csv (push/pop and
 * start/end ranges and marks, with domain and style; a mark's end is its start) and osrt_*.csv (OS
 * runtime calls). Each row names its process and thread (pid, tid and their names), in start
 * order across threads.
 */

export interface CsvFile {
  fileName: string;
  csv: string;
  /** Data rows (without the header). */
  rows: number;
  /** CPU-side events (cuda_api_*, nvtx_*, osrt_*); absent on the GPU files. */
  cpu?: true;
}

export interface CsvWindow {
  /** Window in ms since session start. */
  fromMs: number;
  toMs: number;
  /** Reuse a correlation index (the service caches one per trace). */
  correlation?: CorrelationIndex;
}

/** Bad window bounds: the message says what the trace's span is. */
export class ExportWindowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportWindowError';
  }
}

/** Exact ms text of integer ns: 1234567 → "1.234567" (no float rounding). */
export function nsToMs(ns: number): string {
  if (!Number.isFinite(ns)) return '';
  const neg = ns < 0;
  const a = Math.round(Math.abs(ns));
  const whole = Math.floor(a / 1e6);
  const frac = a - whole * 1e6;
  return `${neg && a > 0 ? '-' : ''}${whole}.${String(frac).padStart(6, '0')}`;
}

const optNs = (v: number) => (Number.isFinite(v) ? v : '');
const kindLabel = (s: string) => (s === NO_KIND_LABEL ? '' : s);
const gbps = (v: number) => Number(v.toFixed(4));

/** "8400-8540.5ms": the numbers as given. */
export function windowTag(fromMs: number, toMs: number): string {
  return `${fromMs}-${toMs}ms`;
}

/**
 * `quoted`: text columns that always get quotes (kernel names, grid/block triples). Valid CSV either
 * way; it spares papaparse five scans of every long demangled name looking for characters that
 * would need quotes — a quarter of the export time at 18k kernels.
 */
function unparse(fields: string[], data: (string | number)[][], quoted: string[] = []): string {
  const always = fields.map((f) => quoted.includes(f));
  // The header goes in as the first row rather than as `fields`: with `fields` papaparse calls
  // Object.keys() on every row (an array of 19 key strings per row). '\n' line ends (pandas, csv,
  // Excel all read them); papaparse quotes any other cell holding a comma, a quote (doubled) or a
  // line break.
  let header = true;
  return (
    Papa.unparse([fields, ...data], {
      newline: '\n',
      // Text cells that a spreadsheet would run as a formula get a leading ' (see csv-formula.ts);
      // number cells, and numeric text such as a negative "-0.25" ms, stay numbers.
      escapeFormulae: FORMULA_START,
      quotes: (_value: unknown, col: number) => {
        if (header) {
          if (col === fields.length - 1) header = false;
          return false;
        }
        return always[col];
      },
    }) + '\n'
  );
}

export function exportWindowCsv(model: TraceModel, w: CsvWindow): CsvFile[] {
  const { fromMs, toMs } = w;
  const spanMs = `the trace spans ${nsToMs(model.meta.sessionStartNs)}–${nsToMs(model.meta.sessionEndNs)} ms since session start`;
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs))
    throw new ExportWindowError(`Window bounds must be numbers of ms since session start (${spanMs}).`);
  if (toMs <= fromMs) throw new ExportWindowError(`Empty window: --to (${toMs}) must be after --from (${fromMs}); ${spanMs}.`);
  const t0 = Math.round(fromMs * 1e6);
  const t1 = Math.round(toMs * 1e6);
  const tag = windowTag(fromMs, toMs);
  const { strings } = model;
  const K = model.kernels;
  const kIdx = laneEventsInRange(model, 'kernel', t0, t1);
  const gIdx = laneEventsInRange(model, 'graph', t0, t1);
  const ops = analyzeMemOps(model, { t0Ns: t0, t1Ns: t1, correlation: w.correlation });
  const name = (i: number) => strings[K.demangledNameId[i]] ?? strings[K.shortNameId[i]] ?? '';
  const shortName = (i: number) => strings[K.shortNameId[i]] ?? name(i);
  const graphName = (g: number) => `[CUDA graph ${model.graphExecs.graphId[g]}]`;

  return [
    trimmed(model, kIdx, gIdx, ops, shortName, graphName),
    kernelsCsv(model, kIdx, gIdx, tag, name, shortName, graphName),
    memcpyCsv(ops, tag),
    memcpyE2eCsv(model, ops, tag),
    pairsCsv(model, ops, tag, name),
    ...cpuCsvs(model, t0, t1, tag),
  ];
}

/** Process and thread columns of a CPU event (pid, tid, process name, thread name), built once per thread. */
function threadColumnsOf(model: TraceModel): (threadIndex: number) => (string | number)[] {
  const procName = new Map(model.processes.map((p) => [p.pid, p.name]));
  const cache = new Map<number, (string | number)[]>();
  return (t) => {
    let cols = cache.get(t);
    if (!cols) {
      const th = model.threads[t];
      cols = th ? [th.pid, th.tid, procName.get(th.pid) ?? '', th.name] : ['', '', '', ''];
      cache.set(t, cols);
    }
    return cols;
  };
}

const CPU_TIME_FIELDS = ['start_ms', 'end_ms', 'duration_ms'];
const CPU_NS_FIELDS = ['start_ns', 'end_ns', 'duration_ns'];
const THREAD_FIELDS = ['pid', 'tid', 'process_name', 'thread_name'];

/** cuda_api_*, nvtx_* and osrt_* of the window (see the file comment). */
function cpuCsvs(model: TraceModel, t0: number, t1: number, tag: string): CsvFile[] {
  const { strings } = model;
  const threadColumns = threadColumnsOf(model);
  // Names per string id, not per row: a window of a decode loop holds tens of thousands of calls to a few APIs.
  const apiNames = new Map<number, [string, string]>();
  const apiName = (id: number) => {
    let n = apiNames.get(id);
    if (!n) apiNames.set(id, (n = [apiDisplayName(strings[id] ?? ''), strings[id] ?? '']));
    return n;
  };
  const times = (s: number, e: number) => [nsToMs(s), nsToMs(e), nsToMs(e - s)];
  const ns = (s: number, e: number) => [s, e, e - s];

  const A = model.api;
  const api = Array.from(laneEventsInRange(model, 'cuda-api', t0, t1), (i) => {
    const [shown, raw] = apiName(A.nameId[i]);
    return [
      ...times(A.startNs[i], A.endNs[i]),
      shown,
      raw,
      model.enums.eventClass.labels.get(A.eventClass[i]) ?? '',
      ...threadColumns(A.threadIndex[i]),
      A.correlationId[i],
      ...ns(A.startNs[i], A.endNs[i]),
    ];
  });

  const N = model.nvtx;
  const nvtx = Array.from(laneEventsInRange(model, 'nvtx', t0, t1), (i) => [
    ...times(N.startNs[i], N.endNs[i]),
    strings[N.nameId[i]] ?? '',
    model.nvtxDomains.get(N.domainId[i]) ?? '',
    NVTX_STYLE_NAMES[N.style[i]] ?? '',
    N.depth[i],
    ...threadColumns(N.threadIndex[i]),
    ...ns(N.startNs[i], N.endNs[i]),
  ]);

  const O = model.osrt;
  const osrt = Array.from(laneEventsInRange(model, 'osrt', t0, t1), (i) => [
    ...times(O.startNs[i], O.endNs[i]),
    strings[O.nameId[i]] ?? '',
    O.nestingLevel[i],
    ...threadColumns(O.threadIndex[i]),
    ...ns(O.startNs[i], O.endNs[i]),
  ]);

  const file = (prefix: string, fields: string[], data: (string | number)[][], quoted: string[]): CsvFile => ({
    fileName: `${prefix}_${tag}.csv`,
    csv: unparse(fields, data, quoted),
    rows: data.length,
    cpu: true,
  });
  return [
    file(
      'cuda_api',
      [...CPU_TIME_FIELDS, 'api_name', 'raw_name', 'api_kind', ...THREAD_FIELDS, 'correlation_id', ...CPU_NS_FIELDS],
      api,
      [],
    ),
    file('nvtx', [...CPU_TIME_FIELDS, 'name', 'domain', 'style', 'depth', ...THREAD_FIELDS, ...CPU_NS_FIELDS], nvtx, ['name']),
    file('osrt', [...CPU_TIME_FIELDS, 'name', 'nesting_level', ...THREAD_FIELDS, ...CPU_NS_FIELDS], osrt, []),
  ];
}

/** trimmed.csv: the seed's three columns, then exact ns and a short name (the full one is in kernels_*.csv). */
function trimmed(
  model: TraceModel,
  kIdx: Int32Array,
  gIdx: Int32Array,
  ops: MemOpTable,
  name: (i: number) => string,
  graphName: (g: number) => string,
): CsvFile {
  const K = model.kernels;
  const G = model.graphExecs;
  const rows: (string | number)[][] = [];
  const starts: number[] = [];
  for (const i of kIdx) {
    rows.push(['kernel', nsToMs(K.startNs[i]), nsToMs(K.endNs[i]), K.startNs[i], K.endNs[i], name(i), K.deviceId[i], K.streamId[i]]);
    starts.push(K.startNs[i]);
  }
  for (const g of gIdx) {
    rows.push(['graph', nsToMs(G.startNs[g]), nsToMs(G.endNs[g]), G.startNs[g], G.endNs[g], graphName(g), G.deviceId[g], G.streamId[g]]);
    starts.push(G.startNs[g]);
  }
  for (let k = 0; k < ops.count; k++) {
    const engine = ops.op[k] === OP_MEMSET ? 'memset' : 'memcpy';
    const label = ops.op[k] === OP_MEMSET ? 'Memset' : `Memcpy ${ops.labels[ops.directionLabel[k]]}`;
    rows.push([
      engine,
      nsToMs(ops.gpuStartNs[k]),
      nsToMs(ops.gpuEndNs[k]),
      ops.gpuStartNs[k],
      ops.gpuEndNs[k],
      label,
      ops.deviceId[k],
      ops.streamId[k],
    ]);
    starts.push(ops.gpuStartNs[k]);
  }
  const order = rows.map((_, r) => r).sort((a, b) => starts[a] - starts[b] || a - b);
  const fields = ['engine', 'start_time', 'end_time', 'start_ns', 'end_ns', 'name', 'device_id', 'stream_id'];
  return {
    fileName: 'trimmed.csv',
    csv: unparse(
      fields,
      order.map((r) => rows[r]),
      ['name'],
    ),
    rows: rows.length,
  };
}

function kernelsCsv(
  model: TraceModel,
  kIdx: Int32Array,
  gIdx: Int32Array,
  tag: string,
  name: (i: number) => string,
  shortName: (i: number) => string,
  graphName: (g: number) => string,
): CsvFile {
  const K = model.kernels;
  const G = model.graphExecs;
  const fields = [
    'start_ms',
    'end_ms',
    'duration_ms',
    'device_id',
    'stream_id',
    'grid',
    'block',
    'registers',
    'shared_mem_bytes',
    'op_type',
    'op_name',
    'full_name',
    'start_ns',
    'end_ns',
    'duration_ns',
    'pid',
    'correlation_id',
    'static_shared_mem_bytes',
    'dynamic_shared_mem_bytes',
    'kind',
    'graph_id',
    'graph_exec_id',
  ];
  // Category per distinct name, not per row: the regexes over long demangled names add up at 18k rows.
  const categoryOf = new Map<number, string>();
  const data = Array.from(kIdx, (i) => {
    const s = K.startNs[i];
    const e = K.endNs[i];
    const full = name(i);
    let category = categoryOf.get(K.demangledNameId[i]);
    if (category === undefined) categoryOf.set(K.demangledNameId[i], (category = kernelCategory(full)));
    return [
      nsToMs(s),
      nsToMs(e),
      nsToMs(e - s),
      K.deviceId[i],
      K.streamId[i],
      `(${K.gridX[i]},${K.gridY[i]},${K.gridZ[i]})`,
      `(${K.blockX[i]},${K.blockY[i]},${K.blockZ[i]})`,
      K.registersPerThread[i],
      K.staticSharedMemory[i] + K.dynamicSharedMemory[i],
      category,
      shortName(i),
      full,
      s,
      e,
      e - s,
      K.pid[i],
      K.correlationId[i],
      K.staticSharedMemory[i],
      K.dynamicSharedMemory[i],
      'kernel',
      '',
      '',
    ];
  });
  if (gIdx.length) {
    const starts = Array.from(kIdx, (i) => K.startNs[i]);
    for (const g of gIdx) {
      const s = G.startNs[g];
      const e = G.endNs[g];
      data.push([
        nsToMs(s),
        nsToMs(e),
        nsToMs(e - s),
        G.deviceId[g],
        G.streamId[g],
        '',
        '',
        '',
        '',
        'graph',
        graphName(g),
        graphName(g),
        s,
        e,
        e - s,
        G.pid[g],
        G.correlationId[g],
        '',
        '',
        'graph',
        G.graphId[g],
        G.graphExecId[g],
      ]);
      starts.push(s);
    }
    const order = data.map((_, r) => r).sort((a, b) => starts[a] - starts[b] || a - b);
    const sorted = order.map((r) => data[r]);
    return { fileName: `kernels_${tag}.csv`, csv: unparse(fields, sorted, ['grid', 'block', 'op_name', 'full_name']), rows: sorted.length };
  }
  return { fileName: `kernels_${tag}.csv`, csv: unparse(fields, data, ['grid', 'block', 'op_name', 'full_name']), rows: data.length };
}

const opType = (t: MemOpTable, k: number) => (t.op[k] === OP_MEMSET ? 'memset' : 'memcpy');

function memcpyCsv(t: MemOpTable, tag: string): CsvFile {
  const fields = [
    'start_ms',
    'end_ms',
    'duration_ms',
    'size_bytes',
    'size_human',
    'src_mem',
    'dst_mem',
    'device_id',
    'stream_id',
    'dma_bw_gbps',
    'op_type',
    'direction',
    'start_ns',
    'end_ns',
    'duration_ns',
    'pid',
    'correlation_id',
  ];
  const data: (string | number)[][] = [];
  for (let k = 0; k < t.count; k++) {
    data.push([
      nsToMs(t.gpuStartNs[k]),
      nsToMs(t.gpuEndNs[k]),
      nsToMs(t.dmaNs[k]),
      t.bytes[k],
      formatBytes(t.bytes[k]),
      kindLabel(t.labels[t.srcLabel[k]]),
      kindLabel(t.labels[t.dstLabel[k]]),
      t.deviceId[k],
      t.streamId[k],
      gbps(t.gbps[k]),
      opType(t, k),
      t.labels[t.directionLabel[k]],
      t.gpuStartNs[k],
      t.gpuEndNs[k],
      t.dmaNs[k],
      t.pid[k],
      t.correlationId[k],
    ]);
  }
  return { fileName: `memcpy_${tag}.csv`, csv: unparse(fields, data), rows: data.length };
}

function memcpyE2eCsv(model: TraceModel, t: MemOpTable, tag: string): CsvFile {
  const fields = [
    'cpu_start_ms',
    'cpu_end_ms',
    'cpu_wall_ms',
    'gpu_start_ms',
    'gpu_end_ms',
    'gpu_dma_ms',
    'launch_overhead_ms',
    'e2e_ms',
    'size_bytes',
    'size_human',
    'src_mem',
    'dst_mem',
    'device_id',
    'stream_id',
    'dma_bw_gbps',
    'op_type',
    'direction',
    'api_name',
    'cpu_start_ns',
    'cpu_end_ns',
    'cpu_wall_ns',
    'gpu_start_ns',
    'gpu_end_ns',
    'gpu_dma_ns',
    'launch_overhead_ns',
    'sync_wait_ns',
    'e2e_ns',
    'pid',
    'tid',
    'correlation_id',
  ];
  const data: (string | number)[][] = [];
  for (let k = 0; k < t.count; k++) {
    const hasApi = t.apiIndex[k] >= 0;
    data.push([
      nsToMs(t.cpuStartNs[k]),
      nsToMs(t.cpuEndNs[k]),
      nsToMs(t.apiNs[k]),
      nsToMs(t.gpuStartNs[k]),
      nsToMs(t.gpuEndNs[k]),
      nsToMs(t.dmaNs[k]),
      nsToMs(t.launchNs[k]),
      nsToMs(t.e2eNs[k]),
      t.bytes[k],
      formatBytes(t.bytes[k]),
      kindLabel(t.labels[t.srcLabel[k]]),
      kindLabel(t.labels[t.dstLabel[k]]),
      t.deviceId[k],
      t.streamId[k],
      gbps(t.gbps[k]),
      opType(t, k),
      t.labels[t.directionLabel[k]],
      hasApi ? (model.strings[t.apiNameId[k]] ?? '') : '',
      optNs(t.cpuStartNs[k]),
      optNs(t.cpuEndNs[k]),
      optNs(t.apiNs[k]),
      t.gpuStartNs[k],
      t.gpuEndNs[k],
      t.dmaNs[k],
      optNs(t.launchNs[k]),
      optNs(t.syncWaitNs[k]),
      optNs(t.e2eNs[k]),
      t.pid[k],
      hasApi ? (model.threads[t.threadIndex[k]]?.tid ?? '') : '',
      t.correlationId[k],
    ]);
  }
  return { fileName: `memcpy_e2e_${tag}.csv`, csv: unparse(fields, data), rows: data.length };
}

function pairsCsv(model: TraceModel, t: MemOpTable, tag: string, name: (i: number) => string): CsvFile {
  const K = model.kernels;
  const fields = [
    'memcpy_start_ms',
    'memcpy_end_ms',
    'memcpy_dur_ms',
    'size_bytes',
    'size_human',
    'direction',
    'src_mem',
    'dst_mem',
    'gap_before_ms',
    'gap_after_ms',
    'stream_id',
    'dma_bw_gbps',
    'prev_kernel_name',
    'prev_kernel_end_ms',
    'next_kernel_name',
    'next_kernel_start_ms',
    'memcpy_start_ns',
    'memcpy_end_ns',
    'gap_before_ns',
    'gap_after_ns',
    'prev_kernel_end_ns',
    'next_kernel_start_ns',
    'device_id',
    'op_type',
  ];
  const data: (string | number)[][] = [];
  for (let k = 0; k < t.count; k++) {
    // Nearest kernel before/after on the same stream (see MemOpTable.prevKernelStream); empty when none.
    const p = t.prevKernelStream[k];
    const n = t.nextKernelStream[k];
    const prevEnd = p >= 0 ? K.endNs[p] : NaN;
    const nextStart = n >= 0 ? K.startNs[n] : NaN;
    const gapBefore = t.gpuStartNs[k] - prevEnd;
    const gapAfter = nextStart - t.gpuEndNs[k];
    data.push([
      nsToMs(t.gpuStartNs[k]),
      nsToMs(t.gpuEndNs[k]),
      nsToMs(t.dmaNs[k]),
      t.bytes[k],
      formatBytes(t.bytes[k]),
      t.labels[t.directionLabel[k]],
      kindLabel(t.labels[t.srcLabel[k]]),
      kindLabel(t.labels[t.dstLabel[k]]),
      nsToMs(gapBefore),
      nsToMs(gapAfter),
      t.streamId[k],
      gbps(t.gbps[k]),
      p >= 0 ? name(p) : '',
      nsToMs(prevEnd),
      n >= 0 ? name(n) : '',
      nsToMs(nextStart),
      t.gpuStartNs[k],
      t.gpuEndNs[k],
      optNs(gapBefore),
      optNs(gapAfter),
      optNs(prevEnd),
      optNs(nextStart),
      t.deviceId[k],
      opType(t, k),
    ]);
  }
  return {
    fileName: `kernel_memcpy_pairs_${tag}.csv`,
    csv: unparse(fields, data, ['prev_kernel_name', 'next_kernel_name']),
    rows: data.length,
  };
}
