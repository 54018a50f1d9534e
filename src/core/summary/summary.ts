import { aggregateMemOps, analyzeMemOps, OP_MEMSET, type MemOpAggregate, type MemOpTable } from '../analysis/memcpy';
import { NvtxStyle, type TraceModel } from '../model/types';
import { runStatsReport } from '../stats/index';
import type { StatsReport, StatsReportName } from '../stats/types';
import { formatBytes, formatDurationNs } from '../util/format';
import { buildChecks, type SummaryCheck } from './summary-checks';
import { gpuIdleGaps, type DeviceIdle } from './idle-gaps';
import { analyzeStepsOnce, type StepsSummaryJson } from '../steps/steps-summary';

/**
 * `nsys-viewer summary`: one JSON a notebook can read, compatible with the summary.json our users'
 * vLLM parsing scripts wrote (run / phases / gpu.kernels / gpu.memcpy / cpu.wait_calls), with exact
 * integer-ns fields beside their seconds and a few additions (capture window ns, copies by
 * direction × memory kind with GB/s, counts, GPU idle gaps, checks).
 *
 * Units: *_s are seconds (ns / 1e9), *_ns integer ns; MB is 10^6 bytes as `nsys stats` prints it
 * ("Total (MB)" in cuda_gpu_mem_size_sum). The seed's "MB" was MiB (2^20): 32 MiB copies showed as
 * 32.0 "MB" there and are 33.554 MB here.
 */

export interface SummaryOptions {
  /** How many kernels / wait calls to list (default 10). */
  topN?: number;
  /** GPU idle gaps at least this long are listed (default 1 ms). */
  idleGapThresholdNs?: number;
  /** Shown as run.sqlite (defaults to the model's source name). */
  sqlite?: string;
  /**
   * Reference reports to cross-check our totals against, by name: NVIDIA's own `nsys stats --format
   * csv` output parsed into {columns, rows} (see stats-csv.ts). Missing ones are skipped. Default:
   * our nsys stats re-implementation (src/core/stats) run on the same model — an independent second
   * computation (it groups and sums its own way, byte-compatible with nsys); null: self checks only.
   */
  references?: Partial<Record<StatsReportName, StatsReport>> | null;
  /** Where the references came from, for the checks' `source` (e.g. "nsys stats CSV"). */
  referenceSource?: string;
  /** Reuse a memory-op analysis of the whole trace. */
  memOps?: MemOpTable;
  /** Steps and idle attribution already computed (the service caches them); computed when absent. */
  steps?: StepsSummaryJson;
}

export interface PhaseSummary {
  name: string;
  total_s: number;
  total_ns: number;
  pct_of_capture_window: number;
  ranges: number;
}

export interface ByOpSummary {
  /** The operation as nsys stats names it: "[CUDA memcpy Host-to-Device]", "[CUDA memset]". */
  op: string;
  /** 'memcpy' or 'memset'. */
  kind: 'memcpy' | 'memset';
  total_s: number;
  total_ns: number;
  count: number;
  total_mb: number;
  bytes: number;
}

export interface WaitCallSummary {
  name: string;
  total_s: number;
  total_ns: number;
  calls: number;
  /** Time summed over all threads / capture window × 100: several threads waiting can exceed 100. */
  pct_thread_summed_vs_window: number;
}

export interface TraceSummary {
  run: {
    type: 'nsys-sqlite';
    sqlite: string;
    export_version: string | null;
    capture_window_s: number;
    capture_window_ns: number;
    session_start_ns: number;
    session_end_ns: number;
  };
  /** Where phases came from: NVTX "phase:*" ranges, else all top-level NVTX ranges by name. */
  phase_source: 'nvtx phase:* ranges' | 'nvtx top-level ranges' | 'none';
  phases: PhaseSummary[];
  gpu: {
    kernels: {
      present: boolean;
      total_s: number;
      total_ns: number;
      count: number;
      name_source: string;
      top: { name: string; total_s: number; total_ns: number; count: number }[];
    };
    memcpy: {
      present: boolean;
      total_s: number;
      total_ns: number;
      total_mb: number;
      count: number;
      by_op: ByOpSummary[];
      /** Our addition: direction × source × destination memory kind (labels from the file's enums). */
      by_kind: (MemOpAggregate & { total_mb: number })[];
      notes: string[];
    };
    /**
     * CUDA graph executions traced at graph level (nsys's default): GPU time that the kernel figures
     * above do not hold, because those graphs' kernels are not in the kernel table.
     */
    graphs: {
      present: boolean;
      count: number;
      total_s: number;
      total_ns: number;
      by_graph: { graph_id: number; count: number; total_ns: number }[];
    };
    idle_gaps: { threshold_ns: number; devices: DeviceIdle[] };
  };
  cpu: {
    wait_calls: { present: boolean; top: WaitCallSummary[]; notes: string[] };
  };
  /** Iterations (decode steps / forward passes) and why the GPU idled, with verdicts (src/core/steps). */
  steps: StepsSummaryJson;
  counts: { kernels: number; graph_execs: number; memcpy: number; memset: number; cuda_api: number; nvtx: number; osrt: number };
  checks: SummaryCheck[];
}

/** OS runtime calls that block a thread (poll/epoll/select family, semaphores, futex, condition variables, sleeps, joins). */
export const WAIT_CALLS = new Set([
  'poll',
  'ppoll',
  'epoll_wait',
  'epoll_pwait',
  'epoll_pwait2',
  'select',
  'pselect',
  'pselect6',
  'sem_wait',
  'sem_timedwait',
  'sem_clockwait',
  'futex',
  'pthread_cond_wait',
  'pthread_cond_timedwait',
  'pthread_cond_clockwait',
  'pthread_join',
  'pthread_timedjoin_np',
  'pthread_mutex_lock',
  'pthread_mutex_timedlock',
  'pthread_rwlock_rdlock',
  'pthread_rwlock_wrlock',
  'pthread_barrier_wait',
  'nanosleep',
  'clock_nanosleep',
  'sleep',
  'usleep',
  'wait',
  'waitpid',
  'wait4',
  'waitid',
  'sigwait',
  'sigwaitinfo',
  'sigtimedwait',
]);

const PHASE_PREFIX = 'phase:';
const s = (ns: number) => ns / 1e9;
const mb = (bytes: number) => bytes / 1e6;
const round = (v: number, digits: number) => Number(v.toFixed(digits));

/**
 * Top-level ranges: depth 0, plus exact copies (same thread, start, end and name) of the depth-0
 * range they stack on. Depths put a duplicated row one level down (it "nests" in its twin), but
 * nvtx_sum counts both, so without this a file with duplicated NVTX rows failed its own summary
 * checks (exit 3).
 */
function topLevelRanges(model: TraceModel): (i: number) => boolean {
  const { nvtx } = model;
  const top = new Uint8Array(nvtx.count);
  for (const t of model.tracks) {
    if (t.lane !== 'nvtx') continue;
    let root = -1;
    for (const i of t.indices) {
      if (nvtx.depth[i] === 0) {
        root = i;
        top[i] = 1;
      } else if (
        root >= 0 &&
        nvtx.startNs[i] === nvtx.startNs[root] &&
        nvtx.endNs[i] === nvtx.endNs[root] &&
        nvtx.nameId[i] === nvtx.nameId[root]
      ) {
        top[i] = 1;
      }
    }
  }
  return (i) => top[i] === 1;
}

function phases(model: TraceModel, windowNs: number): Pick<TraceSummary, 'phases' | 'phase_source'> {
  const { nvtx, strings } = model;
  const collect = (keep: (i: number) => boolean) => {
    const by = new Map<string, { total: number; n: number }>();
    for (let i = 0; i < nvtx.count; i++) {
      if (nvtx.style[i] === NvtxStyle.Mark || !keep(i)) continue;
      const name = strings[nvtx.nameId[i]] ?? '';
      let g = by.get(name);
      if (!g) by.set(name, (g = { total: 0, n: 0 }));
      g.total += nvtx.endNs[i] - nvtx.startNs[i];
      g.n++;
    }
    return [...by]
      .map(([name, g]) => ({
        name,
        total_s: s(g.total),
        total_ns: g.total,
        pct_of_capture_window: windowNs > 0 ? round((100 * g.total) / windowNs, 3) : 0,
        ranges: g.n,
      }))
      .sort((a, b) => b.total_ns - a.total_ns || a.name.localeCompare(b.name));
  };
  const tagged = collect((i) => (strings[nvtx.nameId[i]] ?? '').startsWith(PHASE_PREFIX));
  if (tagged.length) return { phases: tagged, phase_source: 'nvtx phase:* ranges' };
  const top = collect(topLevelRanges(model));
  return { phases: top, phase_source: top.length ? 'nvtx top-level ranges' : 'none' };
}

function kernels(model: TraceModel, topN: number): TraceSummary['gpu']['kernels'] {
  const k = model.kernels;
  const byName = new Map<string, { total: number; n: number }>();
  let total = 0;
  for (let i = 0; i < k.count; i++) {
    const d = k.endNs[i] - k.startNs[i];
    total += d;
    // Grouped by demangled name, as cuda_gpu_kern_sum does (its default --force-export naming).
    const name = model.strings[k.demangledNameId[i]] ?? model.strings[k.shortNameId[i]] ?? '';
    let g = byName.get(name);
    if (!g) byName.set(name, (g = { total: 0, n: 0 }));
    g.total += d;
    g.n++;
  }
  const top = [...byName]
    .sort((a, b) => b[1].total - a[1].total || a[0].localeCompare(b[0]))
    .slice(0, topN)
    .map(([name, g]) => ({ name, total_s: s(g.total), total_ns: g.total, count: g.n }));
  return {
    present: k.count > 0,
    total_s: s(total),
    total_ns: total,
    count: k.count,
    name_source: 'demangledName (StringIds), as nsys stats cuda_gpu_kern_sum names kernels',
    top,
  };
}

function graphs(model: TraceModel): TraceSummary['gpu']['graphs'] {
  const g = model.graphExecs;
  const byGraph = new Map<number, { count: number; total_ns: number }>();
  let total = 0;
  for (let i = 0; i < g.count; i++) {
    const d = g.endNs[i] - g.startNs[i];
    total += d;
    let b = byGraph.get(g.graphId[i]);
    if (!b) byGraph.set(g.graphId[i], (b = { count: 0, total_ns: 0 }));
    b.count++;
    b.total_ns += d;
  }
  const by_graph = [...byGraph]
    .map(([graph_id, b]) => ({ graph_id, ...b }))
    .sort((a, b) => b.total_ns - a.total_ns || a.graph_id - b.graph_id);
  return { present: g.count > 0, count: g.count, total_s: s(total), total_ns: total, by_graph };
}

/** nsys stats' operation name for a memory op: "[CUDA memcpy Host-to-Device]", "[CUDA memset]". */
export function statsOpName(direction: string, isMemset: boolean): string {
  return isMemset ? '[CUDA memset]' : `[CUDA memcpy ${direction}]`;
}

function memcpy(t: MemOpTable): TraceSummary['gpu']['memcpy'] {
  const byOp = new Map<string, ByOpSummary>();
  let total = 0;
  let bytes = 0;
  for (let k = 0; k < t.count; k++) {
    const isMemset = t.op[k] === OP_MEMSET;
    const op = statsOpName(t.labels[t.directionLabel[k]], isMemset);
    let g = byOp.get(op);
    if (!g) byOp.set(op, (g = { op, kind: isMemset ? 'memset' : 'memcpy', total_s: 0, total_ns: 0, count: 0, total_mb: 0, bytes: 0 }));
    g.total_ns += t.dmaNs[k];
    g.bytes += t.bytes[k];
    g.count++;
    total += t.dmaNs[k];
    bytes += t.bytes[k];
  }
  const by_op = [...byOp.values()]
    .map((g) => ({ ...g, total_s: s(g.total_ns), total_mb: round(mb(g.bytes), 6) }))
    .sort((a, b) => b.total_ns - a.total_ns || a.op.localeCompare(b.op));
  return {
    present: t.count > 0,
    total_s: s(total),
    total_ns: total,
    total_mb: round(mb(bytes), 6),
    count: t.count,
    by_op,
    by_kind: aggregateMemOps(t).map((g) => ({ ...g, total_mb: round(mb(g.bytes), 6) })),
    notes: [
      'Covers memcpy and memset, like nsys stats cuda_gpu_mem_time_sum / cuda_gpu_mem_size_sum.',
      'MB = 10^6 bytes (as nsys stats prints); divide bytes by 1048576 for MiB.',
      'Times are GPU (DMA) durations; GB/s = bytes / ns (decimal).',
      "Memory kinds and directions are the labels of this file's ENUM_CUDA_MEM_KIND / ENUM_CUDA_MEMCPY_OPER tables.",
    ],
  };
}

function waitCalls(model: TraceModel, windowNs: number, topN: number): TraceSummary['cpu']['wait_calls'] {
  const o = model.osrt;
  const byName = new Map<string, { total: number; n: number }>();
  for (let i = 0; i < o.count; i++) {
    const name = model.strings[o.nameId[i]] ?? '';
    if (!WAIT_CALLS.has(name)) continue;
    let g = byName.get(name);
    if (!g) byName.set(name, (g = { total: 0, n: 0 }));
    g.total += o.endNs[i] - o.startNs[i];
    g.n++;
  }
  const top = [...byName]
    .sort((a, b) => b[1].total - a[1].total || a[0].localeCompare(b[0]))
    .slice(0, topN)
    .map(([name, g]) => ({
      name,
      total_s: s(g.total),
      total_ns: g.total,
      calls: g.n,
      pct_thread_summed_vs_window: windowNs > 0 ? round((100 * g.total) / windowNs, 3) : 0,
    }));
  const notes = o.count
    ? [
        'Summed over all threads, so a percentage above 100 means several threads waited at once.',
        `Wait calls: ${[...WAIT_CALLS].join(', ')}.`,
      ]
    : ['No OS runtime trace in this file (profile with -t osrt to get wait calls).'];
  return { present: o.count > 0, top, notes };
}

/** The reports the checks read, computed by src/core/stats from the model. */
const CHECKED_REPORTS: StatsReportName[] = ['cuda_gpu_kern_sum', 'cuda_gpu_mem_time_sum', 'cuda_gpu_mem_size_sum', 'nvtx_sum', 'osrt_sum'];
function ourStatsReports(model: TraceModel): Partial<Record<StatsReportName, StatsReport>> {
  return Object.fromEntries(CHECKED_REPORTS.map((n) => [n, runStatsReport(model, n)]));
}

export function buildSummary(model: TraceModel, opts: SummaryOptions = {}): TraceSummary {
  const topN = opts.topN ?? 10;
  const { sessionStartNs, sessionEndNs } = model.meta;
  const windowNs = sessionEndNs - sessionStartNs;
  const memOps = opts.memOps ?? analyzeMemOps(model, { neighbours: false });
  const summary: TraceSummary = {
    run: {
      type: 'nsys-sqlite',
      sqlite: opts.sqlite ?? model.meta.sourceName,
      export_version: model.meta.exportVersion || null,
      capture_window_s: s(windowNs),
      capture_window_ns: windowNs,
      session_start_ns: sessionStartNs,
      session_end_ns: sessionEndNs,
    },
    ...phases(model, windowNs),
    gpu: {
      kernels: kernels(model, topN),
      memcpy: memcpy(memOps),
      graphs: graphs(model),
      idle_gaps: { threshold_ns: opts.idleGapThresholdNs ?? 1_000_000, devices: gpuIdleGaps(model, opts.idleGapThresholdNs ?? 1_000_000) },
    },
    cpu: { wait_calls: waitCalls(model, windowNs, topN) },
    steps: opts.steps ?? analyzeStepsOnce(model, { nvtxGpu: false }).json,
    counts: {
      kernels: model.kernels.count,
      graph_execs: model.graphExecs.count,
      memcpy: model.memcpy.count,
      memset: model.memset.count,
      cuda_api: model.api.count,
      nvtx: model.nvtx.count,
      osrt: model.osrt.count,
    },
    checks: [],
  };
  const refs = opts.references === undefined ? ourStatsReports(model) : (opts.references ?? {});
  const source = opts.references === undefined ? 'src/core/stats' : (opts.referenceSource ?? 'reference report');
  summary.checks = buildChecks(model, summary, refs, source);
  return summary;
}

/** The summary as text for a terminal. */
export function formatSummary(sm: TraceSummary): string {
  const L: string[] = [];
  const pad = (v: string, n: number) => (v.length >= n ? v : v + ' '.repeat(n - v.length));
  const lpad = (v: string, n: number) => (v.length >= n ? v : ' '.repeat(n - v.length) + v);
  const cut = (v: string, n: number) => (v.length > n ? v.slice(0, n - 1) + '…' : v);
  L.push(`trace:           ${sm.run.sqlite} (nsys ${sm.run.export_version ?? 'unknown'})`);
  L.push(`capture window:  ${formatDurationNs(sm.run.capture_window_ns)} (${sm.run.capture_window_ns} ns)`);
  const c = sm.counts;
  L.push(
    `counts:          ${c.kernels} kernels, ${c.graph_execs ? `${c.graph_execs} CUDA graph executions, ` : ''}${c.memcpy} memcpy, ${c.memset} memset, ${c.cuda_api} CUDA API calls, ${c.nvtx} NVTX, ${c.osrt} OS runtime`,
  );
  L.push('');
  L.push(`NVTX phases (${sm.phase_source}):`);
  if (!sm.phases.length) L.push('  none');
  for (const p of sm.phases)
    L.push(
      `  ${pad(cut(p.name, 48), 48)} ${lpad(formatDurationNs(p.total_ns), 12)} ${lpad(fixed1(p.pct_of_capture_window), 6)}%  ${p.ranges} range${p.ranges === 1 ? '' : 's'}`,
    );
  L.push('');
  const k = sm.gpu.kernels;
  if (k.present) L.push(`Kernels: ${k.count}, total ${formatDurationNs(k.total_ns)}`);
  else L.push('Kernels: none in this trace (CUDA is traced with nsys profile -t cuda).');
  for (const t of k.top) L.push(`  ${lpad(formatDurationNs(t.total_ns), 12)} ${lpad(String(t.count), 7)}x  ${cut(t.name, 90)}`);
  const gr = sm.gpu.graphs;
  if (gr.present) {
    L.push(
      `CUDA graph executions: ${gr.count}, total ${formatDurationNs(gr.total_ns)} (traced per graph, nsys's default: their kernels are not in the kernel figures)`,
    );
    for (const b of gr.by_graph.slice(0, 10))
      L.push(`  ${lpad(formatDurationNs(b.total_ns), 12)} ${lpad(String(b.count), 7)}x  graph ${b.graph_id}`);
  }
  L.push('');
  const m = sm.gpu.memcpy;
  L.push(
    m.present
      ? `Memory ops: ${m.count}, total ${formatDurationNs(m.total_ns)}, ${m.total_mb.toFixed(3)} MB (10^6 bytes)`
      : 'Memory ops: no memcpy or memset in this trace.',
  );
  if (m.present)
    L.push(
      `  ${pad('direction', 18)} ${pad('src -> dst', 22)} ${lpad('count', 6)} ${lpad('bytes', 14)} ${lpad('GPU time', 12)} ${lpad('GB/s', 8)}`,
    );
  for (const g of m.by_kind) {
    L.push(
      `  ${pad(g.direction, 18)} ${pad(`${g.srcKind} -> ${g.dstKind}`, 22)} ${lpad(String(g.count), 6)} ${lpad(formatBytes(g.bytes), 14)} ${lpad(formatDurationNs(g.totalDmaNs), 12)} ${lpad(g.gbps.toFixed(2), 8)}`,
    );
  }
  L.push('');
  L.push(`GPU idle gaps >= ${formatDurationNs(sm.gpu.idle_gaps.threshold_ns)} (between GPU ops per device):`);
  if (!sm.gpu.idle_gaps.devices.length) L.push('  no GPU activity');
  for (const d of sm.gpu.idle_gaps.devices) {
    L.push(
      `  GPU ${d.device_id}: ${d.gap_count} gaps, ${formatDurationNs(d.gap_total_ns)} idle of ${formatDurationNs(d.last_ns - d.first_ns)} active span (busy ${formatDurationNs(d.busy_ns)})`,
    );
    for (const g of d.largest.slice(0, 5)) L.push(`    ${lpad(formatDurationNs(g.duration_ns), 12)} at ${formatDurationNs(g.start_ns)}`);
  }
  L.push('');
  const st = sm.steps;
  L.push(
    st.count
      ? `Steps: ${st.count} from ${st.description}; median ${formatDurationNs(st.wall_median_ns)}, p99 ${formatDurationNs(st.wall_p99_ns)}${st.time_per_token_ns !== null ? `, per token ${formatDurationNs(st.time_per_token_ns)}` : ''}`
      : 'Steps: none found (nsys-viewer steps --step-nvtx/--step-kernel).',
  );
  for (const b of [...st.idle.by_step_kind, ...st.idle.by_phase, ...(st.idle.by_step_kind.length ? [] : [st.idle.run])])
    L.push(`  ${b.evidence}`);
  L.push('');
  const w = sm.cpu.wait_calls;
  L.push('CPU wait calls (OS runtime):');
  if (!w.present) L.push('  ' + w.notes[0]);
  for (const t of w.top)
    L.push(
      `  ${pad(t.name, 24)} ${lpad(formatDurationNs(t.total_ns), 12)} ${lpad(String(t.calls), 7)} calls ${lpad(fixed1(t.pct_thread_summed_vs_window), 7)}% of window (thread-summed)`,
    );
  if (sm.checks.length) {
    L.push('');
    const bad = sm.checks.filter((x) => !x.ok);
    L.push(`Checks: ${sm.checks.length - bad.length}/${sm.checks.length} ok`);
    for (const x of bad) L.push(`  MISMATCH ${x.name}: ours ${x.ours}, ${x.source} ${x.reference}`);
  }
  return L.join('\n') + '\n';
}

const fixed1 = (x: number): string => x.toFixed(1);
