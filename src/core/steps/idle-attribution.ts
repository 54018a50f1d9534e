import { buildCorrelation, type CorrelationIndex } from '../model/correlation';
import { NvtxStyle, type DurNs, type Ns, type TraceModel } from '../model/types';
import { upperBoundOf } from '../util/sorted-search';
import { detectSteps, GPU_BOUND_BUSY, CPU_BOUND_BUSY, SYNC_API, type StepDetection, type StepKind, type StepVerdict } from './detect-steps';
import { gpuWorkByPid, laneOf, type GpuWorkList } from './gpu-work';
import { IntervalSet } from './interval-set';

/**
 * Why the GPU was idle: every gap between a process's GPU work is explained from the thread that
 * launched the work ending the gap (found by API correlation on pid + correlationId):
 *  - launch:    that thread was inside CUDA API calls (cudaLaunchKernel & co., the launch itself and
 *               its way to the GPU): launch-bound;
 *  - host-wait: it was blocked in a synchronize or blocking copy, or in an OS-runtime call (poll,
 *               futex, …);
 *  - cpu:       it was doing other CPU work (Python, sampling, scheduling): no CUDA or OS call traced;
 *  - gpu-wait:  the work had been submitted before the GPU went idle, so the GPU itself waited (on a
 *               copy, an event, another stream);
 *  - unknown:   the next work has no correlated launch call (not traced).
 * Figures are per gap, per step kind (prefill/decode) and per NVTX phase (`phase:*` ranges, else
 * top-level ranges), each with a verdict and the sentence that justifies it.
 */

export type IdleCause = 'launch' | 'host-wait' | 'cpu' | 'gpu-wait' | 'unknown';
export const IDLE_CAUSES: readonly IdleCause[] = ['launch', 'host-wait', 'cpu', 'gpu-wait', 'unknown'];
/** How the evidence sentence names each cause: after "the launching thread was", and short. */
export const IDLE_CAUSE_LABELS: Record<IdleCause, { long: string; short: string }> = {
  launch: { long: 'the launching thread was inside CUDA API calls', short: 'CUDA API calls' },
  'host-wait': { long: 'the launching thread was blocked in a sync, copy or OS call', short: 'sync/copy/OS waits' },
  cpu: { long: 'the launching thread was doing other CPU work (Python, sampling, scheduling)', short: 'other CPU work' },
  'gpu-wait': { long: 'the GPU waited on a copy or event with the work already queued', short: 'GPU waiting on copies/events' },
  unknown: { long: 'the next GPU work had no traced launch call', short: 'untraced launches' },
};

export type CauseNs = Record<IdleCause, DurNs>;

export interface IdleGap {
  pid: number;
  startNs: Ns;
  endNs: Ns;
  /** tid of the thread that launched the work ending the gap (-1 when unknown). */
  launchTid: number;
  ns: CauseNs;
  /** CUDA API calls [name id, ns] the launching thread was in during the gap (the 'launch' part; a name may repeat). */
  apiNs: [number, DurNs][];
}

export interface IdleBreakdown {
  /** 'run', a step kind ('prefill', 'decode', 'step') or an NVTX phase name. */
  scope: string;
  scopeKind: 'run' | 'step-kind' | 'phase';
  wallNs: DurNs;
  busyNs: DurNs;
  idleNs: DurNs;
  gapCount: number;
  byCause: CauseNs;
  /** CUDA API calls the launching threads were in during idle time, longest first (at most 5). */
  topApis: { name: string; ns: DurNs }[];
  /** The longest gaps inside the scope (clipped to it), longest first (at most 10): where to look. */
  longestGaps: { pid: number; startNs: Ns; endNs: Ns; cause: IdleCause }[];
  verdict: StepVerdict;
  evidence: string;
}

export interface IdleAttribution {
  gaps: IdleGap[];
  run: IdleBreakdown;
  byStepKind: IdleBreakdown[];
  byPhase: IdleBreakdown[];
}

const zero = (): CauseNs => ({ launch: 0, 'host-wait': 0, cpu: 0, 'gpu-wait': 0, unknown: 0 });

interface ThreadCalls {
  api: { s: Float64Array; e: Float64Array; nameId: Int32Array; sync: Uint8Array };
  osrt: IntervalSet;
}

function threadCalls(model: TraceModel): Map<number, ThreadCalls> {
  const out = new Map<number, ThreadCalls>();
  const syncOf = new Map<number, boolean>();
  const osrt = new Map<number, { s: number[]; e: number[] }>();
  for (const tr of model.tracks) {
    if (tr.lane !== 'osrt' || tr.tid === undefined) continue;
    const o = model.osrt;
    const r = { s: [] as number[], e: [] as number[] };
    for (const i of tr.indices) {
      r.s.push(o.startNs[i]);
      r.e.push(o.endNs[i]);
    }
    const t = o.threadIndex[tr.indices[0] ?? 0];
    if (tr.indices.length) osrt.set(t, r);
  }
  // The model's CUDA API tracks are per thread and sorted by start already.
  const byThread = new Map<number, Int32Array>();
  const A = model.api;
  for (const tr of model.tracks) if (tr.lane === 'cuda-api' && tr.indices.length) byThread.set(A.threadIndex[tr.indices[0]], tr.indices);
  const threads = new Set([...byThread.keys(), ...osrt.keys()]);
  for (const t of threads) {
    const rows = byThread.get(t) ?? new Int32Array(0);
    const sync = new Uint8Array(rows.length);
    rows.forEach((i, k) => {
      let s = syncOf.get(A.nameId[i]);
      if (s === undefined) syncOf.set(A.nameId[i], (s = SYNC_API.test(model.strings[A.nameId[i]] ?? '')));
      sync[k] = s ? 1 : 0;
    });
    const o = osrt.get(t) ?? { s: [], e: [] };
    out.set(t, {
      api: {
        s: Float64Array.from(rows, (i) => A.startNs[i]),
        e: Float64Array.from(rows, (i) => A.endNs[i]),
        nameId: rows.map((i) => A.nameId[i]),
        sync,
      },
      osrt: new IntervalSet(o.s, o.e),
    });
  }
  return out;
}

const upperBound = upperBoundOf;

/** Splits [w0, w1] of one thread's time into launch / host-wait / cpu, adding API time per name. */
function splitThreadTime(tc: ThreadCalls | undefined, w0: Ns, w1: Ns, into: CauseNs, apiNs: [number, DurNs][]): void {
  if (w1 <= w0) return;
  if (!tc) {
    into.cpu += w1 - w0;
    return;
  }
  const { s, e, nameId, sync } = tc.api;
  // API calls on one thread nest at most (runtime over driver); take the outermost by skipping calls
  // that start inside the previous one.
  let k = Math.max(0, upperBound(s, w0) - 1);
  while (k > 0 && e[k - 1] > w0) k--;
  let cur = w0;
  let inApi = 0;
  const apiSpans: [number, number][] = [];
  for (; k < s.length && s[k] < w1; k++) {
    const a = Math.max(cur, s[k]);
    const b = Math.min(w1, e[k]);
    if (b <= a) continue;
    const d = b - a;
    if (sync[k]) into['host-wait'] += d;
    else {
      into.launch += d;
      apiNs.push([nameId[k], d]);
    }
    inApi += d;
    apiSpans.push([a, b]);
    cur = b;
  }
  // OS-runtime time outside CUDA calls is a host wait too.
  let osrtOnly = tc.osrt.coveredNs(w0, w1);
  for (const [a, b] of apiSpans) osrtOnly -= tc.osrt.coveredNs(a, b);
  into['host-wait'] += osrtOnly;
  into.cpu += w1 - w0 - inApi - osrtOnly;
}

/** Gaps of each process's GPU work between its first and last work item, explained. */
export function idleGaps(model: TraceModel, work: ReadonlyMap<number, GpuWorkList>, corr: CorrelationIndex): IdleGap[] {
  const calls = threadCalls(model);
  const A = model.api;
  const out: IdleGap[] = [];
  for (const [pid, w] of work) {
    let busyEnd = w.count ? w.endNs[0] : 0;
    for (let p = 1; p < w.count; p++) {
      const s = w.startNs[p];
      if (s <= busyEnd) {
        if (w.endNs[p] > busyEnd) busyEnd = w.endNs[p];
        continue;
      }
      const gap: IdleGap = { pid, startNs: busyEnd, endNs: s, launchTid: -1, ns: zero(), apiNs: [] };
      const a = corr.apiOf(laneOf(w, p), w.index[p]);
      if (a < 0) gap.ns.unknown = s - busyEnd;
      else {
        const t = A.threadIndex[a];
        gap.launchTid = model.threads[t]?.tid ?? -1;
        if (A.endNs[a] <= busyEnd) gap.ns['gpu-wait'] = s - busyEnd;
        else {
          const launchFrom = Math.max(busyEnd, A.startNs[a]);
          // From the launch call's start to the GPU start: the launch itself and its latency.
          gap.ns.launch += s - launchFrom;
          gap.apiNs.push([A.nameId[a], s - launchFrom]);
          splitThreadTime(calls.get(t), busyEnd, launchFrom, gap.ns, gap.apiNs);
        }
      }
      out.push(gap);
      busyEnd = w.endNs[p];
    }
  }
  return out;
}

function pct(part: number, whole: number): string {
  return `${whole > 0 ? Math.round((100 * part) / whole) : 0}%`;
}

export function idleVerdict(busyNs: number, wallNs: number, byCause: CauseNs): StepVerdict {
  const busy = wallNs > 0 ? busyNs / wallNs : 0;
  if (busy >= GPU_BOUND_BUSY) return 'gpu-bound';
  const idle = IDLE_CAUSES.reduce((s, c) => s + byCause[c], 0);
  const host = byCause.launch + byCause.cpu + byCause['host-wait'];
  if (busy < CPU_BOUND_BUSY && host >= 0.5 * idle) return 'cpu-bound';
  return 'balanced';
}

/** "cpu-bound: GPU busy 2% of decode (47 steps); during 82% of the idle time the launching thread was inside CUDA API calls (cudaLaunchKernel 60%); …" */
export function evidenceSentence(b: Omit<IdleBreakdown, 'evidence'>, what: string): string {
  const idle = b.idleNs;
  const head = `${b.verdict}: GPU busy ${pct(b.busyNs, b.wallNs)} of ${what}`;
  if (idle <= 0) return `${head}; no idle time`;
  const order = [...IDLE_CAUSES].filter((c) => b.byCause[c] >= 0.005 * idle).sort((x, y) => b.byCause[y] - b.byCause[x]);
  const parts = order.map((c, k) => {
    const api = c === 'launch' && b.topApis.length ? ` (${b.topApis[0].name} ${pct(b.topApis[0].ns, idle)})` : '';
    return k === 0
      ? `during ${pct(b.byCause[c], idle)} of the idle time ${IDLE_CAUSE_LABELS[c].long}${api}`
      : `${pct(b.byCause[c], idle)} ${IDLE_CAUSE_LABELS[c].short}${api}`;
  });
  return `${head}; ${parts.join(', ')}`;
}

function breakdown(
  scope: string,
  scopeKind: IdleBreakdown['scopeKind'],
  windows: { pid: number; startNs: Ns; endNs: Ns }[],
  gapsByPid: Map<number, IdleGap[]>,
  busyByPid: Map<number, IntervalSet>,
  model: TraceModel,
  what: string,
): IdleBreakdown {
  const byCause = zero();
  const apiTotals = new Map<number, number>();
  const longest: IdleBreakdown['longestGaps'] = [];
  let wallNs = 0;
  let busyNs = 0;
  let gapCount = 0;
  for (const w of windows) {
    wallNs += w.endNs - w.startNs;
    busyNs += busyByPid.get(w.pid)?.coveredNs(w.startNs, w.endNs) ?? 0;
    const gaps = gapsByPid.get(w.pid) ?? [];
    // gaps are sorted by start: find the first that ends after the window start
    let lo = 0;
    let hi = gaps.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (gaps[m].endNs <= w.startNs) lo = m + 1;
      else hi = m;
    }
    for (let g = lo; g < gaps.length && gaps[g].startNs < w.endNs; g++) {
      const gap = gaps[g];
      const len = gap.endNs - gap.startNs;
      const part = Math.min(w.endNs, gap.endNs) - Math.max(w.startNs, gap.startNs);
      if (part <= 0) continue;
      gapCount++;
      // A gap cut by the window keeps its proportions.
      for (const c of IDLE_CAUSES) byCause[c] += (gap.ns[c] * part) / len;
      for (const [id, ns] of gap.apiNs) apiTotals.set(id, (apiTotals.get(id) ?? 0) + (ns * part) / len);
      if (longest.length < 10 || part > longest[longest.length - 1].endNs - longest[longest.length - 1].startNs) {
        const cause = IDLE_CAUSES.reduce((a, c) => (gap.ns[c] > gap.ns[a] ? c : a), IDLE_CAUSES[0]);
        longest.push({ pid: gap.pid, startNs: Math.max(w.startNs, gap.startNs), endNs: Math.min(w.endNs, gap.endNs), cause });
        longest.sort((x, y) => y.endNs - y.startNs - (x.endNs - x.startNs) || x.startNs - y.startNs);
        if (longest.length > 10) longest.pop();
      }
    }
  }
  for (const c of IDLE_CAUSES) byCause[c] = Math.round(byCause[c]);
  const topApis = [...apiTotals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([id, ns]) => ({ name: (model.strings[id] ?? '').replace(/_v\d+$/, ''), ns: Math.round(ns) }));
  const idleNs = wallNs - busyNs;
  const base = {
    scope,
    scopeKind,
    wallNs,
    busyNs,
    idleNs,
    gapCount,
    byCause,
    topApis,
    longestGaps: longest,
    verdict: idleVerdict(busyNs, wallNs, byCause),
  };
  return { ...base, evidence: evidenceSentence(base, what) };
}

/** Top-level phases: NVTX `phase:*` ranges when the trace has them, else depth-0 ranges named like a phase. */
function phaseWindows(model: TraceModel): Map<string, { pid: number; startNs: Ns; endNs: Ns }[]> {
  const N = model.nvtx;
  const out = new Map<string, { pid: number; startNs: Ns; endNs: Ns }[]>();
  for (let i = 0; i < N.count; i++) {
    if (N.style[i] === NvtxStyle.Mark || N.endNs[i] <= N.startNs[i]) continue;
    const name = model.strings[N.nameId[i]] ?? '';
    if (!/^phase[:_ ]/i.test(name)) continue;
    let l = out.get(name);
    if (!l) out.set(name, (l = []));
    l.push({ pid: model.threads[N.threadIndex[i]]?.pid ?? -1, startNs: N.startNs[i], endNs: N.endNs[i] });
  }
  return out;
}

export interface IdleOptions {
  correlation?: CorrelationIndex;
  steps?: StepDetection;
  work?: ReadonlyMap<number, GpuWorkList>;
}

export function attributeIdle(model: TraceModel, opts: IdleOptions = {}): IdleAttribution {
  const corr = opts.correlation ?? buildCorrelation(model);
  const det = opts.steps ?? detectSteps(model, { correlation: corr, work: opts.work });
  const work = opts.work ?? gpuWorkByPid(model);
  const gaps = idleGaps(model, work, corr);
  const gapsByPid = new Map<number, IdleGap[]>();
  for (const g of gaps) {
    let l = gapsByPid.get(g.pid);
    if (!l) gapsByPid.set(g.pid, (l = []));
    l.push(g);
  }
  const busyByPid = new Map<number, IntervalSet>();
  for (const [pid, w] of work) busyByPid.set(pid, new IntervalSet(w.startNs, w.endNs));
  const runWindows = [...work.values()]
    .filter((w) => w.count)
    .map((w) => {
      let end = 0;
      for (let p = 0; p < w.count; p++) end = Math.max(end, w.endNs[p]);
      return { pid: w.pid, startNs: w.startNs[0], endNs: end };
    });
  const run = breakdown('run', 'run', runWindows, gapsByPid, busyByPid, model, 'the run (first to last GPU work)');
  const kinds: StepKind[] = ['prefill', 'decode', 'step'];
  const byStepKind = kinds
    .map((k) => ({ k, steps: det.steps.filter((s) => s.kind === k) }))
    .filter((x) => x.steps.length)
    .map(({ k, steps }) =>
      breakdown(
        k,
        'step-kind',
        steps,
        gapsByPid,
        busyByPid,
        model,
        `${k === 'step' ? 'the steps' : k} (${steps.length} step${steps.length === 1 ? '' : 's'})`,
      ),
    );
  const byPhase = [...phaseWindows(model)].map(([name, w]) => breakdown(name, 'phase', w, gapsByPid, busyByPid, model, name));
  return { gaps, run, byStepKind, byPhase };
}
